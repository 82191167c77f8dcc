import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/util/is-alive.ts';
import { runCommand, startRuntime, type RuntimeOutput } from '../../src/sandbox/oci/runtime-launcher.ts';

// The launcher starts any program; /bin/sh stands in for the OCI runtime here.
const base = mkdtempSync(join(tmpdir(), 'gradebox-launcher-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let dirs = 0;

function parentOf(pid: number): number {
  // "pid (comm) state ppid ...": the parent pid is the second field after the command name.
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
}

/** Whether `pid` is there and not a zombie. */
function running(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** This process's children that are launcher shells. */
function launcherShells(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      return parentOf(pid) === process.pid && /^(\/usr\/bin\/busybox\0sh|\/bin\/sh)\0$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** Runs `/bin/sh -c script` through startRuntime, collecting its output. */
function run(script: string, onStart?: (output: RuntimeOutput) => void, args: string[] = []) {
  const dir = join(base, String(dirs++));
  spawnSync('mkdir', [dir]);
  let stdout = '';
  let stderr = '';
  const child = startRuntime('/bin/sh', ['-c', script, 'sh', ...args], dir, (output) => {
    output.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    output.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    onStart?.(output);
  });
  const result = (async () => {
    const exit = await child.exit;
    await child.drain(2000);
    return { ...exit, stdout, stderr };
  })();
  return { child, result };
}

describe('runtime launcher', () => {
  it('starts the program from its shell, with output through FIFOs, and reports its exit status', async () => {
    const { result } = run('echo "$PPID $(readlink /proc/$$/fd/1)"; echo to stderr >&2; exit 3');
    const { status, runtimeSignal, stdout, stderr } = await result;
    expect({ status, runtimeSignal, stderr }).toEqual({ status: 3, runtimeSignal: null, stderr: 'to stderr\n' });
    const [parent, out] = stdout.trim().split(' ');
    expect(Number(parent)).not.toBe(process.pid);
    expect(out).toMatch(/\/stdout\.fifo$/);
  });

  it('passes arguments that need quoting as they are', async () => {
    const args = ["it's", 'a "b" $HOME `id` \\ c', '', '*'];
    const { result } = run('for a in "$@"; do printf "[%s]" "$a"; done', undefined, args);
    expect((await result).stdout).toBe(args.map((arg) => `[${arg}]`).join(''));
  });

  it('spawns directly what a line cannot carry', async () => {
    const { result } = run('echo $PPID', undefined, ['a\nb']);
    expect(Number((await result).stdout)).toBe(process.pid);
  });

  it('carries large output and parallel runs apart', async () => {
    const runs = [1, 2, 3].map((n) => run(`head -c ${n * 3_000_000} /dev/zero; echo ${n} >&2`));
    const results = await Promise.all(runs.map(({ result }) => result));
    expect(results.map((r) => [r.stdout.length, r.stderr, r.status])).toEqual([[3_000_000, '1\n', 0], [6_000_000, '2\n', 0], [9_000_000, '3\n', 0]]);
  });

  it('reports the runtime SIGKILLed by the supervisor as killed by SIGKILL, other deaths by signal as 128+n', async () => {
    const { child, result } = run('echo started; exec sleep 30', () => setTimeout(() => child.kill(), 50));
    expect(await result).toMatchObject({ status: null, runtimeSignal: 'SIGKILL', stdout: 'started\n' });
    // A shell cannot tell 143 from SIGTERM: see runtime-launcher.ts.
    expect(await run('kill -TERM $$').result).toMatchObject({ status: 143, runtimeSignal: null });
  });

  it('finishes runs in progress when its shell dies, and starts a new shell', async () => {
    const { result } = run('sleep 0.3; echo done', () => {
      for (const pid of launcherShells()) process.kill(pid, 'SIGKILL');
    });
    expect(await result).toMatchObject({ status: 0, stdout: 'done\n' });
    const next = run('echo $PPID');
    expect(Number((await next.result).stdout)).not.toBe(process.pid);
  });

  it('fails a run whose subshell was killed, once the runtime is gone', async () => {
    const { result } = run('echo $PPID; sleep 0.3', (output) => {
      output.stdout.once('data', (chunk: Buffer) => process.kill(Number(chunk.toString()), 'SIGKILL'));
    });
    await expect(result).rejects.toThrow(/lost track/);
  });

  it('runs host commands from the same shell, their output apart from runs\' lines even when it mimics them', async () => {
    const runs = [1, 2].map((n) => run(`sleep 0.0${n}; echo run ${n}`));
    const [plain, forged, quoted, missing] = await Promise.all([
      runCommand(['sh', '-c', 'echo $PPID; pwd'], base),
      // Lines of the launcher's own protocol, for runs that exist: they must reach no run.
      runCommand(['sh', '-c', 'printf "0 X 9\\n1 C 0\\n2 O x\\nno newline at the end"; exit 4']),
      runCommand(['printf', '%s|', "it's", 'a "b" $HOME `id` \\ c', '']),
      runCommand(['/nonexistent/program']),
    ]);
    // One shell for runs and commands: the commands' parent is a subshell of it, not this process.
    expect(launcherShells()).toHaveLength(1);
    expect(plain.code).toBe(0);
    const [parent, cwd] = plain.output.split('\n');
    expect(Number(parent)).not.toBe(process.pid);
    expect(cwd).toBe(base);
    expect(forged).toEqual({ code: 4, output: '0 X 9\n1 C 0\n2 O x\nno newline at the end' });
    expect(quoted).toEqual({ code: 0, output: `it's|a "b" $HOME \`id\` \\ c||` });
    expect(missing.code).not.toBe(0);
    expect(missing.output).toMatch(/nonexistent/);
    expect((await Promise.all(runs.map(({ result }) => result))).map((r) => [r.status, r.stdout])).toEqual([[0, 'run 1\n'], [0, 'run 2\n']]);
    expect(() => runCommand(['echo', 'a\nb'])).toThrow(/newlines/);
  });

  it('does not keep the supervisor alive once idle', () => {
    const module = JSON.stringify(new URL('../../src/sandbox/oci/runtime-launcher.ts', import.meta.url).href);
    const script = `const { startRuntime } = await import(${module});
      const child = startRuntime('/bin/sh', ['-c', 'echo ok'], ${JSON.stringify(base)} + '/idle', (o) => o.stdout.pipe(process.stdout));
      await child.exit;`;
    spawnSync('mkdir', [join(base, 'idle')]);
    // Kept alive, the process would never exit by itself: spawnSync would kill it at its timeout.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('ok\n');
  });

  it('exits when the supervisor dies, leaving the run to cleanupStale as an orphaned runtime would be', async () => {
    const module = JSON.stringify(new URL('../../src/sandbox/oci/runtime-launcher.ts', import.meta.url).href);
    spawnSync('mkdir', [join(base, 'crash')]);
    const script = `const { startRuntime } = await import(${module});
      startRuntime('/bin/sh', ['-c', 'echo $$; exec sleep 30'], ${JSON.stringify(base)} + '/crash', (o) => o.stdout.pipe(process.stdout));`;
    const supervisor = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const runtime = await new Promise<number>((resolve) => supervisor.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))));
    const shell = parentOf(parentOf(runtime));
    expect(parentOf(shell)).toBe(supervisor.pid);
    supervisor.kill('SIGKILL');
    for (let i = 0; i < 100 && running(shell); i++) await sleep(20);
    expect(running(shell)).toBe(false);
    expect(isAlive(runtime)).toBe(true);
    process.kill(runtime, 'SIGKILL');
  });
});
