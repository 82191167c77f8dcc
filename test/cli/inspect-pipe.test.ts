/**
 * `gradebox inspect` without a terminal (commands piped to the shell), its flags and its errors:
 * the real command (bin/gradebox.js over dist/, so build first) with real images, on the oci
 * backend and, when a daemon answers, the docker backend. The terminal itself is tested with tmux
 * in inspect.test.ts.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testDocker } from '../support/docker-test.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT, type CliResult } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';
import { makeCliHome, type CliHome } from '../support/cli-home.ts';

const GOOD_SUMS = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'sums', 'good');
const MiB = 1024 * 1024;

const daemon = await testDocker();
const docker: Docker | undefined = 'docker' in daemon ? daemon.docker : undefined;
/** The backends sessions run on here, by the `--backend` flag that chooses them. */
const backends = [{ name: 'oci' }, ...(docker !== undefined ? [{ name: 'docker' }] : [])];
if (docker === undefined) describe.skip(`inspect on the docker backend: ${'reason' in daemon ? daemon.reason : ''}`, () => it('runs', () => undefined));

let work: string;
let home: string;
let leftovers: CliHome['leftovers'];

beforeAll(async () => {
  assertBuildIsFresh();
  ({ work, home, leftovers } = await makeCliHome('gradebox-inspect-pipe-test-', docker));
});
afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** Starts `gradebox inspect args…` with `input` on its stdin (a pipe, closed after it). */
function startSession(args: string[], input: string, env: Record<string, string | undefined> = {}): { pid: number; done: Promise<CliResult> } {
  const started = performance.now();
  const child = spawn(process.execPath, [GRADEBOX_BIN, 'inspect', ...args], {
    cwd: REPO_ROOT, env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', ...env }), stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(input);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gradebox inspect ${args.join(' ')} did not exit within 60 s: ${Buffer.concat(err).toString()}`));
    }, 60_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: performance.now() - started });
    });
  });
  return { pid: child.pid ?? 0, done };
}

const inspect = (args: string[], input: string, env?: Record<string, string | undefined>): Promise<CliResult> => startSession(args, input, env).done;

/** startSession and inspect on backend `name` (`--backend name` added). */
function onBackend(name: string): { start: typeof startSession; inspect: typeof inspect } {
  const start = (args: string[], input: string): ReturnType<typeof startSession> => startSession([...args, '--backend', name], input);
  return { start, inspect: (args, input) => start(args, input).done };
}
const MEMORY_LIMIT = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max';

describe.each(backends)('piped commands ($name)', ({ name }) => {
  const { inspect } = onBackend(name);

  it('runs them as uid 1000 and exits with the shell\'s exit code; nothing else on stdout or stderr', async () => {
    const result = await inspect([testImage('coursera-sh')], 'id -u; exit 4\n');
    expect(result).toMatchObject({ code: 4, stdout: '1000\n', stderr: '' });
  });

  it('without -d: the Coursera layout all the same, an empty submission, the image\'s working directory', async () => {
    const result = await inspect([testImage('coursera-sh')], 'pwd; stat -c "%n %u %a" /shared /shared/submission; ls -A /shared/submission | wc -l\n');
    expect(result.stdout).toBe('/grader\n/shared 1000 755\n/shared/submission 1000 755\n0\n');
    expect(result.code).toBe(0);
  });

  it('a Gradescope image: /autograder with an empty submission, writable results and the metadata', async () => {
    const script = 'pwd; ls -A /autograder/submission | wc -l; touch /autograder/results/r && echo RW; cat /autograder/submission_metadata.json\n';
    const result = await inspect([testImage('gradescope-sh')], script);
    expect(result.code, result.stderr).toBe(0);
    const [pwd, count, rw, ...json] = result.stdout.split('\n');
    expect([pwd, count, rw]).toEqual(['/autograder', '0', 'RW']);
    expect(JSON.parse(json.join('\n'))).toMatchObject({ id: 1, users: [{ id: 'local' }] });
  });

  it('-d, --env and --part-id: the environment grading gives (filename from the only file)', async () => {
    const result = await inspect([testImage('coursera-sh'), '-d', GOOD_SUMS, '--env', 'GREETING=hi there', '--part-id', 'p7'],
      'echo "$GREETING|$partId|$userId|$filename|$TERM"; cat /shared/submission/answer.txt | wc -l\n');
    expect(result.stdout).toBe('hi there|p7|local|answer.txt|\n2\n');
  });

  it('bash when the image has it, else sh; --shell takes a path or a name on the image\'s PATH', async () => {
    expect((await inspect([testImage('coursera-py')], 'echo $0\n')).stdout).toBe('/bin/bash\n');
    expect((await inspect([testImage('coursera-sh')], 'echo $0\n')).stdout).toBe('/bin/sh\n');
    expect((await inspect([testImage('coursera-py'), '--shell', '/bin/sh'], 'echo $0\n')).stdout).toBe('/bin/sh\n');
    expect((await inspect([testImage('coursera-py'), '--shell', 'sh'], 'echo $0\n')).stdout).toMatch(/^\/(usr\/)?(local\/)?s?bin\/sh\n$/);
  });
});

