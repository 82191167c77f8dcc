/**
 * The README's Quick start demo (scripts/demo.ts, `npm run demo`) runs end to end: a real server,
 * the real CLI over dist/ (build first), real gradings in the sandbox (root). It must leave
 * nothing behind: no temporary folder, no credentials in the user's own config.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, cliEnv, REPO_ROOT, runCli, startCli } from '../support/run-cli.ts';
import { WebClient } from '../web/web-client.ts';

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
    // The browser's way in: the address and both sign-ins, and how to keep the server up.
    expect(stdout).toMatch(/Open http:\/\/127\.0\.0\.1:\d+\/ in a browser and sign in as\n {2}the instructor: {2}login ada {3}password [a-z2-9]{12}\n {2}the student: {5}login alan {2}password [a-z2-9]{12}\n/);
    expect(stdout).toContain('run `npm run demo -- --keep-running` to keep it up');
    expect(stdout).toContain('the server stopped cleanly (exit 0)\n');
    expect(stdout).toMatch(/Done in \d+ s\. What next/);
    // The tokens were captured, not printed.
    expect(stdout).not.toMatch(/^gbx_/m);
    expect(result.stderr).toContain('the token above is shown only this once');

    await expect(readdir(config)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(temp)).toEqual([]);
  }, 300_000);

  it('with --keep-running, stays up for the browser until Ctrl-C, then stops cleanly', async () => {
    const temp = join(work, 'tmp-kept');
    await mkdir(temp);
    const running = startCli(['--keep-running'], {
      command: [process.execPath, join(REPO_ROOT, 'scripts', 'demo.ts')],
      env: cliEnv({ NO_COLOR: '1', XDG_CONFIG_HOME: join(work, 'config-kept'), TMPDIR: temp }),
      timeoutMs: 240_000,
      detached: true,
    });
    let stdout = '';
    running.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await expect.poll(() => stdout, { timeout: 200_000, interval: 250 }).toContain('The server keeps running: press Ctrl-C');
    const url = /Open (http:\/\/[^ ]+)\/ in a browser/.exec(stdout)![1]!;
    for (const [, login = '', password = ''] of stdout.matchAll(/login (\w+) +password (\w+)/g)) {
      const browser = new WebClient(url);
      expect((await browser.signIn(login, password)).status, login).toBe(303);
      expect((await browser.get('/courses/demo')).text).toContain('gradebox demo course');
    }
    // Still up a moment later: nothing but Ctrl-C ends it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    process.kill(-running.child.pid!, 'SIGINT');
    const result = await running.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('the server stopped cleanly (exit 0)\n');
    expect(result.stderr).not.toContain('interrupted');
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    expect(await readdir(temp)).toEqual([]);
  }, 300_000);
});
