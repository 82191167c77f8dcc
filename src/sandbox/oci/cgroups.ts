import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyedValue, readCgroupFile, readCgroupFileSync, type CgroupUsage, type Hierarchy } from '../cgroup-files.ts';
import type { MountEntry } from './mountinfo.ts';

export type { CgroupUsage };

/** Every run's cgroup lives in this parent, in every hierarchy: `/gradebox/<run id>`. */
export const CGROUP_PARENT = 'gradebox';
/**
 * The runtime's cgroup below the run's own, for runtimes that remove their cgroup when the
 * container ends (crun 1.8 has no `run --keep`): the run's cgroup outlives it, and its
 * hierarchical counters (CPU time, peak memory) still hold the run's usage afterwards.
 */
const NESTED_LEAF = 'run';

/** Pids in cgroup `dir` and in the cgroups below it. */
async function procsBelow(dir: string): Promise<number[]> {
  const text = await readCgroupFile(join(dir, 'cgroup.procs'));
  if (text === undefined) return [];
  const children = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory());
  const nested = await Promise.all(children.map((child) => procsBelow(join(dir, child.name))));
  return [...text.split('\n').filter(Boolean).map(Number), ...nested.flat()];
}

/** Removes cgroup `dir`; one rmdir unless cgroups below it are left, which go first. */
async function removeTree(dir: string): Promise<void> {
  try {
    await rmdir(dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    const children = code === 'EBUSY' || code === 'ENOTEMPTY'
      ? (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory())
      : [];
    if (children.length === 0) throw error;
    for (const child of children) await removeTree(join(dir, child.name));
  }
  await rmdir(dir);
}

function v2Controllers(mountPoint: string): string[] {
  try {
    // Synchronous on purpose: read once, when the sandbox starts.
    // An empty file (hybrid hosts) means no controllers, not one named "".
    return readFileSync(join(mountPoint, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The host's cgroup hierarchies as runc sees them: cgroup v1 (one hierarchy per controller),
 * cgroup v2 (one unified hierarchy) or hybrid (v1 controllers plus an empty v2 hierarchy, as on
 * Debian hosts booted with systemd's hybrid mode). Reads usage from whichever hierarchy carries
 * each controller, kills, lists and removes run cgroups.
 */
export class CgroupLayout {
  readonly hierarchies: Hierarchy[];
  #swapLimit: boolean | undefined;

  constructor(mounts: readonly MountEntry[]) {
    this.hierarchies = mounts
      .filter((m) => (m.fsType === 'cgroup' || m.fsType === 'cgroup2') && m.root === '/')
      .map((m) => ({
        mountPoint: m.mountPoint,
        version: m.fsType === 'cgroup2' ? (2 as const) : (1 as const),
        controllers: m.fsType === 'cgroup2' ? v2Controllers(m.mountPoint) : m.superOptions.filter((o) => o !== 'rw' && o !== 'ro'),
      }));
  }

  get mode(): 'v1' | 'v2' | 'hybrid' {
    const v1 = this.hierarchies.some((h) => h.version === 1);
    const v2 = this.hierarchies.some((h) => h.version === 2);
    return v1 && v2 ? 'hybrid' : v2 ? 'v2' : 'v1';
  }

  private find(controller: string): Hierarchy | undefined {
    return this.hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller))
      ?? this.hierarchies.find((h) => h.version === 2 && h.controllers.includes(controller));
  }

  private get unified(): Hierarchy | undefined {
    return this.hierarchies.find((h) => h.version === 2);
  }

  /** The `linux.cgroupsPath` for a run: its own cgroup, or one below it (see NESTED_LEAF). */
  cgroupsPath(name: string, nested = false): string {
    return nested ? `/${CGROUP_PARENT}/${name}/${NESTED_LEAF}` : `/${CGROUP_PARENT}/${name}`;
  }

  /**
   * Whether memory events stay in the cgroup where they happen (cgroup v1, which counts an OOM
   * kill only in the victim's cgroup): a nested run's processes must then live in its own memory
   * cgroup, limited by `createNested`. cgroup v2 counts them in every ancestor too.
   */
  get memoryEventsLocal(): boolean {
    return this.find('memory')?.version === 1;
  }

  /** In the v1 memory hierarchy: a nested run's own cgroup, and the cgroup.procs of the runtime's and of its own. */
  nestedMemory(name: string): { dir: string; from: string; to: string } {
    const memory = this.find('memory');
    if (memory?.version !== 1) throw new Error('nestedMemory is for the cgroup v1 memory controller');
    const dir = join(memory.mountPoint, CGROUP_PARENT, name);
    return { dir, from: join(dir, NESTED_LEAF, 'cgroup.procs'), to: join(dir, 'cgroup.procs') };
  }

  /**
   * Creates a nested run's own cgroup in every hierarchy, so the runtime only has to add its
   * cgroup below (cpuset is left to the runtime, which fills in its CPUs and memory nodes). With
   * `memoryBytes`, also sets the memory (and memory+swap) limit there (v1 only). Synchronous, like
   * the rest of a run's cgroup file work here: cgroupfs lives in memory, and a thread-pool round
   * trip per file (a wake-up on each side) cost more CPU than the call itself.
   */
  createNested(name: string, memoryBytes?: number): void {
    for (const h of this.hierarchies) {
      if (!(h.version === 1 && h.controllers.includes('cpuset'))) mkdirSync(join(h.mountPoint, CGROUP_PARENT, name), { recursive: true });
    }
    if (memoryBytes === undefined) return;
    const memory = this.find('memory');
    if (memory?.version !== 1) throw new Error('a nested run\'s memory limit is set by the supervisor only on cgroup v1');
    const dir = join(memory.mountPoint, CGROUP_PARENT, name);
    // The plain limit first: the kernel refuses a memory+swap limit below it.
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(memoryBytes));
    if (this.swapLimit) writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(memoryBytes));
  }

  /**
   * Whether memory+swap can be limited (v1 needs swap accounting; runc skips it gracefully on v2).
   * Looked up once: swap accounting is a boot option, and every run asks twice.
   */
  get swapLimit(): boolean {
    if (this.#swapLimit === undefined) {
      const memory = this.find('memory');
      this.#swapLimit = memory !== undefined && (memory.version === 2 || existsSync(join(memory.mountPoint, 'memory.memsw.limit_in_bytes')));
    }
    return this.#swapLimit;
  }

  /** Reads CPU time, peak memory and OOM kills of a stopped but not yet deleted run (synchronously, see createNested). */
  usage(name: string): CgroupUsage {
    const memory = this.find('memory');
    const cpuacct = this.hierarchies.find((h) => h.version === 1 && h.controllers.includes('cpuacct'));
    const file = (h: Hierarchy | undefined, leaf: string): string | undefined =>
      h === undefined ? undefined : readCgroupFileSync(join(h.mountPoint, CGROUP_PARENT, name, leaf));
    const v1 = memory?.version === 1;
    const peak = file(memory, v1 ? 'memory.max_usage_in_bytes' : 'memory.peak');
    const events = file(memory, v1 ? 'memory.oom_control' : 'memory.events');
    const cpu = cpuacct !== undefined ? file(cpuacct, 'cpuacct.usage') : file(this.unified, 'cpu.stat');
    // cpuacct.usage is in nanoseconds, cgroup v2's usage_usec in microseconds.
    const cpuMs = cpuacct !== undefined ? Number(cpu ?? 0) / 1e6 : keyedValue(cpu, 'usage_usec') / 1e3;
    return { cpuMs: Math.round(cpuMs) || 0, peakMemoryBytes: Number(peak ?? 0) || 0, oomKills: keyedValue(events, 'oom_kill') };
  }

  /** Pids still in the run's cgroup or below it. */
  async pids(name: string): Promise<number[]> {
    const h = this.find('pids') ?? this.unified ?? this.hierarchies[0];
    return h === undefined ? [] : procsBelow(join(h.mountPoint, CGROUP_PARENT, name));
  }

  /**
   * SIGKILLs every process in the run's cgroup and below it, stopped ones and those that left
   * their process group or session included. Uses `cgroup.kill` where the kernel has it (5.14+; hybrid hosts
   * have it in the unified hierarchy), and also freezes the cgroup and kills each listed pid, so a
   * runtime that did not join the unified hierarchy is covered too. Frozen tasks cannot exit, so
   * no pid can be reused between reading the list and the kill.
   */
  async kill(name: string): Promise<void> {
    const unified = this.unified;
    if (unified !== undefined) {
      await writeFile(join(unified.mountPoint, CGROUP_PARENT, name, 'cgroup.kill'), '1').catch(() => undefined);
    }
    const freezer = this.find('freezer');
    const state = freezer?.version === 1 ? join(freezer.mountPoint, CGROUP_PARENT, name, 'freezer.state') : undefined;
    const frozen = state !== undefined && (await writeFile(state, 'FROZEN').then(() => true, () => false));
    for (const pid of await this.pids(name)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (frozen && state !== undefined) await writeFile(state, 'THAWED').catch(() => undefined);
  }

  /**
   * Removes the run's cgroups (and any below) from every hierarchy, killing anything still inside
   * first. The usual case, empty cgroups of a finished run, is one synchronous rmdir each (see
   * createNested); anything else goes through the kill-and-retry loop.
   */
  async remove(name: string): Promise<void> {
    let left = false;
    for (const h of this.hierarchies) {
      try {
        rmdirSync(join(h.mountPoint, CGROUP_PARENT, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') left = true;
      }
    }
    if (!left) return;
    for (let attempt = 0; ; attempt++) {
      const busy: string[] = [];
      await Promise.all(this.hierarchies.map(async (h) => {
        const dir = join(h.mountPoint, CGROUP_PARENT, name);
        try {
          await removeTree(dir);
        } catch (error) {
          busy.push(`${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
      }));
      if (busy.length === 0) return;
      if (attempt === 50) throw new Error(`cannot remove cgroups: ${busy.join(', ')}`);
      await this.kill(name);
      await sleep(attempt < 10 ? 5 : 50);
    }
  }

  /** Names of run cgroups (in any hierarchy) that start with `prefix`. */
  async list(prefix: string): Promise<string[]> {
    const names = new Set<string>();
    for (const h of this.hierarchies) {
      const entries = await readdir(join(h.mountPoint, CGROUP_PARENT), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) if (entry.isDirectory() && entry.name.startsWith(prefix)) names.add(entry.name);
    }
    return [...names].sort();
  }
}
