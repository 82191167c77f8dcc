import { constants } from 'node:fs';
import { chmod, copyFile, lchown, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';

/** One entry of a directory tree, with its path relative to the tree's root as raw bytes. */
export interface TreeEntry {
  path: Buffer;
  kind: 'dir' | 'file' | 'symlink';
  /** Permission bits only: set-uid, set-gid and sticky bits are never carried into a sandbox. */
  mode: number;
  size: number;
}

const SLASH = Buffer.from('/');
const join = (a: Buffer, b: Buffer): Buffer => (a.length === 0 ? b : Buffer.concat([a, SLASH, b]));
const under = (root: string, rel: Buffer): Buffer => (rel.length === 0 ? Buffer.from(root) : Buffer.concat([Buffer.from(root), SLASH, rel]));

/**
 * Lists the tree under `root` without following symbolic links, parents before children. Paths
 * are bytes, so names that are not valid UTF-8 survive. FIFOs, sockets and devices are refused:
 * a grader's inputs are plain files.
 */
export async function scanTree(root: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const visit = async (rel: Buffer): Promise<void> => {
    const stats = await lstat(under(root, rel));
    const mode = stats.mode & 0o777;
    if (stats.isSymbolicLink()) {
      entries.push({ path: rel, kind: 'symlink', mode, size: stats.size });
    } else if (stats.isFile()) {
      entries.push({ path: rel, kind: 'file', mode, size: stats.size });
    } else if (stats.isDirectory()) {
      if (rel.length > 0) entries.push({ path: rel, kind: 'dir', mode, size: 0 });
      const names = await readdir(under(root, rel), { encoding: 'buffer' });
      names.sort((a, b) => Buffer.compare(a, b));
      for (const name of names) await visit(join(rel, name));
    } else {
      throw new Error(`cannot copy ${under(root, rel).toString()}: only files, directories and symbolic links are copied into a sandbox`);
    }
  };
  await visit(Buffer.alloc(0));
  return entries;
}

/** Bytes a tree takes on a tmpfs: whole pages per file, plus a page per directory and link. */
export function treeFootprint(entries: readonly TreeEntry[]): number {
  const page = 4096;
  return entries.reduce((sum, entry) => sum + page + Math.ceil(entry.size / page) * page, 0);
}

/**
 * Copies the scanned tree from `root` into the existing directory `dest`. Symbolic links are
 * recreated with their target bytes verbatim (never resolved or followed); permission bits are
 * kept; everything is owned by `owner` when given, else by the caller (root).
 */
export async function copyTree(root: string, entries: readonly TreeEntry[], dest: string, owner?: { uid: number; gid: number }): Promise<void> {
  const dirs: TreeEntry[] = [];
  for (const entry of entries) {
    const from = under(root, entry.path);
    const to = under(dest, entry.path);
    if (entry.kind === 'dir') {
      // Writable by us until the children are in; the real mode is applied afterwards.
      await mkdir(to, { mode: 0o700 });
      dirs.push(entry);
    } else if (entry.kind === 'symlink') {
      await symlink(await readlink(from, { encoding: 'buffer' }), to);
    } else {
      await copyFile(from, to, constants.COPYFILE_EXCL);
      await chmod(to, entry.mode);
    }
    if (owner !== undefined) await lchown(to, owner.uid, owner.gid);
  }
  for (const dir of dirs.reverse()) await chmod(under(dest, dir.path), dir.mode);
}
