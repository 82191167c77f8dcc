import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MountEntry } from './mountinfo.ts';

/** Every run's cgroup lives in this parent, in every hierarchy: `/gradebox/<run id>`. */
export const CGROUP_PARENT = 'gradebox';

interface Hierarchy {
  mountPoint: string;
  version: 1 | 2;
  controllers: string[];
}

/** What the cgroups of a finished run recorded. */
export interface CgroupUsage {
  cpuMs: number;
  peakMemoryBytes: number;
  oomKills: number;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads `key value` lines (memory.events, cpu.stat, memory.oom_control) into numbers. */
function keyed(text: string | undefined, key: string): number {
  const match = text?.match(new RegExp(`^${key} (\\d+)$`, 'm'));
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

function v2Controllers(mountPoint: string): string[] {
  try {
    // Synchronous on purpose: read once, when the sandbox starts.
    return readFileSync(join(mountPoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
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

  /** The `linux.cgroupsPath` for a run. */
  cgroupsPath(name: string): string {
    return `/${CGROUP_PARENT}/${name}`;
  }

  /** Whether memory+swap can be limited (v1 needs swap accounting; runc skips it gracefully on v2). */
  get swapLimit(): boolean {
    const memory = this.find('memory');
    if (memory === undefined) return false;
    return memory.version === 2 || existsSync(join(memory.mountPoint, 'memory.memsw.limit_in_bytes'));
  }

  /** Reads CPU time, peak memory and OOM kills of a stopped but not yet deleted run. */
  async usage(name: string): Promise<CgroupUsage> {
    const memory = this.find('memory');
    const cpuacct = this.hierarchies.find((h) => h.version === 1 && h.controllers.includes('cpuacct'));
    const file = (h: Hierarchy | undefined, leaf: string): Promise<string | undefined> =>
      h === undefined ? Promise.resolve(undefined) : readText(join(h.mountPoint, CGROUP_PARENT, name, leaf));
    const v1 = memory?.version === 1;
    const [peak, events, cpu] = await Promise.all([
      file(memory, v1 ? 'memory.max_usage_in_bytes' : 'memory.peak'),
      file(memory, v1 ? 'memory.oom_control' : 'memory.events'),
      cpuacct !== undefined ? file(cpuacct, 'cpuacct.usage') : file(this.unified, 'cpu.stat'),
    ]);
    // cpuacct.usage is in nanoseconds, cgroup v2's usage_usec in microseconds.
    const cpuMs = cpuacct !== undefined ? Number(cpu ?? 0) / 1e6 : keyed(cpu, 'usage_usec') / 1e3;
    return { cpuMs: Math.round(cpuMs) || 0, peakMemoryBytes: Number(peak ?? 0) || 0, oomKills: keyed(events, 'oom_kill') };
  }

  /** Pids still in the run's cgroup. */
  async pids(name: string): Promise<number[]> {
    const h = this.find('pids') ?? this.unified ?? this.hierarchies[0];
    if (h === undefined) return [];
    const text = await readText(join(h.mountPoint, CGROUP_PARENT, name, 'cgroup.procs'));
    return (text ?? '').split('\n').filter(Boolean).map(Number);
  }

  /**
   * SIGKILLs every process in the run's cgroup, stopped ones and those that left their process
   * group or session included. Uses `cgroup.kill` where the kernel has it (5.14+; hybrid hosts
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

  /** Removes the run's cgroups from every hierarchy, killing anything still inside first. */
  async remove(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const busy: string[] = [];
      await Promise.all(this.hierarchies.map(async (h) => {
        const dir = join(h.mountPoint, CGROUP_PARENT, name);
        try {
          await rmdir(dir);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT') busy.push(`${dir}: ${code ?? String(error)}`);
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
