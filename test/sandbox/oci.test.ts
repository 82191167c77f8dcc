import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import type { PreparedImage } from '../../src/sandbox/sandbox.ts';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import type { OciRuntime, RuntimeName } from '../../src/sandbox/oci/runtime.ts';
import { defaultSeccompBpf } from '../../src/sandbox/seccomp-bpf.ts';
import { busyboxRootfs } from '../support/busybox-rootfs.ts';
import { pythonRootfs } from '../support/python-rootfs.ts';
import { snapshotLeftovers, type LeftoverScope } from '../support/leftovers.ts';
import { makeSpec, sh } from './cases/context.ts';
import { defineSandboxSuite } from './sandbox.case.ts';
import { SECCOMP_PROBES, seccompProbeScript } from './seccomp-probe.ts';

const execFileAsync = promisify(execFile);

/** The shortest wall time of `runs` calls of `task`, in ms. */
async function fastestOf(runs: number, task: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await task();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

const stateDirs: string[] = [];
afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

/** A sandbox on its own state directory, with the leftovers check for it. */
function makeSandbox(runtime: 'auto' | RuntimeName): { sandbox: OciSandbox; stateDir: string; leftovers: () => Promise<string[]> } {
  const stateDir = mkdtempSync(join(tmpdir(), `gradebox-oci-${runtime}-`));
  stateDirs.push(stateDir);
  const scope: LeftoverScope = { stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs', 'trial'] };
  return { sandbox: new OciSandbox({ stateDir, runtime }), stateDir, leftovers: () => snapshotLeftovers(scope) };
}

const pythonImage = async (): Promise<PreparedImage> => ({ id: 'python', rootfs: await pythonRootfs() });

// The whole suite runs once per runtime that works here; one that does not is skipped, saying why.
const usable = new Map<RuntimeName, OciRuntime>();
for (const name of ['crun', 'runc'] as const) {
  const { sandbox, stateDir, leftovers } = makeSandbox(name);
  const runtime = await sandbox.runtime().catch((error: unknown) => (error as Error).message);
  if (typeof runtime === 'string') {
    describe.skip(`oci/${name}: not usable on this host: ${runtime}`, () => {
      it('runs the sandbox suite', () => undefined);
    });
    continue;
  }
  usable.set(name, runtime);
  defineSandboxSuite(`oci/${name}`, async () => sandbox, {
    leftovers,
    python: async () => ({ sandbox, image: await pythonImage() }),
    hostPaths: () => [stateDir, sandbox.liveDir],
  });
  defineRuntimeCases(name, runtime, sandbox, stateDir, leftovers);
}

describe('oci runtime selection', () => {
  it('prefers crun when it works', async () => {
    const { sandbox } = makeSandbox('auto');
    expect((await sandbox.runtime()).name).toBe(usable.has('crun') ? 'crun' : 'runc');
  });

  it.runIf(usable.has('crun'))('drives crun as it proved it can: a precompiled seccomp program', () => {
    const crun = usable.get('crun');
    expect(crun).toMatchObject({ keep: false, seccomp: defaultSeccompBpf() === undefined ? 'oci' : 'bpf' });
  });

  it.runIf(usable.has('runc'))('drives runc with --keep and the OCI seccomp profile', () => {
    expect(usable.get('runc')).toMatchObject({ keep: true, seccomp: 'oci' });
  });
});

function defineRuntimeCases(name: RuntimeName, runtime: OciRuntime, sandbox: OciSandbox, stateDir: string, leftovers: () => Promise<string[]>): void {
  describe(`oci/${name} backend`, () => {
    it('cleanupStale removes what a supervisor killed with SIGKILL left behind', async () => {
      const before = await leftovers();
      const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), 'oci', stateDir, await busyboxRootfs(), name], { stdio: 'inherit' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        // Wait until the run is really going: its processes are in its cgroup.
        for (let i = 0; i < 200 && !(await leftovers()).some((item) => item.includes('sleep 600') && item.includes('[in a run cgroup]')); i++) await sleep(50);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      const stranded = await leftovers();
      for (const kind of ['process', 'mount', 'cgroup', `state ${name}/`, 'state runs/']) {
        expect(stranded.some((item) => item.startsWith(kind)), `${kind} stranded`).toBe(true);
      }
      expect(stranded.some((item) => item.startsWith('mount') && item.includes('overlay'))).toBe(true);
      await sandbox.cleanupStale();
      expect(await leftovers()).toEqual(before);
    });

    const python = it;

    python('runs Python under the default seccomp profile', async () => {
      const script = [
        'import asyncio, json, multiprocessing, socket, subprocess, tempfile, threading',
        't = threading.Thread(target=print, args=("thread",)); t.start(); t.join()',
        'print(subprocess.run(["/bin/echo", "subprocess"], capture_output=True, text=True).stdout.strip())',
        's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); socket.create_connection(s.getsockname()).close(); print("socket")',
        'print(asyncio.run(asyncio.sleep(0, "asyncio")))',
        'with multiprocessing.Pool(2) as pool: print(sum(pool.map(abs, [-1, -2])))',
        'with tempfile.NamedTemporaryFile() as f: print("tempfile")',
      ].join('\n');
      const outcome = await sandbox.run(makeSpec({ id: 'python', rootfs: await pythonRootfs() }, { argv: ['/usr/bin/python3', '-c', script], limits: { pids: 64 } }));
      expect(outcome.stderr.text).toBe('');
      expect(outcome.stdout.text).toBe('thread\nsubprocess\nsocket\nasyncio\n3\ntempfile\n');
    });

    (process.arch === 'x64' ? it : it.skip)('refuses what the seccomp profile refuses, with its errno, and kills x32 calls', async () => {
      const outcome = await sandbox.run(makeSpec({ id: 'python', rootfs: await pythonRootfs() }, { argv: ['/usr/bin/python3', '-c', seccompProbeScript()] }));
      const results = Object.fromEntries(outcome.stdout.text.trim().split('\n').map((line) => [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)]));
      expect(results).toEqual(Object.fromEntries(Object.entries(SECCOMP_PROBES).map(([probe, [, , expected]]) => [probe, expected])));
      expect(outcome).toMatchObject({ reason: 'exited', signal: 'SIGSYS' });
    });

    python('contains a thread bomb with the pids limit', async () => {
      const script = 'import threading, time\nn = 0\ntry:\n  while True:\n    threading.Thread(target=time.sleep, args=(600,), daemon=True).start(); n += 1\nexcept RuntimeError:\n  print(n)';
      const outcome = await sandbox.run(makeSpec({ id: 'python', rootfs: await pythonRootfs() }, { argv: ['/usr/bin/python3', '-c', script], limits: { pids: 32 } }));
      expect(outcome.reason).toBe('exited');
      expect(Number(outcome.stdout.text)).toBeLessThan(32);
      expect(Number(outcome.stdout.text)).toBeGreaterThan(20);
    });

    it.runIf(process.geteuid?.() === 0)("keeps host accounts out of a running run's files: bundle, scratch space, overlay", async () => {
      const running = sandbox.run(makeSpec({ id: 'x', rootfs: await busyboxRootfs() }, { argv: sh('echo secret > /shared/answer; sleep 2') }));
      const runs = join(sandbox.liveDir, 'runs');
      let id: string | undefined;
      for (let i = 0; i < 100 && id === undefined; i++) {
        await sleep(20);
        id = readdirSync(runs)[0];
      }
      const run = join(runs, id ?? 'none');
      const probe = spawnSync('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', '--', '/bin/sh', '-c', `
        ls ${sandbox.liveDir} >/dev/null 2>&1 && echo LIVE-LISTED
        ls ${run} >/dev/null 2>&1 && echo RUN-LISTED
        cat ${run}/config.json >/dev/null 2>&1 && echo CONFIG-READ
        ls ${run}/scratch/rootfs >/dev/null 2>&1 && echo ROOT-LISTED
        cat ${run}/scratch/vol/0/answer 2>/dev/null && echo ANSWER-READ
        echo done`], { encoding: 'utf8' });
      expect(probe.stdout).toBe('done\n');
      expect(await running).toMatchObject({ reason: 'exited', exitCode: 0 });
    });

    it('finishes a trivial run with little overhead over the runtime itself', async () => {
      // Not a benchmark (see test/sandbox/measure-overhead.ts); catches an accidental slow path.
      // Measured against the runtime alone running the same program on a bare bundle, in the same
      // test, so a slower machine slows both.
      const rootfs = await busyboxRootfs();
      const bare = mkdtempSync(join(tmpdir(), `gradebox-bare-${name}-`));
      try {
        const bundle = join(bare, 'bundle');
        await execFileAsync('mkdir', [bundle]);
        await execFileAsync(runtime.path, ['spec', '--bundle', bundle]);
        const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { terminal: boolean; args: string[] }; root: unknown };
        writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...config, process: { ...config.process, terminal: false, args: sh('exit 0') }, root: { path: rootfs, readonly: true } }));
        let n = 0;
        const runtimeAlone = await fastestOf(5, () => execFileAsync(runtime.path, ['--root', join(bare, 'state'), 'run', '--bundle', bundle, `bare-${process.pid}-${n++}`]));
        const sandboxed = await fastestOf(5, () => sandbox.run(makeSpec({ id: 'x', rootfs }, { argv: sh('exit 0') })));
        expect(sandboxed).toBeLessThan(4 * runtimeAlone + 100);
      } finally {
        rmSync(bare, { recursive: true, force: true });
      }
    });
  });
}
