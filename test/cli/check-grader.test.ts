/**
 * `gradebox check-grader IMAGE` end to end: the real command (bin/gradebox.js over dist/, so build
 * first) with real grader images in real runc/crun sandboxes (and Docker for a few cases), no mocks.
 *
 * - check-good (test/fixtures/graders/) runs the student's main.sh under limits of its own and
 *   reports in plain words: every case is good.
 * - check-fragile is check-good with two faults: it exits without a result on an empty main.sh and
 *   shows a traceback of its own helper on NUL bytes: exactly empty-files and binary-garbage are bad.
 * - run-submission runs main.sh with no limits of its own and scores its exit code: the naive
 *   grader every case is written against.
 *
 * Nothing may be left behind: processes, mounts, cgroups, runtime state, containers, case files.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CaseReport, CheckSummary } from '../../src/grader-check/check-report.ts';
import { HOSTILE_CASE_IDS } from '../../src/grader-check/hostile-cases.ts';
import { makeCliHome, type CliHome } from '../support/cli-home.ts';
import { testDocker } from '../support/docker-test.ts';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';

const HELLO = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'check-hello');
const CHECK_MS = 600_000;

const daemon = await testDocker();
const docker: Docker | undefined = 'docker' in daemon ? daemon.docker : undefined;

let work: string;
let home: string;
let leftovers: CliHome['leftovers'];

function gradebox(args: string[], timeoutMs = CHECK_MS): Promise<CliResult> {
  // TMPDIR of the test's own: the check's case folders must be gone afterwards.
  return runCli(args, { env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', TMPDIR: join(work, 'tmp') }), timeoutMs });
}

interface CheckJson {
  image: { id: string; source: string };
  sample: string | null;
  cases: CaseReport[];
  summary: CheckSummary;
}

const verdicts = (check: CheckJson): Record<string, string> => Object.fromEntries(check.cases.map((c) => [c.id, c.verdict]));
const bad = (check: CheckJson): string[] => check.cases.filter((c) => c.verdict === 'bad').map((c) => c.id);

beforeAll(async () => {
  assertBuildIsFresh();
  ({ work, home, leftovers } = await makeCliHome('gradebox-check-grader-', docker));
  await mkdir(join(work, 'tmp'));
});
afterEach(async () => {
  expect(await leftovers()).toEqual([]);
  expect(await readdir(join(work, 'tmp'))).toEqual([]);
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('check-grader on the oci backend', () => {
  it('a well-behaved grader handles every case (exit 0); the human report has a line per case and a summary', async () => {
    const result = await gradebox(['check-grader', testImage('check-good'), '--sample', HELLO, '--backend', 'oci']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    for (const id of HOSTILE_CASE_IDS) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✓ good +${id} +graded (0|100)%: `)));
    expect(result.stdout).toContain('✓ good    infinite-loop   graded 0%: Your program ran for more than 5 seconds and was stopped.\n');
    expect(result.stdout).toContain('✓ good    odd-names       graded 100%: Correct: your program printed hello.\n');
    expect(lines.at(-1)).toBe('12 cases: 12 good, 0 bad, 0 skipped: the grader handled every case');
  }, CHECK_MS);

  it('a fragile grader is reported for exactly the cases it mishandles, with why (exit 1); --json has every result', async () => {
    const result = await gradebox(['check-grader', testImage('check-fragile'), '--sample', HELLO, '--backend', 'oci', '--json']);
    expect(result.code).toBe(1);
    const check = JSON.parse(result.stdout) as CheckJson;
    expect(bad(check)).toEqual(['empty-files', 'binary-garbage']);
    expect(check.summary).toEqual({ good: 10, bad: 2, skipped: 0, allHandled: false });
    expect(check.sample).toBe(HELLO);
    const byId = Object.fromEntries(check.cases.map((c) => [c.id, c]));
    expect(byId['empty-files']!.result!.status).toBe('grader-error');
    expect(byId['empty-files']!.reasons).toEqual([expect.stringMatching(/^the grader crashed or wrote no valid result.*feedback\.json was not written/)]);
    expect(byId['binary-garbage']!.result!.status).toBe('graded');
    expect(byId['binary-garbage']!.reasons).toEqual(["a student would see a Python stack frame of the grader's code (/grader/check_text.py)"]);
    expect(result.stderr).toBe('error: the grader mishandled 2 cases: empty-files, binary-garbage\n');
  }, CHECK_MS);

  it('a naive grader without limits of its own: the time, memory and output limits stop it, and it gives full marks to nothing', async () => {
    const cases = ['empty-files', 'infinite-loop', 'memory-bomb', 'output-flood', 'network', 'binary-garbage'];
    const result = await gradebox(['check-grader', testImage('run-submission'), '--backend', 'oci', '--timeout', '20', '--json', ...cases.flatMap((c) => ['--case', c])]);
    expect(result.code).toBe(1);
    const check = JSON.parse(result.stdout) as CheckJson;
    expect(check.sample).toBeNull();
    expect(verdicts(check)).toEqual({
      'empty-files': 'bad', 'infinite-loop': 'bad', 'memory-bomb': 'bad', 'output-flood': 'bad', network: 'good', 'binary-garbage': 'good',
    });
    const status = (id: string) => check.cases.find((c) => c.id === id)!.result!.status;
    expect(status('infinite-loop')).toBe('timeout');
    // The shell's string doubling reaches 1 GiB within the limit on a fast machine only.
    expect(['out-of-memory', 'timeout']).toContain(status('memory-bomb'));
    expect(status('output-flood')).toBe('output-limit');
    expect(check.cases.find((c) => c.id === 'empty-files')!.reasons).toEqual([expect.stringMatching(/full marks for a submission that holds none/)]);
  }, CHECK_MS);

  it('a real Gradescope JUnit grader: the code injected into the sample class runs in its tests; an endless loop is not stopped', async () => {
    const sample = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'gradescope-junit', 'good');
    const result = await gradebox(['check-grader', testImage('gradescope-junit'), '--sample', sample, '--backend', 'oci', '--timeout', '40', '--points', '10', '--json',
      '--case', 'infinite-loop', '--case', 'network']);
    expect(result.code).toBe(1);
    const check = JSON.parse(result.stdout) as CheckJson;
    expect(verdicts(check)).toEqual({ 'infinite-loop': 'bad', network: 'good' });
    const network = check.cases.find((c) => c.id === 'network')!.result!;
    expect(network.protocol).toBe('gradescope');
    // The class compiled with the tests, and its static initializer failed them (no network).
    expect(network.tests.length).toBeGreaterThan(0);
    expect(network.tests.every((test) => test.status === 'failed')).toBe(true);
    expect(network.tests[0]!.output).toMatch(/ExceptionInInitializerError/);
  }, CHECK_MS);

  it('--save-cases keeps the submissions, to reproduce one with grade local', async () => {
    const saved = join(work, 'saved');
    const result = await gradebox(['check-grader', testImage('check-fragile'), '--sample', HELLO, '--backend', 'oci', '--case', 'empty-files', '--case', 'forged-result', '--save-cases', saved]);
    expect(result.code).toBe(1);
    expect((await readdir(saved)).sort()).toEqual(['empty-files', 'forged-result']);
    expect((await readdir(join(saved, 'forged-result'))).sort()).toEqual(['feedback.json', 'main.sh', 'results', 'results.json', 'txtFeedback.txt']);
    const again = await gradebox(['grade', 'local', testImage('check-fragile'), join(saved, 'empty-files'), '--backend', 'oci']);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^grader-error/);
    await rm(saved, { recursive: true });
  }, CHECK_MS);
});

(docker === undefined ? describe.skip : describe)('check-grader on the docker backend', () => {
  it('reports the same verdicts as on oci', async () => {
    const result = await gradebox(['check-grader', testImage('check-fragile'), '--sample', HELLO, '--backend', 'docker', '--json',
      '--case', 'empty-files', '--case', 'fork-bomb', '--case', 'output-flood', '--case', 'binary-garbage']);
    expect(result.code).toBe(1);
    expect(verdicts(JSON.parse(result.stdout) as CheckJson)).toEqual({ 'empty-files': 'bad', 'fork-bomb': 'good', 'output-flood': 'good', 'binary-garbage': 'bad' });
  }, CHECK_MS);
});

describe('check-grader refuses bad input with a clear message', () => {
  it.each([
    [['check-grader', '/no/such/grader.tar'], 1, /^error: .*\/no\/such\/grader\.tar/],
    [['check-grader'], 2, /missing required argument/],
    [['check-grader', 'a.tar', 'b.tar'], 2, /^error: check-grader takes one IMAGE \(got 2 arguments\); to check a version on a server, add --remote COURSE ASSIGNMENT PART\n/],
    [['check-grader', 'a.tar', '--case', 'fork-bombs'], 2, /^error: --case takes one of no-files, empty-files, .*, got "fork-bombs"/],
    [['check-grader', 'a.tar', '--version', '3'], 2, /^error: --version needs --remote\n/],
    [['check-grader', 'a.tar', '--memory', '5'], 2, /^error: --memory must be at least 6 MiB, got 5\n/],
    [['check-grader', 'a.tar', '--server', 'http://127.0.0.1:9'], 2, /^error: --server needs --remote\n/],
    [['check-grader', '--remote', 'cs101', 'hw1'], 2, /^error: --remote takes COURSE ASSIGNMENT PART \(got 2 arguments\)\n/],
    [['check-grader', '--remote', 'cs101', 'hw1', 'sums', '--memory', '512'], 2, /^error: --memory is for a local check; with --remote the grader version's own settings apply\n/],
  ])('gradebox %j exits %i', async (args, code, message) => {
    const result = await gradebox(args, 60_000);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('a missing or empty sample, and a --save-cases folder that is not empty, are usage errors (exit 2)', async () => {
    const missing = await gradebox(['check-grader', testImage('check-good'), '--sample', join(work, 'nope')], 60_000);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: sample submission ${join(work, 'nope')} does not exist\n(see --help)\n`);
    await mkdir(join(work, 'empty-sample'));
    const empty = await gradebox(['check-grader', testImage('check-good'), '--sample', join(work, 'empty-sample')], 60_000);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no files/);
    await writeFile(join(work, 'empty-sample', 'x'), '');
    const full = await gradebox(['check-grader', testImage('check-good'), '--save-cases', join(work, 'empty-sample')], 60_000);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/--save-cases .* is not empty; give a new or empty folder/);
  });
});
