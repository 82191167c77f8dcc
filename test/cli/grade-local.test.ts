/**
 * `gradebox grade local` end to end: the real command (bin/gradebox.js over dist/, so build first)
 * as a child process, with real images, real runc and real signals; no mocks. Checks what a user
 * gets: exit codes (README "Exit codes"), stdout versus stderr, help, colours, Ctrl-C cleanup.
 *
 * One GRADEBOX_HOME for the whole file, so each image is imported and unpacked once; the tests run
 * one after another (several depend on nothing else running in that home, e.g. the leftover checks).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { hidingPrograms } from '../support/hide-programs.ts';
import { ociHomeScopes, snapshotLeftovers, type LeftoverScope } from '../support/leftovers.ts';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli, startCli, type CliResult } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';
import { liveStateDir } from '../../src/sandbox/oci/live-dir.ts';

const SUBMISSIONS = join(REPO_ROOT, 'test', 'fixtures', 'submissions');
const GOOD_SUMS = join(SUBMISSIONS, 'sums', 'good');
const SLEEPER = join(SUBMISSIONS, 'hostile', 'sleep-past-timeout');
const ESC = '\u001b';


let work: string;
let home: string;
let scopes: LeftoverScope[];

/** `gradebox args…` with this file's GRADEBOX_HOME and NO_COLOR=1, plus `env` (undefined removes a variable). */
function gradebox(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', ...env }) });
}

function grade(imageName: string, submission: string, ...rest: string[]): Promise<CliResult> {
  return gradebox(['grade', 'local', testImage(imageName), submission, ...rest]);
}

/** stdout of a `--json` run: must be one JSON document and nothing else. */
function jsonResult(result: CliResult): GradeResult {
  expect(result.stdout.endsWith('}\n'), 'stdout ends with the document').toBe(true);
  return JSON.parse(result.stdout) as GradeResult;
}

/** The echo-env grader's feedback lines (`arg=…` then sorted `KEY=value`). */
function feedbackLines(result: GradeResult): string[] {
  return result.feedback.text.split('\n').filter(Boolean);
}