describe.each(backends)('isolation and limits ($name)', ({ name }) => {
  const { start, inspect } = onBackend(name);

  it.runIf(name === 'oci')('no network but loopback; --allow-network shares the host\'s, with a warning saying so', async () => {
    const closed = await inspect([testImage('coursera-sh')], 'ls /sys/class/net\n');
    expect(closed).toMatchObject({ code: 0, stdout: 'lo\n', stderr: '' });
    const open = await inspect([testImage('coursera-sh'), '--allow-network'], 'ls /sys/class/net\n');
    expect(open.stdout.split('\n').filter(Boolean).sort()).toEqual(readdirSync('/sys/class/net').sort());
    expect(open.stderr).toMatch(/^warning: --allow-network shares the host's network namespace with the session: .*127\.0\.0\.1\n$/);
  });

  it.runIf(name === 'docker')('no network but loopback; --allow-network gives Docker\'s bridge, no warning', async () => {
    const closed = await inspect([testImage('coursera-sh')], 'ls /sys/class/net\n');
    expect(closed).toMatchObject({ code: 0, stdout: 'lo\n', stderr: '' });
    const open = await inspect([testImage('coursera-sh'), '--allow-network'], 'ls /sys/class/net\n');
    expect(open).toMatchObject({ code: 0, stdout: 'eth0\nlo\n', stderr: '' });
  });

  it.runIf(name === 'docker')('--super-user: root of the session\'s user namespace; it writes to size-limited copies of its places, and a warning says the rest is read-only', async () => {
    const result = await inspect([testImage('coursera-sh'), '--super-user'], 'id -u; grep -c "^CapEff:\t0*[1-9a-f]" /proc/self/status; echo x > /grader/by-root && echo wrote; touch /usr/by-root || echo refused\n');
    expect(result).toMatchObject({ code: 0, stdout: '0\n1\nwrote\nrefused\n' });
    expect(result.stderr).toMatch(/^warning: root on the docker backend writes only to the volumes, \/tmp and size-limited copies of \/autograder, \/etc, .* the rest of the image is read-only/m);
  });

  it('memory: 1024 MiB by default, --memory, --unlimited-memory the host\'s RAM', async () => {
    expect((await inspect([testImage('coursera-sh')], MEMORY_LIMIT)).stdout).toBe(`${1024 * MiB}\n`);
    expect((await inspect([testImage('coursera-sh'), '--memory', '64'], MEMORY_LIMIT)).stdout).toBe(`${64 * MiB}\n`);
    expect((await inspect([testImage('coursera-sh'), '--unlimited-memory'], MEMORY_LIMIT)).stdout).toBe(`${Math.floor(totalmem() / MiB) * MiB}\n`);
  });

  it('a process the memory limit kills is reported; the shell lives on', async () => {
    const result = await inspect([testImage('coursera-sh'), '--memory', '32'], 'tail /dev/zero; echo "tail: $?"\n');
    expect(result.stdout).toBe('tail: 137\n');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^note: the memory limit of 32 MiB killed 1 process\(es\) during the session\n$/m);
  });

  it('the shell itself killed by the memory limit: 137 and the reason', async () => {
    const result = await inspect([testImage('coursera-sh'), '--memory', '32'], 'exec tail /dev/zero\n');
    expect(result.code).toBe(137);
    expect(result.stderr).toMatch(/^error: the shell was killed: the session reached its memory limit of 32 MiB\n/m);
  });

  it('--timeout ends the session (exit 124) and says so', async () => {
    const result = await inspect([testImage('coursera-sh'), '--timeout', '1'], 'sleep 30\n');
    expect(result.code).toBe(124);
    expect(result.stderr).toBe('error: the session reached its --timeout of 1 s and was stopped\n');
    // Stopped at the timeout, not after the shell's `sleep 30` ran out.
    expect(result.ms).toBeLessThan(30_000);
  });

  it('--no-rm keeps the session\'s files and prints where', async () => {
    const result = await inspect([testImage('coursera-sh'), '--no-rm'], 'echo kept > /shared/note\n');
    const kept = /^session files kept at (.+)$/m.exec(result.stderr)?.[1];
    expect(kept, result.stderr).toBeDefined();
    expect(await readFile(join(kept!, 'volumes', 'shared', 'note'), 'utf8')).toBe('kept\n');
  });

  it('SIGTERM to gradebox: the session is killed and cleaned up, exit 143', async () => {
    const running = start([testImage('coursera-sh')], 'sleep 1000\n');
    for (let i = 0; i < 400 && !(await leftovers()).some((item) => item.includes('sleep 1000') && item.includes('[in a run cgroup]')); i++) await sleep(50);
    process.kill(running.pid, 'SIGTERM');
    const result = await running.done;
    expect(result.code).toBe(143);
    expect(result.stderr).toMatch(/SIGTERM received: stopping and cleaning up/);
  });
});

