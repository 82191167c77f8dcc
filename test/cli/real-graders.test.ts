/**
 * Graders that behave like public ones nobody on this project wrote (issue 10, "Real graders run
 * unchanged"), through the real CLI (bin/gradebox.js over dist/, so build first) on both backends:
 * `grade local` must give the score Gradescope or Coursera would give, and `inspect` must show the
 * user the platform runs them as. The fixtures (test/fixtures/graders/):
 *
 * - gradescope-utils-py: Python unittest with gradescope-utils' conventions (weights, numbers,
 *   visibility levels, partial credit, `execution_time` as a string, top-level score and max_score),
 *   run from /autograder/source where run_autograder copied the student's module (root's folder).
 * - gradescope-junit: Gradescope's Java layout: the student's class copied into /autograder/source,
 *   compiled there with the JUnit tests, results.json printed by a JUnit listener; a compile error
 *   gives a top-level score of 0 and no tests.
 * - gradescope-runas-student: makes a user, keeps its files and /autograder/results to root, runs
 *   the student's program as that user with runuser; a hostile submission tries to read the answer
 *   key and to write results.json.
 * - coursera-r: Rscript with only a CMD (working directory /), part id from the environment,
 *   /shared/feedback.json through relative paths, and a plot on R's default device (/Rplots.pdf).
 *
 * Gradescope runs graders as root and Coursera as an unprivileged user: gradebox runs the first as
 * root in a user namespace, the second as uid 1000.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { testDocker } from '../support/docker-test.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT, runCli, type CliResult } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';
import { makeCliHome, type CliHome } from '../support/cli-home.ts';
import { ROOT_STAND_IN } from '../../src/sandbox/open-sandbox.ts';

const SUBMISSIONS = join(REPO_ROOT, 'test', 'fixtures', 'submissions');
/** The answer key's marker in gradescope-runas-student's protected tests/cases.json. */
const RUNAS_SECRET = 'runas-secret-4f9c2e71';
/** The part id coursera-r grades (any other gets 0 and "submitted to the proper part"). */
const R_PART = 'Rv3aX';
/** The first run of a fresh home imports and unpacks a JDK or R image: give it room. */
const SLOW = 300_000;

const daemon = await testDocker();
const docker: Docker | undefined = 'docker' in daemon ? daemon.docker : undefined;
const backends = ['oci', ...(docker !== undefined ? ['docker'] : [])];
if (docker === undefined) describe.skip(`real graders on the docker backend: ${'reason' in daemon ? daemon.reason : ''}`, () => it('runs', () => undefined));

let work: string;
let home: string;
let leftovers: CliHome['leftovers'];

beforeAll(async () => {
  assertBuildIsFresh();
  ({ work, home, leftovers } = await makeCliHome('gradebox-real-graders-', docker));
});
afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

function submission(grader: string, name: string): string {
  return join(SUBMISSIONS, grader, name);
}

/** `gradebox grade local IMAGE DIR --backend B --json …`: the GradeResult, after checking the exit code. */
async function gradeLocal(backend: string, grader: string, name: string, ...rest: string[]): Promise<{ cli: CliResult; result: GradeResult }> {
  const cli = await runCli(['grade', 'local', testImage(grader), submission(grader, name), '--backend', backend, '--json', ...rest], {
    env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1' }),
    timeoutMs: SLOW - 10_000,
  });
  const result = cli.stdout.trim() ? (JSON.parse(cli.stdout) as GradeResult) : undefined;
  // On failure, say why: the status, the grader's faults and the end of what it printed.
  const why = result
    ? `${result.status}: ${result.errors.join('; ')}\nstdout: ${result.output.stdout.text.slice(-1500)}\nstderr: ${result.output.stderr.text.slice(-1500)}`
    : cli.stderr;
  expect(cli.code, why).toBe(0);
  expect(result!.status, why).toBe('graded');
  return { cli, result: result! };
}

