/**
 * `gradebox complete`, `uncomplete` and `grades` end to end: a real API-only `gradebox serve
 * --workers 0` and the real CLI against it, each a child process over dist/ (build first). The
 * steps build on each other (completions, then grades, then un-completing), so they run in order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentGrade, CompletionOutcome } from '../../src/platform/model.ts';
import { assertBuildIsFresh, cliEnv, jsonOutput, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';

let work: string;
let server: ServedCli | undefined;
let url: string;
const tokens: Record<string, string> = {};

function gradebox(args: string[], token?: string): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({
      XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1',
      GRADEBOX_SERVER: token === undefined ? undefined : url, GRADEBOX_TOKEN: token,
    }),
  });
}

const COURSE_FILE = `
course: { id: cs101, title: Intro }
members:
  - { login: ines, role: instructor }
  - { login: sam, role: student }
  - { login: sue, role: student }
  - { login: sid, role: student }
assignments:
  - id: unit1
    title: Unit 1
    deadline: 2030-01-01T00:00:00Z
    trigger: completion
    partFeedback: on-completion
    parts: [{ id: p1, points: 10 }, { id: p2, points: 5 }]
  - id: hw
    title: Homework
    parts: [{ id: p1, points: 1 }]
`;

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-completion-cli-'));
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '0'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 10 * 60_000,
  });
  server = served;
  url = served.url;
  const admin = served.adminToken ?? '';
  await writeFile(join(work, 'course.yaml'), COURSE_FILE);
  const applied = await gradebox(['apply', join(work, 'course.yaml')], admin);
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout).toContain('+ create    assignment cs101/unit1 (graded on completion, parts too)\n');
  for (const login of ['ines', 'sam', 'sue', 'sid']) {
    const issued = await gradebox(['tokens', 'issue', login, '--scopes', 'read,submit'], admin);
    expect(issued.code, issued.stderr).toBe(0);
    tokens[login] = issued.stdout.trim();
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('complete, uncomplete and grades against a running server', () => {
  let sidSubmission: string;

  it('submit --wait to an assignment graded on completion: stored, and it says when it is graded', async () => {
    await writeFile(join(work, 'answer.txt'), '42\n');
    const submitted = await gradebox(['submit', 'cs101', 'unit1', join(work, 'answer.txt'), '--wait'], tokens.sid);
    expect(submitted.code, submitted.stderr).toBe(0);
    sidSubmission = submitted.stdout.split('\n')[0] ?? '';
    expect(sidSubmission).toMatch(/^sub_/);
    expect(submitted.stderr).toContain('stored; its parts are graded when the assignment is completed (gradebox complete cs101 unit1)\n');
  });

  it('a student completes their own work (no submission: a grade of 0); twice is refused with what to do', async () => {
    const done = await gradebox(['complete', 'cs101', 'unit1'], tokens.sam);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^sam {2}completed \d{4}-\d\d-\d\d \d\d:\d\d UTC {2}no submission \(grade 0\)\n$/);
    expect(done.stderr).toBe('grades: gradebox grades cs101 unit1\n');
    const twice = await gradebox(['complete', 'cs101', 'unit1'], tokens.sam);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('(HTTP 409 already-completed)');
    expect(twice.stderr).toContain('gradebox uncomplete cs101 unit1 --student sam');
    const own = await gradebox(['grades', 'cs101', 'unit1'], tokens.sam);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain('cs101/unit1 for sam: no-submission\n');
    expect(own.stdout).toContain('  no submission: grade 0\n');
    expect(own.stdout).toContain('  final grade 0\n');
  });

  it('assignments shows the workflow', async () => {
    const listed = await gradebox(['assignments', 'cs101'], tokens.sam);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^unit1 {2}Unit 1 {2}· {2}15 points {2}· {2}due 2030-01-01 00:00 UTC {2}· {2}graded on completion \(parts too\)\n/);
    expect(listed.stdout).toMatch(/\nhw {2}Homework {2}· {2}1 points {2}· {2}due — *\n/);
  });

  it('a student may not complete another student\'s work (403, exit 1)', async () => {
    const refused = await gradebox(['complete', 'cs101', 'unit1', '--student', 'sue'], tokens.sam);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: students may only complete their own work.*\(HTTP 403 forbidden\)\nhint: /);
  });

  it('staff complete one student, then everyone, with a count of who changed', async () => {
    const one = jsonOutput<CompletionOutcome>(await gradebox(['complete', 'cs101', 'unit1', '--student', 'sue', '--json'], tokens.ines));
    expect(one).toMatchObject({ changed: 1, completions: [{ login: 'sue', how: 'staff', completedBy: 'ines' }] });
    const all = await gradebox(['complete', 'cs101', 'unit1', '--all'], tokens.ines);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe(`sid  ${/completed .* UTC/.exec(all.stdout)?.[0] ?? ''}  graded: ${sidSubmission}\n`);
    expect(all.stderr).toContain('cs101/unit1: completed 1 student; the others were completed already\n');
    const none = await gradebox(['complete', 'cs101', 'unit1', '--all'], tokens.ines);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('completed 0 students;');
  });

  it('grades: a table for staff, JSON with the derivation', async () => {
    const table = await gradebox(['grades', 'cs101', 'unit1'], tokens.ines);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^LOGIN +STATUS +POINTS +RAW +LATE +FINAL$/);
    expect(table.stdout).toMatch(/\nsam +no-submission +0\/15 +0 +×1 on time +0\n/);
    const json = jsonOutput<{ grades: AssignmentGrade[] }>(await gradebox(['grades', 'cs101', 'unit1', '--json'], tokens.ines));
    expect(json.grades.map((g) => [g.login, g.status, g.submissionId])).toEqual([
      ['sam', 'no-submission', null],
      // No grader was published when sid's work was completed: its parts earn nothing.
      ['sid', 'graded', sidSubmission],
      ['sue', 'no-submission', null],
    ]);
    expect(json.grades[0]).toMatchObject({ method: 'aggregate', trigger: 'completion', rawGrade: 0, late: { factor: 1, rule: 'on time' }, finalGrade: 0 });
    const one = await gradebox(['grades', 'cs101', 'unit1', '--student', 'sue'], tokens.ines);
    expect(one.stdout).toContain('cs101/unit1 for sue: no-submission\n  completed ');
    expect(one.stdout).toContain('by ines (staff)\n');
  });

  it('uncomplete: staff only; afterwards the student is not completed', async () => {
    const refused = await gradebox(['uncomplete', 'cs101', 'unit1', '--student', 'sam'], tokens.sam);
    expect(refused.code).toBe(1);
    const undone = await gradebox(['uncomplete', 'cs101', 'unit1', '--student', 'sam'], tokens.ines);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toMatch(/^un-completed sam \(was completed .* UTC by sam, student\)\n$/);
    const again = await gradebox(['uncomplete', 'cs101', 'unit1', '--student', 'sam'], tokens.ines);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(HTTP 409 not-completed)');
    const grades = jsonOutput<{ grades: AssignmentGrade[] }>(await gradebox(['grades', 'cs101', 'unit1', '--student', 'sam', '--json'], tokens.ines));
    expect(grades.grades[0]).toMatchObject({ status: 'not-completed', rawGrade: null });
  });

  it('usage errors exit 2 before anything is sent; unknown names and triggers exit 1', async () => {
    const both = await gradebox(['complete', 'cs101', 'unit1', '--all', '--student', 'sam'], tokens.ines);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('error: give --student LOGIN or --all, not both\n(see --help)\n');
    const badLogin = await gradebox(['complete', 'cs101', 'unit1', '--student', 'Sam Smith'], tokens.ines);
    expect(badLogin.code).toBe(2);
    expect(badLogin.stderr).toContain("--student: 'Sam Smith' is not a valid login id");
    const noStudent = await gradebox(['uncomplete', 'cs101', 'unit1'], tokens.ines);
    expect(noStudent.code).toBe(2);
    expect(noStudent.stderr).toContain("required option '--student <login>' not specified");
    const unknown = await gradebox(['grades', 'cs101', 'nope'], tokens.ines);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: no assignment cs101/nope (HTTP 404 not-found)\n');
    const notCompletion = await gradebox(['complete', 'cs101', 'hw'], tokens.sam);
    expect(notCompletion.code).toBe(1);
    expect(notCompletion.stderr).toContain('(HTTP 409 not-completion-trigger)');
    const help = await gradebox(['complete', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('gradebox complete cs101 hw1 --all');
  });
});
