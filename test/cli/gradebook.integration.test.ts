/**
 * The gradebook with the real CLI against a real API-only `gradebox serve --workers 0` (child
 * processes over dist/: build first): `grades override` (and --remove) with its exit codes,
 * `grades log`, `grades export` as CSV and JSON, and `grades COURSE ASSIGNMENT` still the listing.
 * The steps build on each other, so the tests run in order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedGradeChange } from '../../src/platform/grade-log.ts';
import type { AssignmentGrade } from '../../src/platform/model.ts';
import { assertBuildIsFresh, cliEnv, jsonOutput, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';

let work: string;
let server: ServedCli | undefined;

function gradebox(args: string[]): Promise<CliResult> {
  return runCli(args, { env: cliEnv({ XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1' }) });
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-gradebook-cli-'));
  server = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '0'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 10 * 60_000,
  });
  const login = await gradebox(['login', '--server', server.url, '--token', server.adminToken ?? '']);
  expect(login.code, login.stderr).toBe(0);
  const file = join(work, 'course.yaml');
  await writeFile(file, `course: {id: cs101, title: Intro}
members:
  - {login: ada, role: instructor}
  - {login: sam, displayName: "@SUM(1+1)", role: student}
  - {login: sue, role: student}
assignments:
  - id: hw1
    title: Homework 1
    parts: [{id: p1, points: 10}, {id: p2, points: 5}]
`);
  const applied = await gradebox(['apply', file]);
  expect(applied.code, applied.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the gradebook with the gradebox command', () => {
  it('grades override sets and removes overrides, with clear usage errors (2) and refusals (1)', async () => {
    const set = await gradebox(['grades', 'override', 'cs101', 'hw1', 'sam', '7', '--part', 'p1', '--reason', 'partial credit']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe("set sam's points of part p1 on cs101/hw1 to 7\n");
    const extra = await gradebox(['grades', 'override', 'cs101', 'hw1', 'sue', '110', '--reason', 'project bonus']);
    expect(extra.code, extra.stderr).toBe(0);
    expect(extra.stderr).toBe('warning: 110 is above 100: extra credit\n');

    const noReason = await gradebox(['grades', 'override', 'cs101', 'hw1', 'sam', '7']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason TEXT is required');
    const notNumber = await gradebox(['grades', 'override', 'cs101', 'hw1', 'sam', 'NaN', '--reason', 'r']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain("VALUE: 'NaN' is not a number");
    const unknownPart = await gradebox(['grades', 'override', 'cs101', 'hw1', 'sam', '1', '--part', 'p9', '--reason', 'r']);
    expect(unknownPart.code).toBe(1);
    expect(unknownPart.stderr).toContain("no part 'p9' in cs101/hw1");
    const unknownStudent = await gradebox(['grades', 'override', 'cs101', 'hw1', 'nobody', '1', '--reason', 'r']);
    expect(unknownStudent.code).toBe(1);
    expect(unknownStudent.stderr).toContain("no student 'nobody' in cs101");

    const removed = await gradebox(['grades', 'override', 'cs101', 'hw1', 'sue', '--remove', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(jsonOutput<{ override: { value: number } }>(removed).override.value).toBe(110);
  });

  it('grades COURSE ASSIGNMENT still lists the grades, with the override marked', async () => {
    const listed = await gradebox(['grades', 'cs101', 'hw1']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^sam +not-submitted \(override\) +7\/15/m);
    const json = jsonOutput<{ grades: AssignmentGrade[] }>(await gradebox(['grades', 'cs101', 'hw1', '--json']));
    expect(json.grades.map((g) => [g.login, g.parts[0]!.earned])).toEqual([['sam', 7], ['sue', null]]);
  });

  it('grades log shows who changed what, when and why', async () => {
    const shown = await gradebox(['grades', 'log', 'cs101', 'hw1', '--student', 'sam']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/hw1 +sam +p1 +— +7 +override +admin +partial credit/);
    const all = jsonOutput<{ entries: LoggedGradeChange[] }>(await gradebox(['grades', 'log', 'cs101', '--json']));
    expect(all.entries.map((e) => [e.login, e.cause, e.partId, e.newValue])).toEqual([
      ['sam', 'override', 'p1', 7],
      ['sue', 'override', null, 110],
      ['sue', 'override-removed', null, null],
    ]);
  });

  it('grades export writes CSV (guarded) or JSON on stdout', async () => {
    const csv = await gradebox(['grades', 'export', 'cs101']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\r\n')).toEqual([
      'login,name,assignment,status,hw1/p1,hw1/p2,points,possible,raw,late_factor,late_rule,final,override,completed_at,released',
      "sam,'@SUM(1+1),hw1,not-submitted,7,,7,15,,,,,yes,,yes",
      'sue,sue,hw1,not-submitted,,,,15,,,,,no,,yes',
      '',
    ]);
    const json = jsonOutput<{ rows: Array<{ login: string; overridden: boolean }> }>(await gradebox(['grades', 'export', 'cs101', 'hw1', '--json']));
    expect(json.rows.map((r) => [r.login, r.overridden])).toEqual([['sam', true], ['sue', false]]);
    const missing = await gradebox(['grades', 'export', 'cs101', 'hw9']);
    expect(missing.code).toBe(1);
  });
});