/** `gradebox inspect IMAGE --backend B` with `script` piped to its shell. */
function inspect(backend: string, image: string, script: string, ...rest: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [GRADEBOX_BIN, 'inspect', testImage(image), '--backend', backend, ...rest], {
      cwd: REPO_ROOT, env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1' }), stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gradebox inspect ${image} did not exit in time: ${Buffer.concat(err).toString()}`));
    }, SLOW - 10_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: performance.now() - started });
    });
    child.stdin.end(script);
  });
}

const summary = (result: GradeResult): Array<[string, number | null, string | null]> =>
  result.tests.map((t) => [t.name, t.score, t.status]);

describe.each(backends)('grade local on %s: the score the original platform gives', (backend) => {
  describe('gradescope-utils-py (unittest + gradescope-utils conventions, run from /autograder/source)', () => {
    it('a correct module: 10 of 10, with the tests\' visibility levels kept', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'gradescope-utils-py', 'good');
      expect(result).toMatchObject({ protocol: 'gradescope', score: 1, points: { earned: 10, possible: 10 }, errors: [] });
      expect(result.tests.map((t) => [t.name, t.score, t.maxScore, t.visibility])).toEqual([
        ['clamp, half a point per case', 2, 2, 'visible'],
        ['mean of a list', 2, 2, 'visible'],
        ['median of odd and even lengths', 2, 2, 'visible'],
        ['mode, smallest on ties', 2, 2, 'after_due_date'],
        ['population variance', 2, 2, 'after_published'],
      ]);
      expect(result.output.visibleToStudents).toBe(false);
    });

    it('half right: 5 of 10, partial credit and a hidden error message as the library writes them', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'gradescope-utils-py', 'partial');
      expect(result).toMatchObject({ score: 0.5, points: { earned: 5, possible: 10 }, errors: [] });
      expect(summary(result)).toEqual([
        ['clamp, half a point per case', 1, 'failed'],
        ['mean of a list', 2, 'passed'],
        ['median of odd and even lengths', 2, 'passed'],
        ['mode, smallest on ties', 0, 'failed'],
        ['population variance', 0, 'failed'],
      ]);
      expect(result.tests[0]?.output).toBe('2 of 4 clamp cases right\n');
      expect(result.tests[3]?.output).toBe('mode: returning the first element\n\nTest Failed: 4 != 1\n');
      expect(result.tests[4]?.output).toBe('The variance is wrong for one of the hidden inputs.');
    });

    it('a module that does not compile: every test fails, 0 of 10', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'gradescope-utils-py', 'malformed');
      expect(result).toMatchObject({ score: 0, points: { earned: 0, possible: 10 }, errors: [] });
      expect(result.tests.every((t) => t.status === 'failed' && t.score === 0)).toBe(true);
      expect(result.tests[1]?.output).toMatch(/^Test Failed: expected ':' \(stats\.py, line 4\)\n$/);
    });
  });

  describe('gradescope-junit (compiled and run in /autograder/source)', () => {
    it('a correct class: 10 of 10', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'gradescope-junit', 'good');
      expect(result).toMatchObject({ protocol: 'gradescope', score: 1, points: { earned: 10, possible: 10 }, errors: [] });
      // JUnit 4 picks the order of test methods; the names say which is which.
      expect(result.tests.map((t) => [t.name, t.score, t.maxScore, t.visibility]).sort()).toEqual([
        ['capitalizeWords', 3, 3, 'after_due_date'],
        ['countVowels', 2, 2, 'visible'],
        ['isPalindrome ignores case and punctuation', 3, 3, 'visible'],
        ['reverse', 2, 2, 'visible'],
      ]);
    });

    it('half right: 5 of 10, the failures explained', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'gradescope-junit', 'partial');
      expect(result).toMatchObject({ score: 0.5, points: { earned: 5, possible: 10 }, errors: [] });
      const byName = new Map(result.tests.map((t) => [t.name, t]));
      expect([byName.get('countVowels')?.score, byName.get('countVowels')?.output]).toEqual([0, 'counting the vowels of "Programming"\nTest Failed: expected:<0> but was:<1>\n']);
      expect([byName.get('capitalizeWords')?.score, byName.get('capitalizeWords')?.output]).toEqual([0, 'Test Failed: expected:<H[ello Big World]> but was:<H[ELLO BIG WORLD]>\n']);
      expect(byName.get('reverse')?.score).toBe(2);
    });

    it('a class that does not compile: a top-level score of 0 and no tests, as Gradescope scores it', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'gradescope-junit', 'malformed');
      expect(result).toMatchObject({ score: 0, tests: [] });
      expect(result.feedback.text).toMatch(/^TextUtil\.java did not compile:\n[^]*TextUtil\.java:6: error: ';' expected/);
    });
  });

  describe('gradescope-runas-student (the student\'s program runs as a user the grader made)', () => {
    it.each([
      ['good', 1, 4],
      ['partial', 0.5, 2],
      ['malformed', 0, 0],
    ] as const)('%s: %s (%i of 4 cases)', { timeout: SLOW }, async (name, score, earned) => {
      const { result } = await gradeLocal(backend, 'gradescope-runas-student', name);
      expect(result).toMatchObject({ protocol: 'gradescope', score, points: { earned, possible: 4 }, errors: [] });
      expect(result.feedback.text).toBe(`${earned} of 4 cases right. Your program ran as an unprivileged user.`);
    });

    it('a hostile program can neither read the protected answer key nor write results.json: the grader\'s 0 stands', { timeout: SLOW }, async () => {
      const { result, cli } = await gradeLocal(backend, 'gradescope-runas-student', 'hostile');
      expect(result).toMatchObject({ score: 0, points: { earned: 0, possible: 4 }, errors: [] });
      expect(result.feedback.text).toBe('0 of 4 cases right. Your program ran as an unprivileged user.');
      expect(result.tests).toHaveLength(4);
      for (const test of result.tests) {
        // What the program reported of each attempt, as the grader showed it back.
        expect(test.output).toContain('read /autograder/source/tests/cases.json: PermissionError Permission denied');
        expect(test.output).toContain('list /autograder/source: PermissionError Permission denied');
        expect(test.output).toContain('write /autograder/results/results.json: PermissionError Permission denied');
        expect(test.output).toContain('append to /autograder/source/harness.py: PermissionError Permission denied');
        expect(test.output).not.toContain('SUCCEEDED');
      }
      expect(cli.stdout).not.toContain(RUNAS_SECRET);
      expect(cli.stdout).not.toContain('forged by the student');
    });
  });

  describe('coursera-r (Rscript, working directory /, part id from the environment)', () => {
    it.each([
      ['good', 1, '4 of 4 tests passed.'],
      ['partial', 0.5, '2 of 4 tests passed.'],
    ] as const)('%s: %s', { timeout: SLOW }, async (name, score, first) => {
      const { result } = await gradeLocal(backend, 'coursera-r', name, '--part-id', R_PART);
      expect(result).toMatchObject({ protocol: 'coursera', score, errors: [] });
      expect(result.feedback.text.split('\n')[0]).toBe(first);
    });

    it('code that does not parse: 0, and the learner is told why', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'coursera-r', 'malformed', '--part-id', R_PART);
      expect(result).toMatchObject({ score: 0, errors: [] });
      expect(result.feedback.text).toMatch(/^Your code could not be run: .*unexpected '}'/);
    });

    it('another part id: 0 and "the proper part", the grader\'s stop() only a warning', { timeout: SLOW }, async () => {
      const { result } = await gradeLocal(backend, 'coursera-r', 'good', '--part-id', 'nope1');
      expect(result).toMatchObject({ score: 0, feedback: { text: 'Please verify that you have submitted to the proper part of the assignment.' } });
      expect(result.warnings.join('\n')).toMatch(/the grader exited with code 1/);
    });

    it('the plot lands in the working directory /: Rplots.pdf in the run\'s kept files', { timeout: SLOW }, async () => {
      const { cli, result } = await gradeLocal(backend, 'coursera-r', 'good', '--part-id', R_PART, '--no-rm');
      expect(result.score).toBe(1);
      const kept = /^run files kept at (.+)$/m.exec(cli.stderr)?.[1];
      expect(kept, cli.stderr).toBeDefined();
      try {
        // Both backends keep what the run changed in the image's root under rootfs-changes/.
        const changed = await readdir(join(kept!, 'rootfs-changes'));
        expect(changed, `changed in the root: ${changed.join(', ')}`).toContain('Rplots.pdf');
        expect((await readFile(join(kept!, 'rootfs-changes', 'Rplots.pdf'))).subarray(0, 5).toString()).toBe('%PDF-');
      } finally {
        await rm(kept!, { recursive: true, force: true });
      }
    });
  });
});

