import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { liveStateDir } from '../../src/sandbox/oci/live-dir.ts';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';

/** What a sandbox backend under test may leave behind, and where to look for it. */
export interface LeftoverScope {
  /**
   * The backend's state directory: mounts under it or its live state directory (liveStateDir),
   * processes naming either, runtime state in either.
   */
  stateDir: string;
  /** Prefix of the backend's run ids (cgroup names, container ids). */
  idPrefix: string;
  /** Subdirectories of `stateDir` whose entries are per-run state (e.g. `runc`, `runs`). */
  stateSubdirs: string[];
}

/** The state directory and, where it differs, its live state directory. */
const homes = (scope: LeftoverScope): string[] => [...new Set([scope.stateDir, liveStateDir(scope.stateDir)])];

const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

async function processes(scope: LeftoverScope): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const [cgroup, cmdline] = await Promise.all([
      readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => ''),
      readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
    ]);
    const args = cmdline.split('\0').join(' ').trim();
    if (cgroup.includes(`/${scope.idPrefix}`) || homes(scope).some((home) => args.includes(home)) || args.includes(scope.idPrefix)) {
      found.push(`process ${entry}: ${args || '(no command line)'} ${cgroup.includes(scope.idPrefix) ? '[in a run cgroup]' : ''}`.trim());
    }
  }
  return found;
}

async function mounts(scope: LeftoverScope): Promise<string[]> {
  const found: string[] = [];
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 0) continue;
    const point = unescape(fields[4] ?? '');
    const rest = fields.slice(dash + 1).join(' ');
    if (homes(scope).some((home) => point.startsWith(home) || rest.includes(home))) found.push(`mount ${point} (${rest})`);
  }
  return found;
}

async function cgroups(scope: LeftoverScope): Promise<string[]> {
  const found: string[] = [];
  const roots = await readdir('/sys/fs/cgroup', { withFileTypes: true }).catch(() => []);
  // cgroup v2 puts run cgroups right under /sys/fs/cgroup; v1 and hybrid under each hierarchy.
  const parents = ['/sys/fs/cgroup', ...roots.filter((d) => d.isDirectory()).map((d) => join('/sys/fs/cgroup', d.name))];
  for (const parent of parents) {
    for (const dir of [parent, join(parent, 'gradebox')]) {
      for (const name of await readdir(dir).catch(() => [])) {
        if (name.startsWith(scope.idPrefix)) found.push(`cgroup ${join(dir, name)}`);
      }
    }
  }
  return found;
}

async function state(scope: LeftoverScope): Promise<string[]> {
  const found: string[] = [];
  for (const home of homes(scope)) {
    for (const sub of scope.stateSubdirs) {
      for (const name of await readdir(join(home, sub)).catch(() => [])) found.push(`state ${sub}/${name}`);
    }
  }
  return found;
}

/**
 * Everything a backend's runs may leave behind right now: processes in run cgroups or naming the
 * state directory, mounts under it, run cgroups, per-run runtime state. Sorted, for comparing a
 * snapshot before a run with one after it.
 */
export async function snapshotLeftovers(scope: LeftoverScope): Promise<string[]> {
  const all = await Promise.all([processes(scope), mounts(scope), cgroups(scope), state(scope)]);
  return all.flat().sort();
}

/** Items present in `after` but not in `before`. */
export function newLeftovers(before: readonly string[], after: readonly string[]): string[] {
  const old = new Set(before);
  return after.filter((item) => !old.has(item));
}

/**
 * The oci backend's leftover scopes for a gradebox home (`$GRADEBOX_HOME`, whose sandbox state
 * directory is `<home>/sandbox`): anything under the home, and the sandbox's runs wherever they
 * live (its live state directory, see liveStateDir).
 */
export function ociHomeScopes(home: string): LeftoverScope[] {
  const stateDir = join(home, 'sandbox');
  const idPrefix = runIdPrefix(stateDir);
  return [
    { stateDir: home, idPrefix, stateSubdirs: ['sandbox/runc', 'sandbox/crun', 'sandbox/runs', 'sandbox/trial'] },
    { stateDir, idPrefix, stateSubdirs: ['runc', 'crun', 'runs', 'trial'] },
  ];
}
