import type { Stats } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeCrypto } from '../../util/node-crypto.ts';
import { writeFileAtomic } from '../../util/atomic-file.ts';
import { idInRun, OVERFLOW_ID, sandboxIdRange, type IdRange } from '../id-range.ts';
import { SandboxError, type RunUser } from '../sandbox.ts';

/**
 * A directory of the image the run's user could write in, or holding a file it could write; for
 * root, one of the places root may write (see rootPlaces).
 */
export interface WritableSpot {
  /** Absolute container path. */
  path: string;
  /** Bytes its image content takes on a tmpfs (a page per entry plus whole pages of data). */
  footprintBytes: number;
  /**
   * Set when the image has nothing at `path` (root's places only): the run gets an empty, root-owned
   * directory there if it needs one, for a volume, a file or its working directory below it.
   */
  absent?: true;
}

/** One entry of an image directory with the owner and mode the image gives it. */
export interface ImageTreeEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  uid: number;
  gid: number;
  mode: number;
  size: number;
}

/**
 * An image's directories with their true owners and modes: the layers' own headers (the image
 * store's LayerView, as `grade local` passes it), or a root filesystem unpacked by root.
 */
export interface ImageTree {
  /** The root directory's own metadata. */
  root(): Promise<Omit<ImageTreeEntry, 'name'>>;
  /** The children of directory `path` (absolute, reached through directories only). */
  readdir(path: string): Promise<ImageTreeEntry[]>;
}

// The runtime replaces these, and /tmp gets a tmpfs of its own in every run.
const SKIPPED_TOP = new Set(['proc', 'sys', 'dev', 'tmp']);
const PAGE = 4096;
// Part of the cache key: bumped when the rules change, so spots cached by an older gradebox are not reused.
const FORMAT = 'spots-3';

/**
 * Where a run's root may write besides its volumes, /tmp and /dev/shm: tmpfs copies of these
 * directories of the image, and of the top directory of its working directory. The rest of the
 * image is read-only to root (see rootPlaces). They are where graders write: Gradescope's
 * /autograder (source, compiled tests, results), users and groups added to /etc, homes, and
 * the scratch places /run and /var/tmp.
 */
export const ROOT_PLACES: readonly string[] = Object.freeze(['/autograder', '/etc', '/home', '/root', '/run', '/var/tmp']);

const childPath = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/**
 * Whether `user` (no capabilities, no supplementary groups besides its own gid) can write to the
 * file or add entries to the directory. The owner always can: it may chmod itself write access.
 */
function writableBy(entry: Omit<ImageTreeEntry, 'name'>, user: RunUser): boolean {
  if (entry.uid === user.uid) return true;
  if (entry.gid === user.gid) return (entry.mode & 0o020) !== 0;
  return (entry.mode & 0o002) !== 0;
}

async function footprint(tree: ImageTree, dir: string): Promise<number> {
  let total = PAGE;
  for (const entry of await tree.readdir(dir)) {
    total += entry.type === 'directory' ? await footprint(tree, childPath(dir, entry.name)) : PAGE + Math.ceil(entry.size / PAGE) * PAGE;
  }
  return total;
}

/**
 * Finds every place in the image where `user` could write: directories writable by it (the
 * topmost of a writable subtree), and the directory of any regular file it could write (or grow)
 * in a directory it cannot. The docker backend mounts a size-limited tmpfs, filled with the
 * image's content, on each, so no write of the grader reaches Docker's on-disk writable layer,
 * which overlay2 cannot size-limit without xfs project quotas. /proc, /sys, /dev and /tmp are
 * skipped (the runtime and the sandbox replace them). A writable root directory, a writable file
 * directly in it, or a spot whose name did not survive as UTF-8 cannot be covered and is refused.
 */
export async function findWritableSpots(tree: ImageTree, user: RunUser): Promise<WritableSpot[]> {
  const spots: string[] = [];
  // True when `dir` itself must be a spot: it holds a file the user can write.
  const visit = async (dir: string): Promise<boolean> => {
    const entries = await tree.readdir(dir);
    if (entries.some((entry) => entry.type === 'file' && writableBy(entry, user))) return true;
    for (const entry of entries) {
      if (entry.type !== 'directory' || (dir === '/' && SKIPPED_TOP.has(entry.name))) continue;
      const path = childPath(dir, entry.name);
      if (writableBy(entry, user) || (await visit(path))) spots.push(path);
    }
    return false;
  };
  if (writableBy(await tree.root(), user) || (await visit('/'))) {
    throw new SandboxError(
      `uid ${user.uid} could write in the image's root directory itself; Docker cannot bound writes there`,
      'make / and the files directly in it root-owned and not world-writable in the image, or use the oci backend',
    );
  }
  const mangled = spots.find((path) => path.includes('\uFFFD'));
  if (mangled !== undefined) {
    throw new SandboxError(`the image directory ${mangled}, writable by uid ${user.uid}, has a name that is not UTF-8; Docker cannot mount a tmpfs there`, 'rename it in the image, or use the oci backend');
  }
  return Promise.all(spots.map(async (path) => ({ path, footprintBytes: await footprint(tree, path) })));
}