describe.each(backends)('inspect on %s: the user and layout the platform gives', (backend) => {
  it.each(['gradescope-utils-py', 'gradescope-junit', 'gradescope-runas-student'])('%s: root, /autograder/source root\'s', { timeout: SLOW }, async (image) => {
    const result = await inspect(backend, image, 'id -u; stat -c "%u %g %a %n" /autograder/source /autograder/run_autograder\n');
    expect(result.stdout).toBe('0\n0 0 755 /autograder/source\n0 0 755 /autograder/run_autograder\n');
    expect(result.code, result.stderr).toBe(0);
  });

  it('gradescope-junit: with -d, root builds the submission in /autograder/source as the grader does', { timeout: SLOW }, async () => {
    const script = 'cd /autograder/source && mkdir -p src/main/java/textutil && cp /autograder/submission/TextUtil.java src/main/java/textutil/ && ./compile.sh && ls classes/textutil\n';
    const result = await inspect(backend, 'gradescope-junit', script, '-d', submission('gradescope-junit', 'good'));
    expect(result.stdout).toBe('TextUtil.class\ntests\n');
    expect(result.code, result.stderr).toBe(0);
  });

  it('gradescope-runas-student: a user made in the session is a real other user, kept out of root\'s files', { timeout: SLOW }, async () => {
    const script = [
      "adduser --disabled-password --gecos '' --quiet student",
      'chmod -R go= /autograder/source',
      'runuser -u student -- id -u',
      'runuser -u student -- cat /autograder/source/tests/cases.json 2>&1 | sed "s/^cat: //"',
      'runuser -u student -- touch /autograder/source/x 2>&1 | sed "s/^touch: //"',
      '',
    ].join('\n');
    const result = await inspect(backend, 'gradescope-runas-student', script);
    expect(result.stdout).toBe(
      '1001\n' +
      "/autograder/source/tests/cases.json: Permission denied\n" +
      "cannot touch '/autograder/source/x': Permission denied\n",
    );
    expect(result.code, result.stderr).toBe(0);
  });

  it('coursera-r: uid 1000 in / (on docker its stand-in, which links to /), the Coursera layout', { timeout: SLOW }, async () => {
    const result = await inspect(backend, 'coursera-r', 'id -u; pwd; stat -c "%u %a" /shared /grader; ls grader >/dev/null && touch Rplots.pdf && echo writable; Rscript -e "cat(R.version.string)"\n');
    const cwd = backend === 'docker' ? ROOT_STAND_IN : '/';
    expect(result.stdout).toMatch(new RegExp(`^1000\\n${cwd.replace(/\./g, '\\.')}\\n1000 755\\n0 777\\nwritable\\nR version 4\\.2\\.\\d `));
    if (backend === 'docker') expect(result.stderr).toContain(`the session works in ${ROOT_STAND_IN}`);
    expect(result.code, result.stderr).toBe(0);
  });
});
