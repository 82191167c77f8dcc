import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { LayerWriter } from './layer-writer.ts';

export interface DirLayerOptions {
  /** Record every entry as owned by root (fixture files) instead of the owner on disk (a debootstrap root). */
  rootOwned?: boolean;
  /** Relative paths whose contents are left out (the directories themselves stay): dev, proc, sys. */
  emptyDirs?: string[];
  /**
   * Modes that replace the ones on disk for a relative path and everything under it, as
   * `RUN chmod -R` would (git keeps neither directory modes nor world-writable bits).
   */
  modes?: Record<string, number>;
  /**
   * The image's id for an owner id on disk (a root unpacked with owners shifted into the sandbox
   * id range records the unshifted ids); default: as on disk.
   */
  imageId?: (id: number) => number;
}

/**
 * Adds a host directory tree to a layer, in sorted order so the same tree gives the same tar:
 * directories, regular files (streamed), symbolic links as they are, and second and later names
 * of a multiply-linked file as hard links. Device nodes, FIFOs and sockets are left out (an image
 * must not carry them; debootstrap makes a few in /dev). All mtimes are the writer's fixed one.
 */
export async function addDirectory(layer: LayerWriter, dir: string, opts: DirLayerOptions = {}): Promise<number> {
  const seen = new Map<string, string>();
  const empty = new Set(opts.emptyDirs ?? []);
  const overrides = Object.entries(opts.modes ?? {});
  const modeOf = (rel: string, onDisk: number): number =>
    overrides.find(([prefix]) => rel === prefix || rel.startsWith(`${prefix}/`))?.[1] ?? onDisk;
  let count = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(dir, rel))).sort();
    for (const name of names) {
      const child = rel ? `${rel}/${name}` : name;
      const st = await lstat(path.join(dir, child));
      const id = opts.imageId ?? ((n: number): number => n);
      const owner = opts.rootOwned ? { uid: 0, gid: 0 } : { uid: id(st.uid), gid: id(st.gid) };
      const mode = modeOf(child, st.mode & 0o7777);
      count++;
      if (st.isDirectory()) {
        await layer.add({ name: `${child}/`, type: 'directory', mode, ...owner });
        if (!empty.has(child)) await walk(child);
      } else if (st.isSymbolicLink()) {
        await layer.add({ name: child, type: 'symlink', linkname: await readlink(path.join(dir, child)), mode, ...owner });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first !== undefined) {
          await layer.add({ name: child, type: 'link', linkname: first, mode, ...owner });
        } else {
          if (st.nlink > 1) seen.set(key, child);
          await layer.add({ name: child, type: 'file', mode, size: st.size, fromFile: path.join(dir, child), ...owner });
        }
      } else {
        count--;
      }
    }
  };
  await walk('');
  return count;
}