const leftovers = async (): Promise<string[]> => (await Promise.all(scopes.map(snapshotLeftovers))).flat();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-cli-test-'));
  home = join(work, 'home');
  await mkdir(home);
  // The whole home and its sandbox's live state: runtime state, run scratch mounts, cgroups and processes of its runs.
  scopes = ociHomeScopes(home);
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('help and version', () => {
  it('gradebox --help lists the commands and the exit codes', async () => {
    const result = await gradebox(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: gradebox/);
    expect(result.stdout).toMatch(/^\s+grade\b/m);
    expect(result.stdout).toMatch(/Exit codes: 0 .*1 .*2 .*3 .*130 .*143/);
    expect(result.stderr).toBe('');
  });

  it('gradebox grade --help lists the local subcommand', async () => {
    const result = await gradebox(['grade', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+local \[options\] <image> <submission-dir>/m);
    expect(result.stderr).toBe('');
  });

  it('gradebox grade local --help lists every option README documents', async () => {
    const result = await gradebox(['grade', 'local', '--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    // Only the grade local section: other commands document their own options in tables too.
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split(/^## /m).find((part) => part.startsWith('`gradebox grade local`')) ?? '';
    const documented = [...readme.matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]);
    expect(documented).toEqual(expect.arrayContaining(['--part-id', '--points', '--env', '--env-json', '--timeout', '--memory', '--cpus', '--json', '--no-rm']));
    for (const option of documented) expect(result.stdout, option).toMatch(new RegExp(`^\\s+${option}\\b`, 'm'));
    expect(result.stdout).toMatch(/--timeout <seconds>.*\(default: 1200\)/s);
    expect(result.stdout).toMatch(/Exit codes: 0 graded, 1 not graded/);
  });

  it('--version prints the version in package.json, whatever npm says', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    // npm sets npm_package_version to the version of whichever package's script is running.
    const result = await gradebox(['--version'], { npm_package_version: '99.0.0-other-package' });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});

describe('usage errors exit 2 with one message and touch nothing', () => {
  let untouchedHome: string;
  beforeAll(async () => {
    untouchedHome = join(work, 'usage-home');
    await mkdir(untouchedHome);
  });

  const submissionFile = join(GOOD_SUMS, 'answer.txt');
  const cases: [string, string[], RegExp][] = [
    ['an unknown option', ['--frobnicate'], /unknown option '--frobnicate'/],
    ['--timeout 0', ['--timeout', '0'], /--timeout takes a positive number, got "0"/],
    ['--timeout abc', ['--timeout', 'abc'], /--timeout takes a positive number, got "abc"/],
    ['--timeout past what a timer can hold', ['--timeout', '1e9'], /--timeout takes a number no greater than \d+, got "1e9"/],
    ['--timeout without a value', ['--timeout'], /option '--timeout <seconds>' argument missing/],
    ['--memory -5', ['--memory', '-5'], /--memory takes a whole number greater than 0, got "-5"/],
    ['--memory 1.5', ['--memory', '1.5'], /--memory takes a whole number greater than 0, got "1.5"/],
    ['--memory below the sandbox minimum', ['--memory', '5'], /--memory must be at least 6 MiB, got 5/],
    ['--cpus x', ['--cpus', 'x'], /--cpus takes a positive number, got "x"/],
    ['--points 0', ['--points', '0'], /--points takes a positive number, got "0"/],
    ['--points ten', ['--points', 'ten'], /--points takes a positive number, got "ten"/],
    ['--env NOEQUALS', ['--env', 'NOEQUALS'], /--env takes KEY=VALUE .*got "NOEQUALS"/],
    ['--env 1BAD=x', ['--env', '1BAD=x'], /--env takes KEY=VALUE .*got "1BAD=x"/],
    ["--env-json '[1]'", ['--env-json', '[1]'], /--env-json takes a JSON object/],
    ["--env-json '{bad'", ['--env-json', '{bad'], /--env-json is not valid JSON/],
    ['--env-json with a bad name', ['--env-json', '{"A-B": "x"}'], /--env-json key "A-B" is not a valid variable name/],
    ['--protocol foo', ['--protocol', 'foo'], /--protocol takes one of coursera, gradescope, script, got "foo"/],
    ['--backend foo', ['--backend', 'foo'], /--backend takes one of auto, oci, docker, got "foo"/],
    ['--user with a name', ['--user', 'student'], /--user: a user must be root, UID or UID:GID with ids from 0 to 65535, got "student"/],
    ['--user past the namespace', ['--user', '70000'], /--user: a user must be root, UID or UID:GID .*got "70000"/],
    ['--user with an empty gid', ['--user', '1000:'], /--user: a user must be root, UID or UID:GID .*got "1000:"/],
  ];

  it.each(cases)('%s', async (_name, options, message) => {
    const result = await gradebox(['grade', 'local', testImage('coursera-sh'), GOOD_SUMS, ...options], { GRADEBOX_HOME: untouchedHome });
    expectUsageError(result, message);
  });

  it.each([
    ['no arguments', [], /missing required argument 'image'/],
    ['no submission directory', ['IMAGE'], /missing required argument 'submission-dir'/],
    ['a submission directory that does not exist', ['IMAGE', '/nonexistent/gradebox-no-such-dir'], /submission directory .*no-such-dir does not exist/],
    ['a submission path that is a file', ['IMAGE', submissionFile], /submission .*answer\.txt is not a directory/],
    ['an unknown command', null, /unknown command 'frobnicate'/],
  ] as [string, string[] | null, RegExp][])('%s', async (_name, args, message) => {
    const argv = args === null ? ['frobnicate'] : ['grade', 'local', ...args.map((a) => (a === 'IMAGE' ? testImage('coursera-sh') : a))];
    const result = await gradebox(argv, { GRADEBOX_HOME: untouchedHome });
    expectUsageError(result, message);
  });

  it('nothing was imported or created for any of them', async () => {
    expect(await readdir(untouchedHome)).toEqual([]);
  });

  function expectUsageError(result: CliResult, message: RegExp): void {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.match(/^error:/gm), 'exactly one error line').toHaveLength(1);
    expect(result.stderr).toMatch(/--help/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }
});

describe('graded: exit 0', () => {
  it('a Coursera grader, human output: status, score and feedback on stdout, nothing on stderr', async () => {
    const result = await grade('coursera-sh', GOOD_SUMS);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^graded {2}score 100%$/m);
    expect(result.stdout).toMatch(/^Feedback \(text\):\n {2}Line 1 is right; line 2 is right\.$/m);
    expect(result.stdout).toMatch(/coursera protocol · exited \(exit 0\)/);
    // stderr is not a terminal here: no progress drawing.
    expect(result.stderr).toBe('');
  });

  it('a partial score is still graded (exit 0)', async () => {
    const result = await grade('coursera-sh', join(SUBMISSIONS, 'sums', 'partial'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^graded {2}score 50%$/m);
  });

  it('a Gradescope grader with --json: exactly one JSON document, limits from the options', async () => {
    const result = await grade('gradescope-sh', GOOD_SUMS, '--json', '--memory', '300', '--cpus', '0.5', '--timeout', '30');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const json = jsonResult(result);
    expect(json).toMatchObject({
      status: 'graded', score: 1, points: { earned: 10, possible: 10 }, protocol: 'gradescope',
      feedback: { text: 'answer.txt was graded.' }, errors: [],
      limits: { memoryMiB: 300, cpus: 0.5, timeoutSeconds: 30 },
      // Gradescope graders run as root (of the run's own user namespace), as on Gradescope.
      run: { reason: 'exited', exitCode: 0, signal: null, user: { uid: 0, gid: 0 } },
    });
    expect(json.image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(json.tests.map((t) => [t.name, t.status])).toEqual([
      ['Sum of 1 to 10', 'passed'], ['Sum of squares', 'passed'], ['Exactly two lines', 'passed'],
    ]);
    expect(json.keptAt).toBeUndefined();
  });

  it('--user picks who the grader runs as; a Coursera grader is uid 1000 without it', async () => {
    const submission = await mkdtemp(join(work, 'whoami-'));
    await writeFile(join(submission, 'main.sh'), 'echo "$(id -u):$(id -g)" >&2; [ "$(id -u)" = "$WANT" ]\n');
    for (const [user, want, uid, gid] of [[undefined, '1000', 1000, 1000], ['root', '0', 0, 0], ['2000:100', '2000', 2000, 100]] as const) {
      const result = await grade('run-submission', submission, '--json', '--env', `WANT=${want}`, ...(user === undefined ? [] : ['--user', user]));
      expect(result.code, result.stderr).toBe(0);
      expect(jsonResult(result)).toMatchObject({ status: 'graded', score: 1, run: { user: { uid, gid } }, output: { stderr: { text: `${uid}:${gid}\n` } } });
    }
  });

  it('a Gradescope grader in Python, human output with the tests', async () => {
    const result = await grade('gradescope-py', join(SUBMISSIONS, 'pyfuncs', 'good'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^graded {2}score 100% \(4\/4 points\)$/m);
    expect(result.stdout).toMatch(/4 of 4 tests passed\./);
    for (const test of ['add', 'is_prime', 'reverse_words']) expect(result.stdout).toMatch(new RegExp(`✓ ${test} 1/1$`, 'm'));
    expect(result.stdout).toMatch(/✓ fib 1\/1 \[after_published\]$/m);
  });

  it('--env, --env-json and --part-id reach the grader; --env wins over --env-json; without args the CMD runs, then "partId ID"', async () => {
    const result = await grade(
      'echo-env', GOOD_SUMS, '--json', '--part-id', 'part-7',
      '--env', 'GREETING=hi "there" \\o/', '--env', 'TWICE=first', '--env', 'TWICE=second', '--env', 'EMPTY=',
      '--env-json', '{"FROM_JSON": "j s o n", "NUMBER": 3, "FLAG": true, "GREETING": "overridden"}',
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = feedbackLines(jsonResult(result));
    expect(lines.filter((l) => l.startsWith('arg='))).toEqual(['arg=from-cmd', 'arg=partId', 'arg=part-7']);
    expect(lines).toEqual(expect.arrayContaining([
      'partId=part-7', 'HOME=/home/grader', 'GREETING=hi "there" \\o/', 'TWICE=second', 'EMPTY=', 'FROM_JSON=j s o n', 'NUMBER=3', 'FLAG=true',
      'GRADER=echo-env', 'userId=local', 'filename=answer.txt',
    ]));
  });

  it('arguments after -- reach the entrypoint, replacing CMD, options look-alikes included', async () => {
    const result = await grade('echo-env', GOOD_SUMS, '--json', '--', '--verbose', 'two words', '--json');
    expect(result.code, result.stderr).toBe(0);
    const lines = feedbackLines(jsonResult(result));
    expect(lines.filter((l) => l.startsWith('arg='))).toEqual(['arg=--verbose', 'arg=two words', 'arg=--json']);
    expect(lines.some((l) => l.startsWith('partId='))).toBe(false);
  });
});

describe('results as Gradescope accepts them, and results too big to keep', () => {
  it('a bare score without tests is graded in points; --points gives the fraction', async () => {
    const bare = await grade('gradescope-bare-score', GOOD_SUMS);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/^graded {2}score — \(7 points of an unknown total: give the part's points with --points N\)$/m);
    const outOf10 = await grade('gradescope-bare-score', GOOD_SUMS, '--points', '10', '--json');
    expect(outOf10.code, outOf10.stderr).toBe(0);
    expect(jsonResult(outOf10)).toMatchObject({ status: 'graded', score: 0.7, points: { earned: 7, possible: 10 } });
  });

  it('1.5 million empty tests: exit 1 with one message, and --json still prints the result', async () => {
    const result = await grade('gradescope-huge', GOOD_SUMS, '--json');
    expect(result.code).toBe(1);
    expect(jsonResult(result)).toMatchObject({ status: 'grader-error', tests: [] });
    expect(result.stderr).toBe(
      'error: not graded (grader-error): /autograder/results/results.json: tests has 1500000 entries; ' +
        'gradebox accepts at most 10000 tests per result (group related checks into one test, with the details in its output)\n',
    );
  });

  it('extra_data nested a million levels deep: exit 1 with one message, no crash', async () => {
    const result = await grade('gradescope-deep', GOOD_SUMS, '--json');
    expect(result.code).toBe(1);
    expect(jsonResult(result)).toMatchObject({ status: 'grader-error' });
    expect(result.stderr).toMatch(/^error: not graded \(grader-error\): .*nests arrays and objects more than 64 levels deep/);
    expect(result.stderr).not.toMatch(/gradebox bug|Maximum call stack/);
  });
});

describe('not graded: exit 1, the reason on stderr', () => {
  it('invalid grader output (fractionalScore out of range)', async () => {
    const result = await grade('score-out-of-range', GOOD_SUMS);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^grader-error {2}score —$/m);
    expect(result.stdout).toMatch(/fractionalScore must be at most 1, but it is the number 1\.5/);
    expect(result.stderr).toBe('error: not graded (grader-error): /shared/feedback.json: fractionalScore must be at most 1, but it is the number 1.5\n');
  });

  it('--protocol and --backend reach the grading: a Gradescope image forced to coursera fails', async () => {
    const result = await grade('gradescope-sh', GOOD_SUMS, '--protocol', 'coursera', '--backend', 'oci', '--json');
    expect(result.code).toBe(1);
    const json = jsonResult(result);
    expect(json).toMatchObject({ status: 'grader-error', protocol: 'coursera' });
    expect(json.errors[0]).toMatch(/\/shared\/feedback\.json was not written/);
    expect(result.stderr).toMatch(/^error: not graded \(grader-error\): \/shared\/feedback\.json was not written.* \(and 1 more\)\n$/);
  });

  it('a timeout kills the run after --timeout seconds', async () => {
    const result = await grade('run-submission', SLEEPER, '--timeout', '1', '--json');
    expect(result.code).toBe(1);
    const json = jsonResult(result);
    expect(json).toMatchObject({ status: 'timeout', score: null, run: { reason: 'timeout' }, limits: { timeoutSeconds: 1 } });
    expect(json.run.wallMs).toBeGreaterThanOrEqual(1000);
    expect(json.run.wallMs).toBeLessThan(5000);
    expect(result.stderr).toMatch(/^error: not graded \(timeout\): .*wall-clock limit of 1 second.*\n$/);
    expect(result.stderr.split('\n')).toHaveLength(2); // one line
    expect(await leftovers()).toEqual([]);
  });

  it('an image path that is not an image (a text file)', async () => {
    const text = join(work, 'grader.txt');
    await writeFile(text, 'this is not an image\n');
    const result = await gradebox(['grade', 'local', text, GOOD_SUMS]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: ${escapeRegExp(text)}: not a tar archive.*\n$`));
    expect(result.stderr.split('\n')).toHaveLength(2); // one line, no stack trace
  });

  it('an image path that does not exist', async () => {
    const missing = join(work, 'no-such-grader.tar');
    const result = await gradebox(['grade', 'local', missing, GOOD_SUMS]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: ${escapeRegExp(missing)}: no such file or directory\n$`));
  });
});

describe('environment errors: exit 3 with the fix', () => {
  const root = process.getuid?.() === 0 ? it : it.skip;

  root('no OCI runtime installed: names the runtimes and says to apt-get install runc', async () => {
    // PATH holds node and nothing else; runc and crun are hidden wherever they are installed.
    const bin = join(work, 'bin-node-only');
    await mkdir(bin);
    await symlink(process.execPath, join(bin, 'node'));
    const blank = join(work, 'blank');
    await writeFile(blank, '', { mode: 0o644 });
    const command = hidingPrograms(['runc', 'crun'], blank, ['node', join(REPO_ROOT, 'bin', 'gradebox.js')]);
    // --backend oci: `auto` would fall back to a Docker daemon that answers.
    const result = await runCli(['grade', 'local', testImage('coursera-sh'), GOOD_SUMS, '--backend', 'oci'], {
      env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', PATH: bin }),
      command,
    });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: no working OCI runtime \(.*runc: not installed.*\)\n/);
    expect(result.stderr).toMatch(/^fix: .*apt-get install runc/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('Ctrl-C and SIGTERM: exit 128 + signal, and the sandbox is gone', () => {
  /** Starts grading a submission that sleeps for an hour, and waits until it really runs in its container. */
  async function startSleeper(detached: boolean): Promise<ReturnType<typeof startCli>> {
    const running = startCli(['grade', 'local', testImage('run-submission'), SLEEPER, '--timeout', '600'], {
      env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1' }),
      detached,
      // A gradebox that ignores the signal is SIGKILLed and fails the test well before the test timeout.
      timeoutMs: 40_000,
    });
    const deadline = Date.now() + 20_000;
    let early: CliResult | undefined;
    void running.done.then((r) => (early = r), () => undefined);
    while (!(await leftovers()).some((item) => item.includes('sleep 3600') && item.includes('[in a run cgroup]'))) {
      if (early !== undefined) throw new Error(`gradebox exited (${String(early.code)}) before the run started:\n${early.stderr}`);
      if (Date.now() > deadline) {
        running.child.kill('SIGINT'); // let it clean up after itself
        throw new Error('the sleeper did not start within 20 s');
      }
      await sleep(50);
    }
    return running;
  }

  it.each([
    ['SIGINT to gradebox alone → 130', 'SIGINT', false, 130],
    ["SIGINT to gradebox's process group, as a terminal's Ctrl-C does → 130", 'SIGINT', true, 130],
    ['SIGTERM → 143', 'SIGTERM', false, 143],
  ] as [string, NodeJS.Signals, boolean, number][])('%s', async (_name, signal, toGroup, exitCode) => {
    expect(await leftovers()).toEqual([]);
    const { child, done } = await startSleeper(toGroup);
    const pid = child.pid!;
    const sent = performance.now();
    process.kill(toGroup ? -pid : pid, signal);
    const result = await done;
    const ms = performance.now() - sent;
    expect(result.code, result.stderr).toBe(exitCode);
    expect(ms).toBeLessThan(5000);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`\n${signal} received: stopping and cleaning up (press Ctrl-C again to exit now)\n`);
    expect(await leftovers()).toEqual([]);
    expect(await readdir(join(liveStateDir(join(home, 'sandbox')), 'runs'))).toEqual([]);
  });
});

describe('--no-rm', () => {
  it('prints the kept path on stderr; it holds the shared files and the submission', async () => {
    const result = await grade('coursera-sh', GOOD_SUMS, '--no-rm', '--json');
    expect(result.code, result.stderr).toBe(0);
    const json = jsonResult(result);
    const kept = /^run files kept at (.+)$/m.exec(result.stderr)?.[1];
    expect(kept, result.stderr).toBeDefined();
    expect(result.stderr).toBe(`run files kept at ${kept}\n`);
    expect(json.keptAt).toBe(kept);
    expect(kept!.startsWith(join(home, 'sandbox', 'kept') + '/')).toBe(true);
    const shared = join(kept!, 'volumes', 'shared');
    expect(JSON.parse(await readFile(join(shared, 'feedback.json'), 'utf8'))).toEqual({
      fractionalScore: 1, feedback: 'Line 1 is right; line 2 is right.',
    });
    expect(await readFile(join(shared, 'submission', 'answer.txt'), 'utf8')).toBe(await readFile(join(GOOD_SUMS, 'answer.txt'), 'utf8'));
    expect(existsSync(join(kept!, 'config.json'))).toBe(true);
    // Kept files are plain files: the run's mounts, cgroups and runtime state are gone all the same.
    expect(await leftovers()).toEqual([]);
  });

  it('without --no-rm nothing is kept', async () => {
    const kept = (): Promise<string[]> => readdir(join(home, 'sandbox', 'kept')).catch(() => []);
    const before = await kept();
    const result = await grade('coursera-sh', GOOD_SUMS);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(await kept()).toEqual(before);
  });
});

describe('colours', () => {
  const noColourEnv = { NO_COLOR: undefined, FORCE_COLOR: undefined };

  it('NO_COLOR unset, output piped: no ANSI escapes on stdout or stderr', async () => {
    const notGraded = await gradebox(['grade', 'local', testImage('score-out-of-range'), GOOD_SUMS], noColourEnv);
    expect(notGraded.code).toBe(1);
    expect(notGraded.stdout).toMatch(/grader-error/);
    expect(notGraded.stdout).not.toContain(ESC);
    expect(notGraded.stderr).toMatch(/^error: not graded/);
    expect(notGraded.stderr).not.toContain(ESC);

    const usage = await gradebox(['grade', 'local', join(work, 'nope.tar'), GOOD_SUMS], noColourEnv);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/^error: /);
    expect(usage.stderr).not.toContain(ESC);
  });

  it('FORCE_COLOR=1 does colour piped output (so the check above can see escapes)', async () => {
    const result = await gradebox(['grade', 'local', testImage('score-out-of-range'), GOOD_SUMS], { ...noColourEnv, FORCE_COLOR: '1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(ESC);
  });
});

describe('after every run above', () => {
  it('nothing of any run is left: no processes, mounts, cgroups or runtime state', async () => {
    expect(await leftovers()).toEqual([]);
    expect(await readdir(join(liveStateDir(join(home, 'sandbox')), 'runs'))).toEqual([]);
  });
});
