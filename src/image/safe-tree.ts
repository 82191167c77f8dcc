import { lstat, mkdir, rm } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ImageError } from './image.ts';

/**
 * Splits a layer entry's name into path components, refusing any name that could leave the root.
 *
 * Decisions: the usual `./` prefix (and any other `.` component or doubled slash) is dropped;
 * an absolute name is refused rather than re-rooted, because tools that build layers never write
 * one and a layer that does is either broken or probing; any `..` component is refused even where
 * it would stay inside the root, for the same reason. `[]` means the root itself.
 */
export function entryComponents(name: string, what: string): string[] {
  if (name.startsWith('/')) {
    throw new ImageError(`${what}: entry ${JSON.stringify(name)} has an absolute path; layer paths must be relative to the root`);
  }
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw new ImageError(`${what}: entry ${JSON.stringify(name)} has a ".." component and could escape the root`);
  }
  return parts;
}

/**
 * Path operations inside a root filesystem being unpacked, which never follow a symbolic link:
 * every parent of a path is checked with lstat (and created if missing) before anything is
 * created, removed or linked under it. The tree is private to the unpacker (a temporary directory
 * no one else writes), so a check stays true until our own next change; `#dirs` caches checked
 * directories and is pruned whenever we remove something.
 */
export class SafeTree {
  readonly root: string;
  readonly #what: string;
  readonly #dirs = new Set<string>();

  constructor(root: string, what: string) {
    this.root = root;
    this.#what = what;
  }

  /**
   * Makes sure every parent of `parts` is a real directory (creating missing ones) and returns the
   * absolute path of `parts`. `onParent` sees each parent's relative path, created or not.
   */
  async prepare(parts: string[], entry: string, onParent?: (rel: string) => void): Promise<string> {
    let rel = '';
    for (const part of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${part}` : part;
      onParent?.(rel);
      if (this.#dirs.has(rel)) continue;
      const abs = path.join(this.root, rel);
      const st = await lstatOrUndefined(abs);
      if (!st) await mkdir(abs, { mode: 0o755 });
      else this.#checkDir(st, rel, entry);
      this.#dirs.add(rel);
    }
    return path.join(this.root, ...parts);
  }

  /**
   * The absolute path of `parts` if all its parents exist as real directories, else undefined
   * (nothing there to remove or link to). A symbolic link among the parents is refused.
   */
  async existing(parts: string[], entry: string): Promise<string | undefined> {
    let rel = '';
    for (const part of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${part}` : part;
      if (this.#dirs.has(rel)) continue;
      const st = await lstatOrUndefined(path.join(this.root, rel));
      if (!st) return undefined;
      this.#checkDir(st, rel, entry);
      this.#dirs.add(rel);
    }
    return path.join(this.root, ...parts);
  }

  /** Removes whatever is at `rel` (a link itself, never its target; a directory with its contents). */
  async remove(rel: string): Promise<void> {
    await rm(path.join(this.root, rel), { recursive: true, force: true });
    for (const dir of this.#dirs) if (dir === rel || dir.startsWith(`${rel}/`)) this.#dirs.delete(dir);
  }

  #checkDir(st: Stats, rel: string, entry: string): void {
    if (st.isSymbolicLink()) {
      throw new ImageError(`${this.#what}: entry ${JSON.stringify(entry)} would be written through the symbolic link /${rel}`);
    }
    if (!st.isDirectory()) {
      throw new ImageError(`${this.#what}: entry ${JSON.stringify(entry)} needs /${rel} to be a directory, but it is not`);
    }
  }
}

/** lstat that answers undefined for a missing path. */
export async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
