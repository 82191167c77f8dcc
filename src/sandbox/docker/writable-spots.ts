import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-file.ts';
import { SandboxError, type RunUser } from '../sandbox.ts';

/** A directory of the image the run's user could write in, or holding a file it could write. */
export interface WritableSpot {
  /** Absolute container path. */
  path: string;
  /** Bytes its image content takes on a tmpfs (a page per entry plus whole pages of data). */
  footprintBytes: number;
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
const FORMAT = 'spots-2';

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

function typeOf(stats: Stats): ImageTreeEntry['type'] {
  return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'other';
}

/**
 * The tree of a root filesystem unpacked on this host. Only an unpacking done as root carries the
 * image's owners (without root the unpacker cannot chown, and every file would look like the
 * unpacking user's, hiding where uid 1000 may write), so a root directory not owned by root is refused.
 */
export async function hostImageTree(rootfs: string): Promise<ImageTree> {
  const top = await lstat(rootfs);
  if (top.uid !== 0) {
    throw new SandboxError(
      `the unpacked image at ${rootfs} is owned by uid ${top.uid}: it was unpacked without root, so its files do not carry the image's owners`,
      'run the docker backend through `gradebox grade local`, which reads the owners from the image layers, or unpack the image as root',
    );
  }
  // Names that are not UTF-8 are mapped back to their bytes to descend; they never become spots.
  const real = new Map<string, Buffer>([['/', Buffer.from(rootfs)]]);
  return {
    root: async () => ({ type: 'directory', uid: top.uid, gid: top.gid, mode: top.mode & 0o7777, size: 0 }),
    readdir: async (path) => {
      const dir = real.get(path);
      if (dir === undefined) throw new Error(`${path} was not reached through the image's directories`);
      const names = await readdir(dir, { encoding: 'buffer' });
      return Promise.all(names.map(async (raw) => {
        const abs = Buffer.concat([dir, Buffer.from('/'), raw]);
        const stats = await lstat(abs);
        const name = raw.toString('utf8');
        if (stats.isDirectory()) real.set(childPath(path, name), abs);
        return { name, type: typeOf(stats), uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o7777, size: stats.size };
      }));
    },
  };
}

const known = new Map<string, Promise<WritableSpot[]>>();

/**
 * `findWritableSpots`, remembered per image id and user: in this process, and on disk under
 * `cacheDir` (an image id names its content), so a one-shot `grade local` does not walk a large
 * image every time. `openTree` is only called on a miss.
 */
export function cachedWritableSpots(cacheDir: string, imageId: string, user: RunUser, openTree: () => Promise<ImageTree>): Promise<WritableSpot[]> {
  const key = createHash('sha256').update([FORMAT, imageId, user.uid, user.gid].join('\0')).digest('hex');
  let spots = known.get(key);
  if (spots === undefined) {
    spots = (async () => {
      const file = join(cacheDir, `${key}.json`);
      const saved = await readFile(file, 'utf8').then((text) => JSON.parse(text) as WritableSpot[], () => undefined);
      if (Array.isArray(saved)) return saved;
      const found = await findWritableSpots(await openTree(), user);
      await writeFileAtomic(file, JSON.stringify(found));
      return found;
    })();
    known.set(key, spots);
    spots.catch(() => known.delete(key));
  }
  return spots;
}
