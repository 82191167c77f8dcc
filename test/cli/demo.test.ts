/**
 * The README's Quick start demo (scripts/demo.ts, `npm run demo`) runs end to end: a real server,
 * the real CLI over dist/ (build first), real gradings in the sandbox (root). It must leave
 * nothing behind: no temporary folder, no credentials in the user's own config.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli } from '../support/run-cli.ts';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;
let work: string;

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-demo-test-'));
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

asRoot('npm run demo', () => {
  it('grades the sample submissions through a server, reproduces one, stops the server and cleans up', async () => {
    const config = join(work, 'config');
    const temp = join(work, 'tmp');
    await mkdir(temp);
    const result = await runCli([], {
      command: [process.execPath, join(REPO_ROOT, 'scripts', 'demo.ts')],
      // The user's own config and temporary folder: the demo must use folders of its own inside TMPDIR.
      env: cliEnv({ NO_COLOR: '1', XDG_CONFIG_HOME: config, TMPDIR: temp, GRADEBOX_SERVER: 'http://127.0.0.1:1', GRADEBOX_TOKEN: 'gbx_users_own' }),
      timeoutMs: 240_000,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const { stdout } = result;
    expect(stdout).toMatch(/^\$ gradebox apply examples\/demo-course\.yaml\n/m);
    expect(stdout).toContain('published  hw1  sum v1, tests v1\n');
    // The correct answer, then the half-right one, each graded by both graders.
    expect(stdout).toMatch(/\nsum {2}graded 100% \(10\/10 points\)\n[^]*\ntests {2}graded 100% \(10\/10 points\)\n/);
    expect(stdout).toMatch(/\nsum {2}graded 50% \(5\/10 points\)\n[^]*\ntests {2}graded 60% \(6\/10 points\)\n/);
    // grade remote reproduces both parts of the second submission.
    expect(stdout.match(/same result \(status, score and feedback\)/g)).toHaveLength(2);
    expect(stdout).toContain('the server stopped cleanly (exit 0)\n');
    expect(stdout).toMatch(/Done in \d+ s\. What next/);
    // The tokens were captured, not printed.
    expect(stdout).not.toMatch(/^gbx_/m);
    expect(result.stderr).toContain('the token above is shown only this once');

    await expect(readdir(config)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(temp)).toEqual([]);
  }, 300_000);
});
