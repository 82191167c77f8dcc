/**
 * Issue 11 §4: what a grader or a submission writes must not drive the terminal of the author who
 * reads the result. The real `gradebox grade local`, `ls` and `cat` over dist/ (build first), with
 * the echo-payload fixture grader, which passes a submission's payload through to the feedback, a
 * test's name and output, an unknown results.json key (quoted by a warning), stdout and stderr. Human
 * output must carry no control character but newline and tab; --json keeps the exact text. The
 * same attacks through `gradebox serve`: terminal-safety.integration.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { dir, file, makeImage } from '../image/build-image.ts';
import { assertBuildIsFresh, cliEnv, runCli, type CliResult } from '../support/run-cli.ts';
import { firstActive, payloadSubmissionFiles, TERMINAL_ATTACKS, type TerminalAttack } from '../support/terminal-attacks.ts';
import { testImage } from '../support/test-image.ts';

let work: string;
let home: string;

function gradebox(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', ...env }) });
}

/** A submission folder for the echo-payload grader. */
async function payloadSubmission(attack: TerminalAttack, index: number): Promise<string> {
  const folder = join(work, `payload-${index}`);
  await mkdir(folder, { recursive: true });
  for (const [name, text] of Object.entries(payloadSubmissionFiles(attack.payload))) await writeFile(join(folder, name), text);
  return folder;
}

function expectInert(result: CliResult): void {
  expect(firstActive(result.stdout), 'stdout').toBeUndefined();
  expect(firstActive(result.stderr), 'stderr').toBeUndefined();
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-terminal-safety-'));
  home = join(work, 'home');
  await mkdir(home);
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('grade local: a payload in every text a grader writes', () => {
  it.each(TERMINAL_ATTACKS.map((attack, index) => [attack.name, attack, index] as const))('%s', async (_name, attack, index) => {
    const submission = await payloadSubmission(attack, index);
    const human = await gradebox(['grade', 'local', testImage('echo-payload'), submission]);
    expect(human.code, human.stderr).toBe(0);
    expectInert(human);
    expect(human.stdout).toContain(`Feedback (text):\n  feedback ${attack.shown}\n`);
    expect(human.stdout).toContain(`  ✗ name ${attack.shown} 0/1\n      output ${attack.shown}\n`);
    expect(human.stdout).toMatch(/Warnings .*:\n {2}- \/autograder\/results\/results\.json: unknown key "key .*" ignored\n/);
    expect(human.stdout).toContain(`Grader stdout (debug log, not shown to students):\n  stdout ${attack.shown}\n`);
    expect(human.stdout).toContain(`Grader stderr (debug log, not shown to students):\n  stderr ${attack.shown}\n`);

    const json = JSON.parse((await gradebox(['grade', 'local', testImage('echo-payload'), submission, '--json'])).stdout) as GradeResult;
    expect(json.feedback.text).toBe(`feedback ${attack.payload}`);
    expect(json.tests.map((t) => [t.name, t.output])).toEqual([[`name ${attack.payload}`, `output ${attack.payload}`]]);
    expect(json.output.stdout.text).toBe(`stdout ${attack.payload}\n`);
    expect(json.output.stderr.text).toBe(`stderr ${attack.payload}\n`);
    expect(json.warnings).toEqual([`/autograder/results/results.json: unknown key ${JSON.stringify(`key ${attack.payload}`)} ignored`]);
  });

  it("with colours forced on, gradebox's own colours stay and the payload's escapes still do not pass", async () => {
    const attack = TERMINAL_ATTACKS[3]!;
    const result = await gradebox(['grade', 'local', testImage('echo-payload'), await payloadSubmission(attack, 100)], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('\u001b[1m'); // bold headings: colours are on
    expect(result.stdout).not.toContain('\u001b[2J');
    expect(result.stdout).not.toContain('\u001b[32mgraded');
    expect(result.stdout).toContain(`feedback ${attack.shown}`);
  });
});

describe('grade local: a file name in the submission', () => {
  it('a FIFO named with escapes makes the submission not gradable; the message quoting its name is inert', async () => {
    const submission = join(work, 'fifo-submission');
    await mkdir(submission);
    const name = 'a\u001b]0;pwned\u0007\u009b2J\u202eb';
    await promisify(execFile)('mkfifo', [join(submission, name)]);
    const human = await gradebox(['grade', 'local', testImage('coursera-sh'), submission]);
    expect(human.code).toBe(1);
    expectInert(human);
    expect(human.stdout).toMatch(/^not-gradable {2}score —$/m);
    // JSON.stringify in the message already escapes C0; C1 and bidi are left to untrusted-text.ts.
    expect(human.stdout).toContain('"a\\u001b]0;pwned\\u0007<U+009B>2J<U+202E>b" is a FIFO');
    expect(human.stderr).toMatch(/^error: not graded \(not-gradable\): .*<U\+009B>2J<U\+202E>b" is a FIFO/);
    const json = JSON.parse((await gradebox(['grade', 'local', testImage('coursera-sh'), submission, '--json'])).stdout) as GradeResult;
    expect(json.errors[0]).toContain(`${JSON.stringify(name)} is a FIFO`);
  });
});

describe('ls and cat on an image with hostile names', () => {
  const evilName = 'run\u001b]0;pwned\u0007\u009b2J\rnote\nfake line\t\u202ex';
  const evilUser = 'root\u001b[2J';
  let image: string;
  beforeAll(async () => {
    image = await makeImage(work, [[
      dir('etc/'), file('etc/passwd', `${evilUser}:x:0:0::/root:/bin/sh\n`), file('etc/group', 'root:x:0:\n'),
      dir('g/'), file(`g/${evilName}`, 'content \u001b[2J stays\n'), { name: 'g/link', type: 'symlink', linkname: evilName },
    ]]);
  });

  it('ls shows names, link targets and owner names with visible stand-ins, one entry per line; --json keeps them', async () => {
    const shown = 'run␛]0;pwned␇<U+009B>2J␍note␊fake line␉<U+202E>x';
    const short = await gradebox(['ls', image, '/g']);
    expect(short.code, short.stderr).toBe(0);
    expectInert(short);
    expect(short.stdout).toBe(`link\n${shown}\n`);
    const long = await gradebox(['ls', image, '/g', '-l']);
    expect(long.code, long.stderr).toBe(0);
    expectInert(long);
    expect(long.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(long.stdout).toContain(`root␛[2J root`);
    expect(long.stdout).toContain(`link -> ${shown}\n`);
    const json = JSON.parse((await gradebox(['ls', image, '/g', '--json'])).stdout) as { entries: Array<{ name: string; user: string; linkTarget: string | null }> };
    expect(json.entries.map((e) => e.name)).toEqual(['link', evilName]);
    expect(json.entries[0]).toMatchObject({ user: evilUser, linkTarget: evilName });
  });

  it('cat stays byte-exact: its output is the file', async () => {
    const result = await gradebox(['cat', image, `/g/${evilName}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('content \u001b[2J stays\n');
  });

  it("cat's error about a missing file quotes the path inertly", async () => {
    const result = await gradebox(['cat', image, '/g/missing\u001b]0;x\u0007']);
    expect(result.code).toBe(1);
    expectInert(result);
    expect(result.stderr).toContain('missing␛]0;x␇');
  });
});
