/**
 * `gradebox test-grader` and `gradebox check-grader --remote` against a real `gradebox serve`
 * (embedded SQLite, one worker, the real sandbox) on a free port, each a child process over dist/
 * (build first). Author test runs pinned to a grader version (form field `graderVersion`): the
 * check-good grader is v1 of part hello, the check-fragile one v2 (the newest draft). The tests
 * run in order: one course, drafts uploaded once.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseReport } from '../../src/grader-check/check-report.ts';
import type { GraderVersion, PartResult, Submission } from '../../src/platform/model.ts';
import { ociHomeScopes, snapshotLeftovers } from '../support/leftovers.ts';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

const HELLO = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'check-hello');
const SLOW = 300_000;
const COURSE = `course:
  id: checks
  title: Grader checks
members:
  - login: tina
    role: ta
  - login: stu
    role: student
assignments:
  - id: hw1
    title: Hello
    maxSubmissions: 1
    parts:
      - id: hello
        points: 10
      - id: other
        points: 5
`;

let work: string;
let server: ServedCli | undefined;
let url: string;
let adminToken: string;
let versions: GraderVersion[] = [];
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

function gradebox(args: string[], token = adminToken, timeoutMs = SLOW): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({ XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1', GRADEBOX_SERVER: url, GRADEBOX_TOKEN: token, TMPDIR: join(work, 'tmp') }),
    timeoutMs,
  });
}

async function api(method: string, path: string, body?: unknown, token = adminToken): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
    ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
  });
}

interface TestGraderJson {
  course: string;
  part: string;
  version: GraderVersion;
  chosenBy: string;
  samples: Array<{ sample: string; submissionId: string | null; result: PartResult | null; refused: unknown }>;
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-grader-tests-'));
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
  if (work !== undefined) {
    // The server's runs left nothing behind once it stopped.
    expect((await Promise.all(ociHomeScopes(join(work, 'server-home')).map(snapshotLeftovers))).flat()).toEqual([]);
    await rm(work, { recursive: true, force: true });
  }
});

asRoot('test-grader and check-grader --remote against a running server', () => {
  it('a part without a draft is refused before anything is sent (exit 1)', async () => {
    expect((await gradebox(['apply', join(work, 'course.yaml')])).code).toBe(0);
    const result = await gradebox(['test-grader', 'checks', 'hw1', 'hello', HELLO]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: part hello has no draft grader version (upload one with `gradebox upload`); its versions: none\n');
    const check = await gradebox(['check-grader', '--remote', 'checks', 'hw1', 'hello']);
    expect(check.code).toBe(1);
    expect(check.stderr).toBe(result.stderr);
  });

  it('test-grader grades each sample with the newest draft and shows the whole result; a sample not graded exits 1', async () => {
    for (const image of ['check-good', 'check-fragile']) expect((await gradebox(['upload', testImage(image), 'checks', 'hw1', 'hello', '--grading-timeout', '120'])).code).toBe(0);
    versions = (await (await api('GET', '/api/courses/checks/assignments/hw1/parts/hello/graders')).json() as { versions: GraderVersion[] }).versions;
    expect(versions.map((v) => [v.number, v.status])).toEqual([[2, 'draft'], [1, 'draft']]);

    const result = await gradebox(['test-grader', 'checks', 'hw1', 'hello', HELLO, join(work, 'samples', 'empty')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^checks/hw1/hello: grader v2 \\(draft\\) ${versions[0]!.id}, chosen as newest draft; 1 CPU, 1024 MiB, 120 s, protocol detected\n`));
    expect(result.stdout).toContain(`── sample ${HELLO} (sub_`);
    expect(result.stdout).toContain('graded  score 100%\n\nFeedback (text):\n  Correct: your program printed hello.\n');
    expect(result.stdout).toContain('grader-error  score —');
    expect(result.stdout).toContain('Problems with the grader or its output:\n  - /shared/feedback.json was not written, and stdout is empty');
    expect(result.stdout).toContain('Grader stderr (debug log, not shown to students):');
    expect(result.stdout).toMatch(/Summary:\nSAMPLE +SUBMISSION +STATUS +SCORE +POINTS\n.*check-hello +sub_\S+ +graded +100% +10\/10\n.*empty +sub_\S+ +grader-error +— +—\n$/);
    expect(result.stderr).toBe(`error: not graded: ${join(work, 'samples', 'empty')} (grader-error)\n`);
  }, SLOW);

  it('--version picks an older version (exit 0 when every sample is graded); --json has each result; samples are author tests', async () => {
    const result = await gradebox(['test-grader', 'checks', 'hw1', 'hello', '--version', 'v1', join(work, 'samples', 'empty'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const tested = JSON.parse(result.stdout) as TestGraderJson;
    expect(tested).toMatchObject({ course: 'checks', part: 'hello', chosenBy: 'version option', version: { id: versions[1]!.id, number: 1 } });
    expect(tested.samples).toEqual([expect.objectContaining({ sample: join(work, 'samples', 'empty'), refused: null })]);
    expect(tested.samples[0]!.result).toMatchObject({ status: 'graded', score: 0, feedback: { text: 'Your main.sh is empty.' } });
    const submission = await (await api('GET', `/api/submissions/${tested.samples[0]!.submissionId}`)).json() as Submission;
    expect(submission.kind).toBe('author-test');
    expect(submission.parts.map((p) => [p.partId, p.job?.graderVersionId, p.job?.priority])).toEqual([['hello', versions[1]!.id, 'author-test']]);
  }, SLOW);

  it('bad input: an unknown version or part (exit 1), a missing sample (exit 2, nothing sent), a student (exit 1)', async () => {
    const version = await gradebox(['test-grader', 'checks', 'hw1', 'hello', '--version', 'v9', HELLO]);
    expect(version.code).toBe(1);
    expect(version.stderr).toBe(`error: part hello has no grader version "v9"; its versions: v2 draft (${versions[0]!.id}), v1 draft (${versions[1]!.id})\n`);
    const part = await gradebox(['test-grader', 'checks', 'hw1', 'nope', HELLO]);
    expect(part.code).toBe(1);
    expect(part.stderr).toMatch(/\(HTTP 404 not-found\)/);
    const sample = await gradebox(['test-grader', 'checks', 'hw1', 'hello', join(work, 'no-such-sample')]);
    expect(sample.code).toBe(2);
    expect(sample.stderr).toBe(`error: ${join(work, 'no-such-sample')}: no such file or folder\n(see --help)\n`);
    const both = await gradebox(['test-grader', 'checks', 'hw1', 'hello', '--version', '1', '--draft', HELLO]);
    expect(both.code).toBe(2);

    const issued = await (await api('POST', '/api/users/stu/tokens', { name: 'test', scopes: ['read', 'submit', 'author'] })).json() as { token: string };
    const student = await gradebox(['test-grader', 'checks', 'hw1', 'hello', HELLO], issued.token);
    expect(student.code).toBe(1);
    expect(student.stderr).toMatch(/\(HTTP 403 forbidden\)/);
  });

  it('the API: graderVersion is for author tests of one part, and names one of that part\'s versions', async () => {
    const form = (fields: Record<string, string | string[]>): FormData => {
      const body = new FormData();
      for (const [key, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(key, one);
      body.append('file', new Blob(['echo hello\n']), 'main.sh');
      return body;
    };
    const submit = async (fields: Record<string, string | string[]>) => {
      const response = await api('POST', '/api/courses/checks/assignments/hw1/submissions', form(fields));
      return { status: response.status, error: ((await response.json()) as { error?: { code: string; message: string } }).error };
    };
    const id = versions[1]!.id;
    expect(await submit({ part: 'hello', graderVersion: id })).toMatchObject({ status: 400, error: { message: 'graderVersion is for author tests only (kind author-test)' } });
    expect(await submit({ kind: 'author-test', part: ['hello', 'other'], graderVersion: id })).toMatchObject({ status: 400, error: { message: "graderVersion names one part's grader version: give exactly one part with it" } });
    expect(await submit({ kind: 'author-test', part: 'other', graderVersion: id })).toMatchObject({ status: 404, error: { message: `part hw1/other has no grader version ${id}` } });
    expect(await submit({ kind: 'author-test', part: 'hello', graderVersion: 'gv_nope' })).toMatchObject({ status: 404 });
  });

  it('check-grader --remote on the newest draft (the fragile one): exactly its faults are bad; no-files is skipped (exit 1)', async () => {
    const result = await gradebox(['check-grader', '--remote', 'checks', 'hw1', 'hello', '--sample', HELLO, '--json']);
    expect(result.code).toBe(1);
    const check = JSON.parse(result.stdout) as { version: GraderVersion; chosenBy: string; cases: CaseReport[]; summary: unknown };
    expect(check).toMatchObject({ version: { number: 2 }, chosenBy: 'newest draft', summary: { good: 9, bad: 2, skipped: 1, allHandled: false } });
    expect(check.cases.filter((c) => c.verdict !== 'good').map((c) => [c.id, c.verdict])).toEqual([['no-files', 'skipped'], ['empty-files', 'bad'], ['binary-garbage', 'bad']]);
    expect(check.cases.filter((c) => c.verdict !== 'skipped').every((c) => /^sub_/.test(c.submissionId ?? ''))).toBe(true);
    expect(result.stderr).toBe('error: the grader mishandled 2 cases: empty-files, binary-garbage\n');
    // The cases' folders are gone.
    expect(await readdir(join(work, 'tmp'))).toEqual([]);
  }, SLOW);

  it('check-grader --remote --version v1 (the well-behaved one): every case handled (exit 0), the human report', async () => {
    const result = await gradebox(['check-grader', '--remote', 'checks', 'hw1', 'hello', '--version', 'v1', '--sample', HELLO]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^checks\/hw1\/hello: grader v1 \(draft\) \S+, chosen as version option; /);
    expect(result.stdout).toContain('- skipped no-files\n    - the server refuses a submission without files, so no grader ever sees one\n');
    expect(result.stdout).toMatch(/✓ good +odd-names +graded 100%: Correct: your program printed hello\. \[sub_\S+\]\n/);
    expect(result.stdout).toMatch(/\n12 cases: 11 good, 0 bad, 1 skipped: the grader handled every case\n$/);
  }, SLOW);

  it('once published there is no draft to test by default; a superseded version is still tested with --version', async () => {
    expect((await gradebox(['publish', 'checks', 'hw1'])).code).toBe(0);
    const draft = await gradebox(['test-grader', 'checks', 'hw1', 'hello', HELLO]);
    expect(draft.code).toBe(1);
    expect(draft.stderr).toMatch(/^error: part hello has no draft grader version/);
    const old = await gradebox(['test-grader', 'checks', 'hw1', 'hello', '--version', versions[1]!.id, HELLO, '--json']);
    expect(old.code, old.stderr).toBe(0);
    expect((JSON.parse(old.stdout) as TestGraderJson).version).toMatchObject({ id: versions[1]!.id });
  }, SLOW);
});
