/**
 * Golden submissions end to end: the real `gradebox serve` (embedded SQLite, one worker, the real
 * sandbox) and the `gradebox golden` and `publish` commands as child processes over dist/ (build
 * first). Part hello: v1 check-good (10/10 for check-hello, 0 for an empty main.sh), v2
 * coursera-sh (0 for both: no answer.txt), v3 check-good again. The tests run in order.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoldenSubmission, Submission } from '../../src/platform/model.ts';
import type { PublishOutcome } from '../../src/platform/platform.ts';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

const HELLO = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'check-hello');
const SLOW = 300_000;
const COURSE = `course:
  id: golden
  title: Goldens
members:
  - login: tina
    role: ta
  - login: stu
    role: student
assignments:
  - id: hw1
    title: Hello
    parts:
      - id: hello
        points: 10
  - id: hw2
    title: Not published yet
    parts:
      - id: hello
        points: 10
`;

let work: string;
let server: ServedCli | undefined;
let url: string;
let adminToken: string;
let studentToken: string;
let studentSubmission: string;
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

function gradebox(args: string[], token = adminToken): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({ XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1', GRADEBOX_SERVER: url, GRADEBOX_TOKEN: token, TMPDIR: join(work, 'tmp') }),
    timeoutMs: SLOW,
  });
}

async function api<T>(method: string, path: string, body?: unknown, token = adminToken): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-golden-'));
  await mkdir(join(work, 'tmp'));
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '1'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 30 * 60_000,
  });
  server = served;
  url = served.url;
  adminToken = served.adminToken ?? '';
  await writeFile(join(work, 'course.yaml'), COURSE);
  await mkdir(join(work, 'samples', 'empty'), { recursive: true });
  await writeFile(join(work, 'samples', 'empty', 'main.sh'), '');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

asRoot('golden submissions against a running server', () => {
  it('pins a student submission and a sample; students may not', async () => {
    expect((await gradebox(['apply', join(work, 'course.yaml')])).code).toBe(0);
    expect((await gradebox(['upload', testImage('check-good'), 'golden', 'hw1', 'hello', '--grading-timeout', '120'])).code).toBe(0);
    const first = await gradebox(['publish', 'golden', 'hw1']);
    expect([first.code, first.stdout]).toEqual([0, 'published  hw1  hello v1\n']);

    const issued = await api<{ token: string }>('POST', '/api/users/stu/tokens', { name: 't', scopes: ['read', 'submit', 'author'] });
    studentToken = issued.body.token;
    const submitted = await gradebox(['submit', 'golden', 'hw1', HELLO, '--wait', '--json'], studentToken);
    expect(submitted.code).toBe(0);
    studentSubmission = (JSON.parse(submitted.stdout) as Submission).id;

    const pinned = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', studentSubmission, '--label', 'stu hello']);
    expect(pinned.stdout).toBe(`pinned ${pinned.stdout.split(' ')[1]} (stu hello) on golden/hw1: expects hello 10 points\n`);
    expect(pinned.code).toBe(0);
    const sample = await gradebox(['golden', 'pin', 'golden', 'hw1', join(work, 'samples', 'empty'), '--label', 'empty', '--expect', 'hello=0', '--json']);
    expect(sample.code).toBe(0);
    expect(JSON.parse(sample.stdout)).toMatchObject({ label: 'empty', source: { kind: 'author-test', login: 'admin' }, expected: [{ partId: 'hello', status: 'graded', points: 0 }] });

    const student = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', studentSubmission], studentToken);
    expect([student.code, student.stderr]).toEqual([1, expect.stringContaining('only instructors and TAs of golden may pin golden submissions')]);
    expect((await gradebox(['golden', 'list', 'golden', 'hw1'], studentToken)).code).toBe(1);
  }, SLOW);

  it('before the first publish, a sample is graded by the draft', async () => {
    expect((await gradebox(['upload', testImage('check-good'), 'golden', 'hw2', 'hello', '--grading-timeout', '120'])).code).toBe(0);
    const sample = await gradebox(['golden', 'pin', 'golden', 'hw2', HELLO, '--label', 'hello']);
    expect(sample.stderr).toBe('note: no published grader yet: the sample is graded by the newest drafts\n');
    expect(sample.stdout).toMatch(/^pinned gold_\S+ \(hello\) on golden\/hw2: expects hello 10 points\n$/);
    expect(sample.code).toBe(0);
    const published = await gradebox(['publish', 'golden', 'hw2']);
    expect([published.code, published.stdout]).toEqual([0, 'published  hw2  hello v1\n1 golden submission unchanged\n']);
  }, SLOW);

  it('refuses bad input with clear errors', async () => {
    const twice = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', studentSubmission]);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringContaining('is already golden')]);
    const range = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', studentSubmission, '--expect', 'hello=11']);
    expect([range.code, range.stderr]).toEqual([1, expect.stringContaining('expect.hello: must be a number of points from 0 to 10 (got 11)')]);
    const part = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', studentSubmission, '--expect', 'nope=1']);
    expect([part.code, part.stderr]).toEqual([1, expect.stringContaining("no part 'nope'")]);
    const words = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', studentSubmission, '--expect', 'hello=ten']);
    expect([words.code, words.stderr]).toEqual([2, expect.stringContaining('--expect hello=ten: expected PART=POINTS')]);
    const both = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', studentSubmission, HELLO]);
    expect(both.code).toBe(2);
    const unknown = await gradebox(['golden', 'pin', 'golden', 'hw1', '--submission', 'sub_nope']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('no submission sub_nope in golden')]);
    // Over HTTP, a non-numeric expectation is refused by the schema.
    const http = await api<{ error: { code: string } }>('POST', '/api/courses/golden/assignments/hw1/goldens', { submissionId: studentSubmission, expect: { hello: 'ten' } });
    expect([http.status, http.body.error.code]).toEqual([400, 'invalid-input']);
  }, SLOW);

  it('publish grades the goldens with the draft and refuses a changed result, listing it', async () => {
    expect((await gradebox(['upload', testImage('coursera-sh'), 'golden', 'hw1', 'hello', '--grading-timeout', '120'])).code).toBe(0);
    const list = await gradebox(['golden', 'list', 'golden', 'hw1']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/stu hello +stu +hello +10 points +v2 +not-run +—/);

    // The API alone: not graded by the draft yet → 409 with what to run.
    const direct = await api<{ error: { code: string; message: string } }>('POST', '/api/courses/golden/assignments/hw1/publish');
    expect([direct.status, direct.body.error.code]).toEqual([409, 'goldens-not-graded']);
    expect(direct.body.error.message).toContain('gradebox golden run golden hw1');

    // A TA may not publish: refused at once, without grading a golden.
    const taToken = (await api<{ token: string }>('POST', '/api/users/tina/tokens', { name: 't', scopes: ['read', 'submit', 'author'] })).body.token;
    const ta = await gradebox(['publish', 'golden', 'hw1'], taToken);
    expect([ta.code, ta.stdout]).toEqual([1, expect.stringContaining('failed  hw1')]);
    expect(ta.stdout).toMatch(/instructor/);
    expect((await gradebox(['golden', 'list', 'golden', 'hw1'])).stdout).toMatch(/stu hello +stu +hello +10 points +v2 +not-run +—/);

    const refused = await gradebox(['publish', 'golden', 'hw1']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('failed  hw1  publishing would change 1 golden result of golden/hw1: stu hello hello: expected 10 points, got 0 points with v2');
    expect(refused.stderr).toMatch(/golden results that would change:\nGOLDEN +PART +EXPECTED +GOT +TESTS CHANGED\nstu hello +hello v2 +10 points +0 points +—\n/);

    // The student's own submission was never graded again.
    const mine = await api<Submission>('GET', `/api/submissions/${studentSubmission}`, undefined, studentToken);
    expect(mine.body.parts.map((p) => p.result?.points)).toEqual([10]);
    const staffView = await api<Submission>('GET', `/api/submissions/${studentSubmission}`);
    const listed = JSON.parse((await gradebox(['golden', 'list', 'golden', 'hw1', '--json'])).stdout) as { goldens: GoldenSubmission[] };
    const draftCheck = listed.goldens[0]!.drafts[0]!;
    expect(draftCheck).toMatchObject({ state: 'changed', graderNumber: 2 });
    expect(staffView.body.parts[0]!.job!.graderVersionId).not.toBe(draftCheck.graderVersionId);
    // The copy the draft graded is an author test of the staff member who ran it, with the student's files.
    const copy = await api<Submission>('GET', `/api/submissions/${draftCheck.runSubmissionId!}`);
    expect(copy.body).toMatchObject({ kind: 'author-test', login: 'admin', digest: staffView.body.digest });
    const studentList = await api<{ submissions: Submission[] }>('GET', '/api/courses/golden/assignments/hw1/submissions', undefined, studentToken);
    expect(studentList.body.submissions.map((s) => s.id)).toEqual([studentSubmission]);
  }, SLOW);

  it('--accept-changes publishes and takes the new results as expectations', async () => {
    const accepted = await gradebox(['publish', 'golden', 'hw1', '--accept-changes', '--json']);
    expect(accepted.code).toBe(0);
    const [result] = (JSON.parse(accepted.stdout) as { results: Array<{ published: PublishOutcome['published']; goldens: PublishOutcome['goldens'] }> }).results;
    expect(result!.published.map((v) => v.number)).toEqual([2]);
    expect(result!.goldens!.accepted.map((c) => [c.label, c.expected, c.got])).toEqual([['stu hello', { status: 'graded', points: 10 }, { status: 'graded', points: 0 }]]);
    const goldens = (JSON.parse((await gradebox(['golden', 'list', 'golden', 'hw1', '--json'])).stdout) as { goldens: GoldenSubmission[] }).goldens;
    expect(goldens.map((g) => [g.label, g.expected[0]!.points, g.expected[0]!.how, g.expected[0]!.setBy])).toEqual([
      ['stu hello', 0, 'accepted', 'admin'],
      ['empty', 0, 'pinned', 'admin'],
    ]);
  }, SLOW);

  it('golden run reports a change; unpinned, unchanged goldens let publish through', async () => {
    expect((await gradebox(['upload', testImage('check-good'), 'golden', 'hw1', 'hello', '--grading-timeout', '120'])).code).toBe(0);
    const run = await gradebox(['golden', 'run', 'golden', 'hw1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/stu hello +stu +hello +0 points \(accepted .* by admin\) +v3 +changed +10 points/);
    expect(run.stdout).toMatch(/empty +sample +hello +0 points +v3 +matches +0 points/);

    const goldens = (JSON.parse((await gradebox(['golden', 'list', 'golden', 'hw1', '--json'])).stdout) as { goldens: GoldenSubmission[] }).goldens;
    const unpinned = await gradebox(['golden', 'unpin', 'golden', 'hw1', goldens[0]!.id]);
    expect([unpinned.code, unpinned.stdout]).toEqual([0, `unpinned ${goldens[0]!.id} (stu hello) from golden/hw1\n`]);
    const published = await gradebox(['publish', 'golden', 'hw1']);
    expect([published.code, published.stdout]).toEqual([0, 'published  hw1  hello v3\n1 golden submission unchanged\n']);
    const gone = await gradebox(['golden', 'unpin', 'golden', 'hw1', goldens[0]!.id]);
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringContaining(`no golden ${goldens[0]!.id}`)]);
  }, SLOW);
});