/** The directories root's writes go to for working directory `cwd` (see ROOT_PLACES). */
export function rootPlaceCandidates(cwd: string): string[] {
  const top = cwd.split('/').find((part) => part !== '');
  const places = [...ROOT_PLACES];
  if (top !== undefined && top !== '.' && top !== '..' && !SKIPPED_TOP.has(top) && !places.includes(`/${top}`)) places.push(`/${top}`);
  return places;
}

/**
 * Root's writable places for a run whose working directory is `cwd`: each of rootPlaceCandidates
 * that is a directory of the image, with the bytes its content takes, or `absent` where the image
 * has nothing (the run may still need an empty one there). A place the image has as a symbolic
 * link or file, or below one, is left out: the run cannot write there.
 *
 * Docker's overlay2 writable layer cannot be size-limited on this daemon (no xfs project
 * quotas), and root could write anywhere in it; so a run's root filesystem is read-only and root
 * writes only to size-limited tmpfs copies of these places.
 */
export async function rootPlaces(tree: ImageTree, cwd: string): Promise<WritableSpot[]> {
  const spots: WritableSpot[] = [];
  for (const path of rootPlaceCandidates(cwd)) {
    let dir = '/';
    let found: 'directory' | 'absent' | 'other' = 'directory';
    for (const name of path.split('/').filter(Boolean)) {
      const entry = (await tree.readdir(dir)).find((e) => e.name === name);
      if (entry === undefined) {
        found = 'absent';
        break;
      }
      if (entry.type !== 'directory') {
        found = 'other';
        break;
      }
      dir = childPath(dir, name);
    }
    if (found === 'directory') spots.push({ path, footprintBytes: await footprint(tree, path) });
    else if (found === 'absent') spots.push({ path, footprintBytes: 0, absent: true });
  }
  return spots;
}

function typeOf(stats: Stats): ImageTreeEntry['type'] {
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'other';
}

/**
 * The tree of a root filesystem unpacked on this host by the image store, which shifts every
 * owner into the sandbox id range (see ../id-range.ts): owners are shifted back to the image's
 * own ids, and an id outside the range reads as the overflow id, as the kernel shows it to a run.
 * A root directory not owned by the range's root was not unpacked that way (an unpacking without
 * root cannot give files their owners, and would hide where uid 1000 may write), and is refused.
 */
export async function hostImageTree(rootfs: string, range: IdRange = sandboxIdRange()): Promise<ImageTree> {
  const top = await lstat(rootfs);
  if (top.uid !== range.base) {
    throw new SandboxError(
      `the unpacked image at ${rootfs} is owned by uid ${top.uid}, not by the sandbox's root (${range.base}): it was not unpacked by gradebox's image store, so its files do not carry the image's owners`,
      'run the docker backend through `gradebox grade local`, which reads the owners from the image layers, or unpack the image with the image store as root',
    );
  }
  const own = (id: number): number => idInRun(range, id) ?? OVERFLOW_ID;
  // Names that are not UTF-8 are mapped back to their bytes to descend; they never become spots.
  const real = new Map<string, Buffer>([['/', Buffer.from(rootfs)]]);
  return {
    root: async () => ({ type: 'directory', uid: own(top.uid), gid: own(top.gid), mode: top.mode & 0o7777, size: 0 }),
    readdir: async (path) => {
      const dir = real.get(path);
      if (dir === undefined) throw new Error(`${path} was not reached through the image's directories`);
      const names = await readdir(dir, { encoding: 'buffer' });
      return Promise.all(names.map(async (raw) => {
        const abs = Buffer.concat([dir, Buffer.from('/'), raw]);
        const stats = await lstat(abs);
        const name = raw.toString('utf8');
        if (stats.isDirectory()) real.set(childPath(path, name), abs);
        return { name, type: typeOf(stats), uid: own(stats.uid), gid: own(stats.gid), mode: stats.mode & 0o7777, size: stats.size };
      }));
    },
  };
}

const known = new Map<string, Promise<WritableSpot[]>>();

/**
 * Where the run's user may write in the image: `rootPlaces` for root (which depend on the working
 * directory `cwd`), `findWritableSpots` for anyone else. Remembered per image id, user (and for
 * root `cwd`): in this process, and on disk under `cacheDir` (an image id names its content), so
 * a one-shot `grade local` does not walk a large image every time. `openTree` is only called on a
 * miss.
 */
export function cachedWritableSpots(
  cacheDir: string, imageId: string, user: RunUser, cwd: string, openTree: () => Promise<ImageTree>,
): Promise<WritableSpot[]> {
  const root = user.uid === 0;
  const key = nodeCrypto().createHash('sha256').update([FORMAT, imageId, user.uid, user.gid, ...(root ? [cwd] : [])].join('\0')).digest('hex');
  let spots = known.get(key);
  if (spots === undefined) {
    spots = (async () => {
      const file = join(cacheDir, `${key}.json`);
      const saved = await readFile(file, 'utf8').then((text) => JSON.parse(text) as WritableSpot[], () => undefined);
      if (Array.isArray(saved)) return saved;
      const tree = await openTree();
      const found = root ? await rootPlaces(tree, cwd) : await findWritableSpots(tree, user);
      await writeFileAtomic(file, JSON.stringify(found));
      return found;
    })();
    known.set(key, spots);
    spots.catch(() => known.delete(key));
  }
  return spots;
}
