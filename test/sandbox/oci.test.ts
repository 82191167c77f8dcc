import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupLayout } from '../../src/sandbox/oci/cgroups.ts';
import { readMounts } from '../../src/sandbox/oci/mountinfo.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import { SandboxError } from '../../src/sandbox/sandbox.ts';
import { busyboxRootfs } from '../support/busybox-rootfs.ts';
import { snapshotLeftovers, type LeftoverScope } from '../support/leftovers.ts';
import { makeSpec, sh } from './cases/context.ts';
import { defineSandboxSuite } from './sandbox.case.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'gradebox-oci-'));
const scope: LeftoverScope = { stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs', 'trial'] };
const leftovers = (): Promise<string[]> => snapshotLeftovers(scope);
const sandbox = new OciSandbox({ stateDir });

defineSandboxSuite('oci', async () => sandbox, { leftovers });
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('oci backend', () => {
  it('refuses crun on a hybrid cgroup host, with the fix in the hint', async () => {
    const layout = new CgroupLayout(await readMounts());
    if (layout.mode !== 'hybrid') return;
    const crun = new OciSandbox({ stateDir, runtime: 'crun' });
    const error: unknown = await crun.run(makeSpec({ id: 'x', rootfs: await busyboxRootfs() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).message).toMatch(/crun/);
    expect((error as SandboxError).hint).toMatch(/apt-get install runc/);
    expect(await leftovers()).toEqual([]);
  });

  it('cleanupStale removes what a supervisor killed with SIGKILL left behind', async () => {
    const before = await leftovers();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), stateDir, await busyboxRootfs()], { stdio: 'inherit' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      // Wait until the run is really going: its processes are in its cgroup.
      for (let i = 0; i < 200 && !(await leftovers()).some((item) => item.includes('sleep 600') && item.includes('[in a run cgroup]')); i++) await sleep(50);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const stranded = await leftovers();
    for (const kind of ['process', 'mount', 'cgroup', 'state runc/', 'state runs/']) {
      expect(stranded.some((item) => item.startsWith(kind)), `${kind} stranded`).toBe(true);
    }
    await sandbox.cleanupStale();
    expect(await leftovers()).toEqual(before);
  });

  // The host's own root filesystem stands in for a Python image (read-only lower layer).
  const python = existsSync('/usr/bin/python3') ? it : it.skip;

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
    const outcome = await sandbox.run(makeSpec({ id: 'host', rootfs: '/' }, { argv: ['/usr/bin/python3', '-c', script], limits: { pids: 64 } }));
    expect(outcome.stderr.text).toBe('');
    expect(outcome.stdout.text).toBe('thread\nsubprocess\nsocket\nasyncio\n3\ntempfile\n');
  });

  python('contains a thread bomb with the pids limit', async () => {
    const script = 'import threading, time\nn = 0\ntry:\n  while True:\n    threading.Thread(target=time.sleep, args=(600,), daemon=True).start(); n += 1\nexcept RuntimeError:\n  print(n)';
    const outcome = await sandbox.run(makeSpec({ id: 'host', rootfs: '/' }, { argv: ['/usr/bin/python3', '-c', script], limits: { pids: 32 } }));
    expect(outcome.reason).toBe('exited');
    expect(Number(outcome.stdout.text)).toBeLessThan(32);
    expect(Number(outcome.stdout.text)).toBeGreaterThan(20);
  });

  it('finishes a trivial run with little overhead over the runtime itself', async () => {
    // Not a benchmark (see test/sandbox/measure-overhead.ts); catches an accidental slow path.
    const walls: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await sandbox.run(makeSpec({ id: 'x', rootfs: await busyboxRootfs() }, { argv: sh('exit 0') }));
      walls.push(performance.now() - started);
    }
    expect(Math.min(...walls)).toBeLessThan(500);
  });
});
