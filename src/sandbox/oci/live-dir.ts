import { chmodSync, chownSync, lstatSync, mkdirSync, statfsSync, statSync } from 'node:fs';
import { readdir, rmdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { sandboxIdRange } from '../id-range.ts';
import { SandboxError } from '../sandbox.ts';
import { stateTag } from '../state-tag.ts';

/** statfs f_type of tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

/** Whether `path` is on a tmpfs (false when it cannot be looked at). */
export const isTmpfs = (path: string): boolean => {
  try {
    return statfsSync(path).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
};

/**
 * The group of the folders on the way to a run's root filesystem, mode 0710: the runtime prepares
 * the root from inside the run's user namespace, as the run's root, whose host gid is the first
 * of gradebox's range. It may pass through; no host account may (see ../id-range.ts).
 */
export const runsGroup = (): number => sandboxIdRange().base;

/** Gives a folder of ours the owner, group and mode of the folders on the way to runs. */
function makePassable(path: string): void {
  chownSync(path, process.geteuid?.() ?? 0, runsGroup());
  chmodSync(path, 0o710);
}

/**
 * A directory only this user (and the runs' root, see runsGroup) can enter: made so, or found as
 * a real directory (not a link) that this user owns and no one else may enter. /dev/shm is
 * writable by everyone, so someone could have made the name first, as a link to somewhere else
 * or a directory of theirs.
 */
function privateDir(path: string): boolean {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  try {
    const stats = lstatSync(path);
    if (!stats.isDirectory() || stats.uid !== process.geteuid?.() || (stats.mode & 0o027) !== 0) return false;
    if (process.geteuid?.() === 0) makePassable(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the live state directory `live` (if need be) and `path` below it with the folders
 * between, as folders on the way to a run's root (see runsGroup): `live` itself always (it is
 * this sandbox's own), the others when this makes them.
 */
export function makeRunFolders(live: string, path: string): void {
  const parts = relative(live, path).split(sep).filter(Boolean);
  if (parts.includes('..')) throw new RangeError(`${path} is not inside ${live}`);
  mkdirSync(live, { recursive: true, mode: 0o700 });
  if (process.geteuid?.() === 0) makePassable(live);
  let dir = live;
  for (const part of parts) {
    dir = join(dir, part);
    makeRunFolder(dir, true);
  }
}

/**
 * Makes one folder on the way to a run's root; `existing` allows it to be there already. Missing
 * parents are made the same way (something may have tidied an idle live state directory away).
 */
export function makeRunFolder(dir: string, existing = false): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (existing && code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    makeRunFolder(dirname(dir), true);
    mkdirSync(dir, { mode: 0o700 });
  }
  if (process.geteuid?.() === 0) makePassable(dir);
}

/**
 * Throws a SandboxError when the runs' root cannot pass through every folder above `dir` (a
 * state directory kept in a folder only root may enter, such as /root/…): the runtime could not
 * reach the run's root filesystem, and every run would fail with "permission denied".
 */
export function checkRunsCanPass(dir: string): void {
  for (let folder = resolve(dir); ; folder = dirname(folder)) {
    const stats = statSync(folder, { throwIfNoEntry: false });
    if (stats !== undefined && (stats.mode & 0o001) === 0 && !(stats.gid === runsGroup() && (stats.mode & 0o010) !== 0)) {
      throw new SandboxError(
        `runs cannot reach their files under ${dir}: ${folder} (mode ${(stats.mode & 0o777).toString(8)}) lets no one else pass, and runs prepare their root as an unprivileged user`,
        `put the sandbox state directory where every user may pass (e.g. GRADEBOX_HOME under /var/lib), or make /dev/shm a tmpfs so runs live there`,
      );
    }
    if (folder === dirname(folder)) return;
  }
}

const chosen = new Map<string, string>();

/** Where live state directories go, best first; each is used only where its parent is a tmpfs. */
export const LIVE_BASES: readonly string[] = [join('/run', 'gradebox'), join('/dev/shm', `gradebox-${process.geteuid?.() ?? 'user'}`)];

/**
 * Where a sandbox state directory keeps what lives only as long as a run: each run's bundle,
 * output FIFOs and scratch mount point, and the runtime's own state (its `--root`), as runc and
 * crun keep theirs in /run. On a tmpfs, because a run creates and removes some fifteen files
 * there: on disk that is journal and inode work, and on ext4 without a journal each new inode
 * must skip every inode freed in the last five seconds, which at 50 runs/s cost a fifth of the
 * CPU (measured, bench/README.md).
 *
 * The first that works of: the state directory itself if it is on a tmpfs; `<base>/<tag>` for
 * each of `bases` whose parent is a tmpfs and which is this user's own (see privateDir):
 * `/run/gradebox`, the usual case for root, then `/dev/shm/gradebox-<uid>`; else the state
 * directory. `<tag>` is the state directory's tag, as in run ids, so each state directory has
 * its own and a later process finds what an earlier one left. The same answer for the life of
 * the process.
 */
export function liveStateDir(stateDir: string, bases: readonly string[] = LIVE_BASES): string {
  const dir = resolve(stateDir);
  const key = [dir, ...bases].join('\0');
  let live = chosen.get(key);
  if (live === undefined) {
    live = pick(dir, bases);
    chosen.set(key, live);
  }
  return live;
}

function pick(stateDir: string, bases: readonly string[]): string {
  if (isTmpfs(stateDir)) return stateDir;
  for (const base of bases) {
    if (isTmpfs(dirname(base)) && privateDir(base)) return join(base, stateTag(stateDir));
  }
  return stateDir;
}

/**
 * Removes a state directory's live state directory as far as it holds nothing but empty folders
 * (no run in progress, nothing left behind), e.g. when a temporary state directory is thrown
 * away. Folder by folder with rmdir, so whatever a run puts there meanwhile stays (and a run
 * starting later makes its folders again: createBundle and the runtime create them).
 */
export async function removeLiveStateDir(stateDir: string): Promise<void> {
  const live = liveStateDir(stateDir);
  if (live !== resolve(stateDir)) await removeEmptyFolders(live);
}

/** Removes `dir` and the folders below it that are (or become) empty; anything else stays. */
export async function removeEmptyFolders(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await removeEmptyFolders(join(dir, entry.name));
  // Not empty (a file, or a run arrived): it stays.
  await rmdir(dir).catch(() => undefined);
}
