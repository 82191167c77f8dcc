import { constants } from 'node:fs';
import { chmod, copyFile, lchown, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { parentFolders } from '../util/parent-folders.ts';
import type { ListedFile, ListedTree, TreeSource } from './sandbox.ts';

/** One entry of a tree to copy into a run, with its path relative to the tree's root as raw bytes. */
export interface TreeEntry {
  path: Buffer;
  kind: 'dir' | 'file' | 'symlink';
  /** Permission bits only: set-uid, set-gid and sticky bits are never carried into a sandbox. */
  mode: number;
  size: number;
  /** Host path of a file's content or of a link (copied as a link); none for a folder. */
  source?: Buffer;
}

const SLASH = Buffer.from('/');
const join = (a: Buffer, b: Buffer): Buffer => (a.length === 0 ? b : Buffer.concat([a, SLASH, b]));
const under = (root: string, rel: Buffer): Buffer => (rel.length === 0 ? Buffer.from(root) : Buffer.concat([Buffer.from(root), SLASH, rel]));

/** The entries of a volume's `copyFrom`: a host folder's tree, or a listed tree. */
export async function readTree(source: TreeSource): Promise<TreeEntry[]> {
  return typeof source === 'string' ? scanTree(source) : listTree(source);
}

/**
 * Lists the tree under `root` without following symbolic links, parents before children. Paths
 * are bytes, so names that are not valid UTF-8 survive. FIFOs, sockets and devices are refused:
 * a grader's inputs are plain files.
 */
export async function scanTree(root: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const visit = async (rel: Buffer): Promise<void> => {
    const source = under(root, rel);
    const stats = await lstat(source);
    const mode = stats.mode & 0o777;
    if (stats.isSymbolicLink()) {
      entries.push({ path: rel, kind: 'symlink', mode, size: stats.size, source });
    } else if (stats.isFile()) {
      entries.push({ path: rel, kind: 'file', mode, size: stats.size, source });
    } else if (stats.isDirectory()) {
      if (rel.length > 0) entries.push({ path: rel, kind: 'dir', mode, size: 0 });
      const names = await readdir(source, { encoding: 'buffer' });
      names.sort((a, b) => Buffer.compare(a, b));
      for (const name of names) await visit(join(rel, name));
    } else {
      throw new Error(`cannot copy ${source.toString()}: only files, directories and symbolic links are copied into a sandbox`);
    }
  };
  await visit(Buffer.alloc(0));
  return entries;
}

/**
 * The entries of a listed tree: its folders (mode 0755, made for the paths' parents) before their
 * files (mode 0644), in path order. Paths must be clean relative paths, each used once and never
 * both as a file and a folder; every source must be a regular file (links are not followed) of
 * the recorded size. Files marked `executable` get mode 0755.
 * Throws an Error naming the first bad file.
 */
export async function listTree(tree: ListedTree): Promise<TreeEntry[]> {
  const files = new Map<string, ListedFile>();
  const folders = new Set<string>();
  for (const file of tree.files) {
    const problem = pathProblem(file.path);
    if (problem !== undefined) throw new Error(`listed file ${JSON.stringify(file.path)}: ${problem}`);
    if (files.has(file.path) || folders.has(file.path)) throw new Error(`listed file ${JSON.stringify(file.path)}: the path is listed twice or is also a folder`);
    files.set(file.path, file);
    for (const folder of parentFolders(file.path)) folders.add(folder);
  }
  const clash = [...folders].find((folder) => files.has(folder));
  if (clash !== undefined) throw new Error(`listed file ${JSON.stringify(clash)}: the path is also a folder of other listed files`);

  const sized = await Promise.all([...files].map(async ([path, { source, size }]) => {
    let stats;
    try {
      stats = await lstat(source);
    } catch (error) {
      throw new Error(`listed file ${JSON.stringify(path)}: cannot read ${source} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
    if (!stats.isFile()) throw new Error(`listed file ${JSON.stringify(path)}: ${source} is not a regular file`);
    if (stats.size !== size) throw new Error(`listed file ${JSON.stringify(path)}: ${source} holds ${stats.size} bytes where ${size} were recorded`);
    return { path: Buffer.from(path), kind: 'file' as const, mode: files.get(path)?.executable === true ? 0o755 : 0o644, size, source: Buffer.from(source) };
  }));
  const made = [...folders].map((folder) => ({ path: Buffer.from(folder), kind: 'dir' as const, mode: 0o755, size: 0 }));
  // Byte order puts every folder before what it holds ("a" < "a/b").
  return [...made, ...sized].sort((a, b) => Buffer.compare(a.path, b.path));
}

/** Why `path` is not a clean relative path (slash-separated, no empty, `.` or `..` segment, no NUL), if it is not. */
function pathProblem(path: string): string | undefined {
  if (path.includes('\0')) return 'the path holds a NUL byte';
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return 'not a clean relative path';
  return undefined;
}

/** Bytes a tree takes on a tmpfs: whole pages per file, plus a page per directory and link. */
export function treeFootprint(entries: readonly TreeEntry[]): number {
  const page = 4096;
  return entries.reduce((sum, entry) => sum + page + Math.ceil(entry.size / page) * page, 0);
}

/**
 * Copies the entries into the existing directory `dest`. Symbolic links are recreated with their
 * target bytes verbatim (never resolved or followed); permission bits are kept; everything is
 * owned by `owner` when given, else by the caller (root).
 */
export async function copyTree(entries: readonly TreeEntry[], dest: string, owner?: { uid: number; gid: number }): Promise<void> {
  const dirs: TreeEntry[] = [];
  for (const entry of entries) {
    const to = under(dest, entry.path);
    if (entry.kind === 'dir') {
      // Writable by us until the children are in; the real mode is applied afterwards.
      await mkdir(to, { mode: 0o700 });
      dirs.push(entry);
    } else if (entry.kind === 'symlink') {
      await symlink(await readlink(sourceOf(entry), { encoding: 'buffer' }), to);
    } else {
      await copyFile(sourceOf(entry), to, constants.COPYFILE_EXCL);
      await chmod(to, entry.mode);
    }
    if (owner !== undefined) await lchown(to, owner.uid, owner.gid);
  }
  for (const dir of dirs.reverse()) await chmod(under(dest, dir.path), dir.mode);
}

/** The host path a file or link entry is copied from. */
export function sourceOf(entry: TreeEntry): Buffer {
  if (entry.source === undefined) throw new Error(`the tree entry ${entry.path.toString()} has nothing to copy from`);
  return entry.source;
}
