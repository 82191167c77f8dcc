/** `gradebox users password` (password from a pipe) and `gradebox users invite`, against a real server. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, cliEnv } from '../support/run-cli.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { WebClient } from './web-client.ts';

let t: TestServer;
let work: string;

/** Runs the built CLI with `input` on its stdin (a pipe, as in scripts). */
function gradebox(args: string[], input: string, token: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'gradebox.js'), ...args], {
    env: cliEnv({ GRADEBOX_SERVER: t.url, GRADEBOX_TOKEN: token, GRADEBOX_HOME: join(work, 'home'), XDG_CONFIG_HOME: join(work, 'config'), NO_COLOR: '1' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-web-cli-'));
  t = await startTestServer();
  const course = { course: { id: 'c1', title: 'C1' }, members: [{ login: 'ines', role: 'instructor' }, { login: 'sam', role: 'student' }], assignments: [] };
  expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await rm(work, { recursive: true, force: true });
});

describe('gradebox users password and invite', () => {
  it('sets a password read from stdin, never from the command line', async () => {
    const set = await gradebox(['users', 'password', 'sam'], 'a piped passphrase\n', t.adminToken);
    expect(set).toMatchObject({ code: 0 });
    expect(set.stdout).toContain('web password of sam set');
    expect((await new WebClient(t.url).signIn('sam', 'a piped passphrase')).status).toBe(303);
    const short = await gradebox(['users', 'password', 'sam'], 'short\n', t.adminToken);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 10 characters');
  });

  it('refuses non-admins, and prints an invitation link for instructors', async () => {
    const ines = await t.tokenFor('ines', ['read', 'manage']);
    const refused = await gradebox(['users', 'password', 'sam'], 'a piped passphrase\n', ines);
    expect(refused.code).toBe(1);
    const invited = await gradebox(['users', 'invite', 'sam', '--hours', '2', '--json'], '', ines);
    expect(invited.code).toBe(0);
    const { url } = JSON.parse(invited.stdout) as { url: string };
    expect(url.startsWith(`${t.url}/invitations/`)).toBe(true);
    expect((await new WebClient(t.url).get(new URL(url).pathname)).status).toBe(200);
  });
});
