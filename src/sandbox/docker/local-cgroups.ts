import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyedValue, readCgroupFile, type CgroupUsage, type Hierarchy } from '../cgroup-files.ts';

export type { CgroupUsage };

/** Parent of every run's cgroup, in every hierarchy (shared with the oci backend, whose names differ). */
const PARENT = 'gradebox';

const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * Usage of a docker run from this host's cgroups. The grader container gets `CgroupParent`
 * `/gradebox/<run>`, so Docker puts it in `/gradebox/<run>/<container id>`; runc removes that leaf
 * as the container ends, but the parent's hierarchical counters (CPU time, peak memory) outlive it
 * until we read them and remove the parent.
 *
 * The kernel charges a new memory cgroup's per-CPU data (256 KiB here) to its parent, so the
 * parent's peak would exceed the run's limit by that much. `prepare` therefore creates the memory
 * leaf itself before the container starts (runc reuses it) and notes the parent's usage then: the
 * baseline subtracted from the peak.
 */
export class LocalCgroups {
  readonly #hierarchies: Hierarchy[];

  private constructor(hierarchies: Hierarchy[]) {
    this.#hierarchies = hierarchies;
  }

  /** This host's cgroup hierarchies (v1, v2 or hybrid), from /proc/self/mountinfo. */
  static async detect(): Promise<LocalCgroups> {
    const hierarchies: Hierarchy[] = [];
    for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
      const fields = line.split(' ');
      const dash = fields.indexOf('-');
      const fsType = fields[dash + 1];
      if (dash < 6 || fields[3] !== '/' || (fsType !== 'cgroup' && fsType !== 'cgroup2')) continue;
      const mountPoint = unescape(fields[4] ?? '');
      const controllers = fsType === 'cgroup2'
        ? ((await readCgroupFile(join(mountPoint, 'cgroup.controllers'))) ?? '').trim().split(/\s+/).filter(Boolean)
        : (fields[dash + 3] ?? '').split(',').filter((o) => o !== 'rw' && o !== 'ro');
      hierarchies.push({ mountPoint, version: fsType === 'cgroup2' ? 2 : 1, controllers });
    }
    return new LocalCgroups(hierarchies);
  }

  /** The `CgroupParent` of run `name`'s grader container. */
  cgroupParent(name: string): string {
    return `/${PARENT}/${name}`;
  }

  #find(controller: string): Hierarchy | undefined {
    return this.#hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller))
      ?? this.#hierarchies.find((h) => h.version === 2 && h.controllers.includes(controller));
  }

  #dir(h: Hierarchy, name: string): string {
    return join(h.mountPoint, PARENT, name);
  }

  /**
   * Creates the grader's memory cgroup ahead of Docker (see the class comment) and returns the
   * baseline to subtract from the parent's peak. Best effort: on failure the baseline is 0.
   */
  async prepare(name: string, containerId: string): Promise<number> {
    const memory = this.#find('memory');
    if (memory === undefined) return 0;
    const dir = this.#dir(memory, name);
    try {
      await mkdir(dir, { recursive: true });
      if (memory.version === 2) {
        // The leaf is a memory cgroup only once its ancestors delegate the controller.
        for (const parent of [join(memory.mountPoint, PARENT), dir]) await writeFile(join(parent, 'cgroup.subtree_control'), '+memory');
      }
      await mkdir(join(dir, containerId));
      return Number(await readCgroupFile(join(dir, memory.version === 1 ? 'memory.usage_in_bytes' : 'memory.current'))) || 0;
    } catch {
      return 0;
    }
  }

  /** CPU time, peak memory (less `baseline`) and, on cgroup v2, OOM kills of the finished run. */
  async usage(name: string, baseline: number): Promise<CgroupUsage> {
    const memory = this.#find('memory');
    const cpuacct = this.#hierarchies.find((h) => h.version === 1 && h.controllers.includes('cpuacct'));
    const unified = this.#hierarchies.find((h) => h.version === 2);
    const file = (h: Hierarchy | undefined, leaf: string): Promise<string | undefined> =>
      h === undefined ? Promise.resolve(undefined) : readCgroupFile(join(this.#dir(h, name), leaf));
    const v1 = memory?.version === 1;
    const [peak, events, cpu] = await Promise.all([
      file(memory, v1 ? 'memory.max_usage_in_bytes' : 'memory.peak'),
      v1 ? Promise.resolve(undefined) : file(memory, 'memory.events'),
      cpuacct !== undefined ? file(cpuacct, 'cpuacct.usage') : file(unified, 'cpu.stat'),
    ]);
    // cpuacct.usage is in nanoseconds, cgroup v2's usage_usec in microseconds.
    const cpuMs = cpuacct !== undefined ? Number(cpu ?? 0) / 1e6 : keyedValue(cpu, 'usage_usec') / 1e3;
    return {
      cpuMs: Math.round(cpuMs) || 0,
      peakMemoryBytes: Math.max(0, (Number(peak ?? 0) || 0) - baseline),
      oomKills: keyedValue(events, 'oom_kill'),
    };
  }

  /**
   * Removes run `name`'s cgroups from every hierarchy (runc creates the parent in all of them).
   * Called once the container is removed; a leaf runc has not yet deleted is retried briefly.
   */
  async remove(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const busy: string[] = [];
      await Promise.all(this.#hierarchies.map(async (h) => {
        const dir = this.#dir(h, name);
        const children = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory());
        try {
          for (const child of children) await rmdir(join(dir, child.name));
          await rmdir(dir);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT') busy.push(`${dir}: ${code ?? String(error)}`);
        }
      }));
      if (busy.length === 0) return;
      if (attempt === 50) throw new Error(`cannot remove cgroups: ${busy.join(', ')}`);
      await sleep(attempt < 10 ? 10 : 50);
    }
  }

  /** Run names with a cgroup (in any hierarchy) that start with `prefix`. */
  async list(prefix: string): Promise<string[]> {
    const names = new Set<string>();
    for (const h of this.#hierarchies) {
      for (const entry of await readdir(join(h.mountPoint, PARENT), { withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory() && entry.name.startsWith(prefix)) names.add(entry.name);
      }
    }
    return [...names].sort();
  }
}
