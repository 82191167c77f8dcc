/**
 * Issue 11 §4 through the service: a real `gradebox serve` (SQLite, one worker, the real sandbox)
 * grades a submission whose files the echo-payload fixture grader passes through (every attack of
 * test/support/terminal-attacks.ts, in the feedback, a test's name and output, stdout and stderr).
 * `submit --wait`, `submission` and `grade remote` must print none of it raw; `--json` keeps it
 * exact. The real CLI and server over dist/ (build first), as child processes.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import type { PartResult, Submission } from '../../src/platform/model.ts';
import { assertBuildIsFresh, cliEnv, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { firstActive, payloadSubmissionFiles, TERMINAL_ATTACKS } from '../support/terminal-attacks.ts';
import { testImage } from '../support/test-image.ts';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;
/** Every attack in one submission, side by side on one line. */
const PAYLOAD = TERMINAL_ATTACKS.map((a) => a.payload).join(' | ');
const SHOWN = TERMINAL_ATTACKS.map((a) => a.shown).join(' | ');

let work: string;
let server: ServedCli | undefined;
let cliVars: Record<string, string | undefined>;

function gradebox(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return runCli(args, { env: cliEnv(cliVars), timeoutMs });
}

function expectInert(result: CliResult, what: string): void {
  expect(firstActive(result.stdout), `${what}: stdout`).toBeUndefined();
  expect(firstActive(result.stderr), `${what}: stderr`).toBeUndefined();
}

/** Each attack shown by its visible stand-in, in `text`. */
function expectEveryAttackShown(text: string, prefix: string): void {
  for (const attack of TERMINAL_ATTACKS) expect(text, attack.name).toContain(attack.shown);
  expect(text).toContain(`${prefix}${SHOWN}`);
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-terminal-safety-server-'));
  if (process.getuid?.() !== 0) return;
  server = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '1'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 30 * 60_000,
  });
  cliVars = {
    XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1',
    GRADEBOX_SERVER: server.url, GRADEBOX_TOKEN: server.adminToken ?? '',
  };
  const course = join(work, 'course.yaml');
  await writeFile(course, 'course:\n  id: esc\n  title: Terminal safety\nassignments:\n  - id: a1\n    title: Echo\n    parts:\n      - id: echo\n        points: 1\n');
  for (const args of [['apply', course], ['upload', testImage('echo-payload'), 'esc', 'a1', 'echo'], ['publish', 'esc', 'a1']]) {
    const result = await gradebox(args);
    if (result.code !== 0) throw new Error(`gradebox ${args.join(' ')} failed (${String(result.code)}): ${result.stderr}`);
  }
  await mkdir(join(work, 'payload'));
  for (const [name, text] of Object.entries(payloadSubmissionFiles(PAYLOAD))) await writeFile(join(work, 'payload', name), text);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

asRoot('the server commands print a grader\'s text inertly', () => {
  let submissionId: string;

  it('submit --wait: feedback and test names shown with visible stand-ins', async () => {
    const result = await gradebox(['submit', 'esc', 'a1', join(work, 'payload'), '--wait', '--timeout', '120'], 150_000);
    expect(result.code, result.stderr).toBe(0);
    expectInert(result, 'submit --wait');
    const [id, ...rest] = result.stdout.split('\n');
    submissionId = id ?? '';
    expect(rest.join('\n')).toBe(`echo  graded 0% (0/1 points)\n  feedback ${SHOWN}\n  ✗ name ${SHOWN} 0/1\n`);
    expectEveryAttackShown(result.stdout, '  feedback ');
  });

  it('submission ID: the same; --json keeps the exact text', async () => {
    const shown = await gradebox(['submission', submissionId]);
    expect(shown.code, shown.stderr).toBe(0);
    expectInert(shown, 'submission');
    expect(shown.stdout).toBe(`echo  graded 0% (0/1 points)\n  feedback ${SHOWN}\n  ✗ name ${SHOWN} 0/1\n`);

    const json = await gradebox(['submission', submissionId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const result = (JSON.parse(json.stdout) as Submission).parts[0]?.result as PartResult;
    expect(result.feedback.text).toBe(`feedback ${PAYLOAD}`);
    expect(result.tests.map((t) => [t.name, t.output])).toEqual([[`name ${PAYLOAD}`, `output ${PAYLOAD}`]]);
    expect(result.full?.output.stdout.text).toBe(`stdout ${PAYLOAD}\n`);
    expect(result.full?.output.stderr.text).toBe(`stderr ${PAYLOAD}\n`);
  });

  it('grade remote: the comparison and the local result inert; --json keeps both exact', async () => {
    const human = await gradebox(['grade', 'remote', submissionId], 300_000);
    expect(human.code, human.stderr).toBe(0);
    expectInert(human, 'grade remote');
    expect(human.stdout).toContain('same result (status, score and feedback)');
    expect(human.stdout).toMatch(/^feedback +feedback .{10,}… +feedback .{10,}…$/m); // the table's first-line cells
    expectEveryAttackShown(human.stdout, 'Feedback (text):\n  feedback ');
    expect(human.stdout).toContain(`  ✗ name ${SHOWN} 0/1\n      output ${SHOWN}\n`);
    expect(human.stdout).toContain(`  stdout ${SHOWN}\n`);
    expect(human.stdout).toContain(`  stderr ${SHOWN}\n`);

    const json = await gradebox(['grade', 'remote', submissionId, '--json'], 300_000);
    expect(json.code, json.stderr).toBe(0);
    const [part] = (JSON.parse(json.stdout) as { parts: Array<{ stored: PartResult; local: GradeResult }> }).parts;
    expect(part?.stored.feedback.text).toBe(`feedback ${PAYLOAD}`);
    expect(part?.local.feedback.text).toBe(`feedback ${PAYLOAD}`);
    expect(part?.local.output.stdout.text).toBe(`stdout ${PAYLOAD}\n`);
  });
});
