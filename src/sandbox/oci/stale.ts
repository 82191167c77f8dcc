import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CgroupLayout } from './cgroups.ts';
import { execFile } from './exec-file.ts';
import { readMounts } from './mountinfo.ts';
import { activeRuns, runIdPrefix, runOwner } from './run-id.ts';
import { isAlive } from '../../util/is-alive.ts';
import { runtimeRoot } from './run-bundle.ts';
import type { OciRuntime, RuntimeName } from './runtime.ts';
import { unmountBelow } from './scratch.ts';
import { liveStateDir } from './live-dir.ts';

export interface StaleContext {
  stateDir: string;
  runtime: OciRuntime;
  cgroups: CgroupLayout;
}

const RUNTIMES: RuntimeName[] = ['runc', 'crun'];

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** Pids of processes with `id` as a whole argument: the dead supervisor's orphaned `runc run`. */
async function processesNaming(id: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await names('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(id)) pids.push(Number(entry));
  }
  return pids;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await sleep(20);
}

/**
 * Removes what supervisors killed with SIGKILL left behind for this state directory (in its live
 * state directory, and in itself, where older versions kept runs): running or
 * stopped containers and their orphaned runtime processes, cgroups, scratch mounts and trial
 * bundles. A run is stale when the supervisor pid in its id is dead (or is this process, and the
 * run is not in progress here), so several live supervisors may share one state directory.
 */
export async function cleanupStaleRuns(context: StaleContext): Promise<void> {
  const { stateDir, runtime, cgroups } = context;
  const prefix = runIdPrefix(stateDir);
  // The live state directory, and the state directory itself where older versions kept runs.
  const homes = [...new Set([liveStateDir(stateDir), stateDir])];
  const runDirs = homes.flatMap((home) => [join(home, 'runs'), join(home, 'trial')]);
  const roots = homes.flatMap((home) => RUNTIMES.map((name) => ({ name, root: runtimeRoot(home, name) })));
  const found = new Set<string>([
    ...(await Promise.all([...runDirs, ...roots.map((r) => r.root)].map(names))).flat(),
    ...await cgroups.list(prefix),
  ]);
  for (const mount of await readMounts()) {
    for (const dir of runDirs) {
      if (mount.mountPoint.startsWith(`${dir}/`)) found.add(mount.mountPoint.slice(dir.length + 1).split('/')[0] ?? '');
    }
  }
  const stale = [...found].filter((id) => {
    if (!id.startsWith(prefix) || activeRuns.has(id)) return false;
    const owner = runOwner(id);
    return owner === undefined || owner === process.pid || !isAlive(owner);
  });

  for (const id of stale) {
    // Kill first: with the init gone the pid namespace empties and the runtime process exits.
    await cgroups.kill(id);
    await until(async () => (await cgroups.pids(id)).length === 0, 5000);
    for (const pid of await processesNaming(id)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    await until(async () => (await processesNaming(id)).length === 0, 5000);
    for (const { name, root } of roots) {
      if (!(await names(root)).includes(id)) continue;
      if (name === runtime.name) await execFile(runtime.path, ['--root', root, 'delete', '--force', id]);
      await rm(join(root, id), { recursive: true, force: true });
    }
    await cgroups.remove(id);
    for (const dir of runDirs.map((parent) => join(parent, id))) {
      await unmountBelow(dir);
      await rm(dir, { recursive: true, force: true });
    }
  }
}