describe('errors', () => {
  let untouched: string;
  beforeAll(async () => {
    untouched = join(work, 'untouched-home');
    await mkdir(untouched);
  });
  const run = (args: string[]): Promise<CliResult> => inspect(args, '', { GRADEBOX_HOME: untouched });

  it.each([
    ['-d that does not exist', ['-d', '/nonexistent/gradebox-no-such-dir'], /^error: submission directory \/nonexistent\/gradebox-no-such-dir does not exist$/m],
    ['-d that is a file', ['-d', join(GOOD_SUMS, 'answer.txt')], /^error: submission .*answer\.txt is not a directory/m],
    ['--shell with a relative path', ['--shell', 'bin/sh'], /^error: --shell takes an absolute path \(\/bin\/sh\) or a command name \(bash\), got "bin\/sh"$/m],
    ['--unlimited-memory with --memory', ['--unlimited-memory', '--memory', '512'], /option '--unlimited-memory' cannot be used with option '--memory <MiB>'/],
    ['--timeout 0', ['--timeout', '0'], /--timeout takes a positive number, got "0"/],
    ['--memory below the sandbox minimum', ['--memory', '5'], /--memory must be at least 6 MiB, got 5/],
  ])('usage error, exit 2, nothing imported: %s', async (_name, options, message) => {
    const result = await run([testImage('coursera-sh'), ...options]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(await readdir(untouched)).toEqual([]);
  });

  it.each([
    ['a missing image', () => [join(work, 'no-such-grader.tar')], /^error: .*no-such-grader\.tar: no such file or directory\n$/],
    ['a --shell the image lacks', () => [testImage('coursera-sh'), '--shell', '/nope'], /^error: the image has no \/nope \(--shell\); choose a shell the image has, e\.g\. \/bin\/sh\n$/],
    ['a --shell name not on the image\'s PATH', () => [testImage('coursera-sh'), '--shell', 'zsh'], /^error: the image has no zsh \(--shell\) on its PATH \(.+\); choose/],
  ])('%s: exit 1 with one message', async (_name, args, message) => {
    const result = await inspect(args(), '');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('--help lists every option README documents for inspect', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## `gradebox inspect`'), readme.indexOf('\n## ', readme.indexOf('## `gradebox inspect`') + 1));
    const documented = [...section.matchAll(/^\| `(-\w, )?(--[a-z-]+)/gm)].map((m) => m[2]);
    expect(documented).toEqual(expect.arrayContaining(['--submission', '--shell', '--super-user', '--unlimited-memory', '--allow-network', '--no-rm', '--protocol', '--timeout']));
    for (const option of documented) expect(result.stdout, option).toMatch(new RegExp(`\\s${option}\\b`));
  });
});
