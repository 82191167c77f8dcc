/**
 * `autograde: script` end to end: a real `gradebox serve` with a worker, the real CLI over dist/
 * (build first), Codio-style part graders and an assignment-level script (the codio-unit fixture,
 * which echoes the CODIO_AUTOGRADE_ENV it saw into its feedback). apply's warning without an
 * autograde grader, `upload --autograde` and its usage errors, a completed student's grade from the
 * script, a student without a submission, a re-completion running a script that reports 150, and
 * Codio's documented example script (late factor, send_grade) as the autograde script.
 * The steps build on each other, so they run in order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentGrade } from '../../src/platform/model.ts';
import { testDocker } from '../support/docker-test.ts';
import { assertBuildIsFresh, cliEnv, jsonOutput, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

const SLOW = 600_000;
const COURSE_FILE = `
course: { id: unitc, title: Codio units }
members:
  - { login: sam, role: student }
  - { login: sue, role: student }
assignments:
  - id: unit1
    title: Unit 1
    deadline: 2030-01-01T00:00:00Z
    trigger: completion
    autograde: script
    parts: [{ id: p1, points: 10 }, { id: p2, points: 5 }]
`;

const daemon = await testDocker();
// One backend is enough here: script-graders.integration.test.ts runs the protocol on each.
const backend = 'docker' in daemon ? 'docker' : process.getuid?.() === 0 ? 'oci' : undefined;

let work: string;
let server: ServedCli | undefined;
let url: string;
let admin: string;
const tokens: Record<string, string> = {};

function gradebox(args: string[], token = admin): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({ XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1', GRADEBOX_SERVER: url, GRADEBOX_TOKEN: token }),
    timeoutMs: SLOW - 30_000,
  });
}

/** The student's grade once it is no longer pending (the worker runs the parts, then the script). */
async function settledGrade(login: string): Promise<AssignmentGrade> {
  for (;;) {
    const { grades } = jsonOutput<{ grades: AssignmentGrade[] }>(await gradebox(['grades', 'unitc', 'unit1', '--student', login, '--json']));
    const [grade] = grades;
    if (grade !== undefined && grade.status !== 'pending') return grade;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

if (backend === undefined) describe.skip('autograde: script end to end: needs Docker or root for the oci backend', () => it('runs', () => undefined));
else {
  beforeAll(async () => {
    assertBuildIsFresh();
    work = await mkdtemp(join(tmpdir(), 'gradebox-autograde-script-'));
    const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '1', '--backend', backend], {
      env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
      timeoutMs: 60 * 60_000,
    });
    server = served;
    url = served.url;
    admin = served.adminToken ?? '';
    await writeFile(join(work, 'course.yaml'), COURSE_FILE);
    await writeFile(join(work, 'answer.txt'), '42\n');
  }, SLOW);

  afterAll(async () => {
    await server?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  describe(`autograde: script on ${backend}`, () => {
    it('apply takes autograde: script and warns that no autograde grader is published', { timeout: SLOW }, async () => {
      const applied = await gradebox(['apply', join(work, 'course.yaml')]);
      expect(applied.code, applied.stderr).toBe(0);
      expect((await gradebox(['assignments', 'unitc'])).stdout).toContain('  autograde: script  no published autograde grader (gradebox upload … --autograde)\n');
      expect(applied.stderr).toContain("warning: unitc/unit1: autograde: script needs the assignment's autograde grader, and none is published yet: upload one (gradebox upload IMAGE unitc unit1 --autograde --script PATH)");
      for (const login of ['sam', 'sue']) {
        const issued = await gradebox(['tokens', 'issue', login, '--scopes', 'read,submit']);
        expect(issued.code, issued.stderr).toBe(0);
        tokens[login] = issued.stdout.trim();
      }
    });

    it.each([
      [['p1', '--autograde', '--script', '/grader/assignment.py'], '--autograde makes the assignment\'s own grader, which grades no part: leave out PART'],
      [['--autograde'], '--autograde needs a script grader: give --script PATH'],
      [['--autograde', '--protocol', 'gradescope'], '--autograde needs a script grader'],
      [['--autograde', '--script', 'x.py', '--additional-part', 'unit1', 'p2'], 'it does not go with --additional-part'],
      [[], 'missing PART: name the part the grader grades, or give --autograde'],
    ])('upload usage errors: %j (exit 2, nothing sent)', { timeout: SLOW }, async (args, message) => {
      const cli = await gradebox(['upload', testImage('codio-unit'), 'unitc', 'unit1', ...args]);
      expect(cli.code, cli.stdout + cli.stderr).toBe(2);
      expect(cli.stderr).toContain(message);
    });

    it('upload --autograde to an assignment that does not exist: refused before the image is sent', { timeout: SLOW }, async () => {
      const cli = await gradebox(['upload', testImage('codio-unit'), 'unitc', 'nope', '--autograde', '--script', '/grader/assignment.py']);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('no assignment unitc/nope');
    });

    it('upload --autograde and publish with the parts\' graders', { timeout: SLOW }, async () => {
      for (const [part, points] of [['p1', '5'], ['p2', '5']] as const) {
        const uploaded = await gradebox(['upload', testImage('codio-scripts'), 'unitc', 'unit1', part, '--script', '/grader/partial.sh', '--script-arg', points]);
        expect(uploaded.code, uploaded.stderr).toBe(0);
      }
      const autograde = await gradebox(['upload', testImage('codio-unit'), 'unitc', 'unit1', '--autograde', '--script', '/grader/assignment.py', '--json']);
      expect(autograde.code, autograde.stderr).toBe(0);
      expect(JSON.parse(autograde.stdout)).toMatchObject({ drafts: [], autograde: { number: 1, status: 'draft', protocol: 'script', script: { path: '/grader/assignment.py', args: [] }, timeoutSeconds: 180 } });
      const published = await gradebox(['publish', 'unitc', 'unit1']);
      expect(published.code, published.stderr).toBe(0);
      expect(published.stdout).toContain('unit1  p1 v1, p2 v1, autograde v1');
      const listed = await gradebox(['assignments', 'unitc']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain('  autograde: script  published v1\n');
    });

    it("a completed student gets the script's grade; the script saw the parts' results", { timeout: SLOW }, async () => {
      const submitted = await gradebox(['submit', 'unitc', 'unit1', join(work, 'answer.txt'), '--wait', '--timeout', '500'], tokens.sam);
      expect(submitted.code, submitted.stderr).toBe(0);
      const done = await gradebox(['complete', 'unitc', 'unit1'], tokens.sam);
      expect(done.code, done.stderr).toBe(0);
      const grade = await settledGrade('sam');
      expect(grade, JSON.stringify(grade)).toMatchObject({ status: 'graded', method: 'script', rawGrade: 67, finalGrade: 67, pointsEarned: 10, pointsPossible: 15 });
      const seen = JSON.parse((grade.detail ?? '').replace(/^saw /, '')) as Record<string, unknown>;
      expect(seen).toEqual({
        stats: { total: 2, answered: 2, correct: 1, totalPoints: 15, points: 10 },
        info: [
          { name: 'p1', points: 10, answer: { correct: false, points: 5 } },
          { name: 'p2', points: 5, answer: { correct: true, points: 5 } },
        ],
        completedDate: grade.completion?.completedAt,
        student: 'sam',
        assignment: 'unit1',
        answer: '42',
      });
      const shown = await gradebox(['grades', 'unitc', 'unit1'], tokens.sam);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('unitc/unit1 for sam: graded\n');
      expect(shown.stdout).toContain('final grade 67');
    });

    it("test-autograde runs the script on a sample with simulated part results; sam's grade stays", { timeout: SLOW }, async () => {
      const answer = join(work, 'answer.txt');
      const noDraft = await gradebox(['test-autograde', 'unitc', 'unit1', answer]);
      expect(noDraft.code).toBe(1);
      expect(noDraft.stderr).toContain('unitc/unit1 has no autograde draft');
      const run = await gradebox(['test-autograde', 'unitc', 'unit1', '--version', 'v1', '--part-result', 'p1=3', '--part-result', 'p2=ungraded', answer]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('unitc/unit1 autograde: grader v1 (published) agv_');
      expect(run.stdout).toContain('Simulated part results: p1 3/10, p2 ungraded\n');
      expect(run.stdout).toContain('grade 20 (of 100, as the script reported it)');
      expect(run.stdout).toContain('Grader stdout');
      expect(run.stdout).toContain('stats: {"total": 2, "answered": 1, "correct": 0, "totalPoints": 15, "points": 3}');
      const json = await gradebox(['test-autograde', 'unitc', 'unit1', '--version', '1', '--part-result', 'p1=50%', answer, '--json']);
      expect(json.code, json.stderr).toBe(0);
      const report = jsonOutput<{ samples: { sample: string; test: { grade: number; parts: unknown[]; result: { output: { stdout: { text: string } } } } }[] }>(json);
      expect(report.samples[0]?.test).toMatchObject({ grade: 67, parts: [{ part: 'p1', points: 10, earned: 5 }, { part: 'p2', points: 5, earned: 5 }] });
      expect(await settledGrade('sam')).toMatchObject({ status: 'graded', rawGrade: 67 });
      expect((await gradebox(['grades', 'unitc', 'unit1', '--json'])).stdout).not.toContain('"admin"');
    });

    it.each([
      [['--part-result', 'p1', 'x'], 2, 'expected PART=POINTS, PART=N% or PART=ungraded'],
      [['--part-result', 'p1=lots', 'x'], 2, '"lots" is not points (3, 2.5), a percentage (50%) or ungraded'],
      [['--part-result', 'p1=1', '--part-result', 'p1=2', 'x'], 2, 'part "p1" is given twice'],
      [['--version', 'v1', '--part-result', 'p9=1', 'ANSWER'], 1, "no part 'p9'"],
      [['--version', 'v1', '--part-result', 'p2=6', 'ANSWER'], 1, '6 points is outside 0–5'],
      [['--version', 'v7', 'ANSWER'], 1, 'has no autograde grader version "v7"'],
    ])('test-autograde %j: exit %i', { timeout: SLOW }, async (args, code, message) => {
      const cli = await gradebox(['test-autograde', 'unitc', 'unit1', ...args.map((a) => (a === 'ANSWER' ? join(work, 'answer.txt') : a))]);
      expect(cli.code, cli.stdout + cli.stderr).toBe(code);
      expect(cli.stderr).toContain(message);
    });

    it('test-autograde as a student: refused', { timeout: SLOW }, async () => {
      const cli = await gradebox(['test-autograde', 'unitc', 'unit1', '--version', 'v1', join(work, 'answer.txt')], tokens.sam);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/lacks the 'author' scope|only instructors and TAs/);
    });

    it('a student without a submission: 0, and no script run', { timeout: SLOW }, async () => {
      const done = await gradebox(['complete', 'unitc', 'unit1', '--student', 'sue']);
      expect(done.code, done.stderr).toBe(0);
      expect(await settledGrade('sue')).toMatchObject({ status: 'no-submission', rawGrade: 0, method: 'script' });
    });

    it('completing again runs the (new) script again: a grade of 150 is an error with its message', { timeout: SLOW }, async () => {
      const over = await gradebox(['upload', testImage('codio-unit'), 'unitc', 'unit1', '--autograde', '--script', '/grader/assignment.py', '--script-arg', 'over']);
      expect(over.code, over.stderr).toBe(0);
      expect(over.stdout).toMatch(/autograde draft v2 for unit1: agv_/);
      expect((await gradebox(['publish', 'unitc', 'unit1'])).code).toBe(0);
      // The grade already given stays: the new script grades work completed from now on.
      expect(await settledGrade('sam')).toMatchObject({ status: 'graded', rawGrade: 67 });
      expect((await gradebox(['uncomplete', 'unitc', 'unit1', '--student', 'sam'])).code).toBe(0);
      expect((await gradebox(['complete', 'unitc', 'unit1', '--student', 'sam'])).code).toBe(0);
      const grade = await settledGrade('sam');
      expect(grade).toMatchObject({ status: 'error', rawGrade: null, finalGrade: null });
      expect(grade.detail).toMatch(/^autograde script: grader-error: report 1 \(\w+ \$CODIO_AUTOGRADE_V2_URL\): grade must be a number from 0 to 100 \(a percentage\), but it is 150$/);
    });

    it("Codio's documented example runs unchanged as the autograde script: its late factor from the completion date", { timeout: SLOW }, async () => {
      // A deadline a day and a half before the completion: one day late, ×0.8 (Codio's example).
      const deadline = new Date(Date.now() - 36 * 3600_000).toISOString().slice(0, 16);
      const example = await gradebox(['upload', testImage('codio-scripts'), 'unitc', 'unit1', '--autograde', '--script', '.guides/secure/grade.py', '--script-arg', deadline]);
      expect(example.code, example.stderr).toBe(0);
      expect((await gradebox(['publish', 'unitc', 'unit1'])).code).toBe(0);
      expect((await gradebox(['uncomplete', 'unitc', 'unit1', '--student', 'sam'])).code).toBe(0);
      expect((await gradebox(['complete', 'unitc', 'unit1', '--student', 'sam'])).code).toBe(0);
      expect(await settledGrade('sam')).toMatchObject({ status: 'graded', method: 'script', rawGrade: 80, detail: null });
    });
  });
}
