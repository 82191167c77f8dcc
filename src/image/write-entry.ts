import { constants } from 'node:fs';
import { chmod, lchown, link, lutimes, mkdir, open, symlink, utimes, type FileHandle } from 'node:fs/promises';
import { ImageError } from './image.ts';
import { entryComponents, lstatOrUndefined, type SafeTree } from './safe-tree.ts';
import type { TarEntry } from './tar-entries.ts';

/** Ownership is only ours to give when we run as root; otherwise files stay ours. */
const IS_ROOT = process.getuid?.() === 0;

/**
 * The host id a layer's uid or gid is written as: the sandbox's id range shifts every owner
 * (see src/sandbox/id-range.ts), so the files keep their owners as a run sees them.
 */
export type OwnerIds = (id: number) => number;
export const UNSHIFTED: OwnerIds = (id) => id;

/**
 * Permission bits kept from a layer. setuid and setgid are stripped: graders run as a non-root
 * user under no_new_privs, where those bits do nothing, and a root filesystem that is ever
 * mounted without nosuid must not hand out root. The sticky bit stays (/tmp needs it).
 */
export function keptMode(mode: number | undefined, fallback: number): number {
  return (mode ?? fallback) & 0o1777;
}

/** Metadata of a directory, applied once its layer is done (writing children would change its mtime). */
export interface DirMeta {
  abs: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Writes a regular file; any existing entry at the path (a link included) is replaced, never written through. */
export async function writeRegularFile(tree: SafeTree, abs: string, rel: string, entry: TarEntry, ids: OwnerIds): Promise<void> {
  const h = entry.header;
  await replaceExisting(tree, abs, rel, false);
  const fh = await open(abs, CREATE_FILE, 0o600);
  try {
    // A plain loop keeps the handle ours for the metadata calls below (a write stream would close it).
    for await (const chunk of entry) await writeAll(fh, chunk);
    if (IS_ROOT) await fh.chown(ids(h.uid ?? 0), ids(h.gid ?? 0));
    await fh.chmod(keptMode(h.mode, 0o644));
    const mtime = h.mtime ?? new Date(0);
    await fh.utimes(mtime, mtime);
  } finally {
    await fh.close();
  }
}

/** Creates a directory (or keeps an existing one and its contents); its metadata is returned for later. */
export async function writeDir(tree: SafeTree, abs: string, rel: string, entry: TarEntry, ids: OwnerIds): Promise<DirMeta> {
  const h = entry.header;
  if (!(await replaceExisting(tree, abs, rel, true))) await mkdir(abs, { mode: 0o700 });
  return { abs, mode: keptMode(h.mode, 0o755), uid: ids(h.uid ?? 0), gid: ids(h.gid ?? 0), mtime: h.mtime ?? new Date(0) };
}

/** Applies a directory's metadata if it is still a directory (a later entry may have replaced it). */
export async function applyDirMeta(meta: DirMeta): Promise<void> {
  const st = await lstatOrUndefined(meta.abs);
  if (!st?.isDirectory()) return;
  if (IS_ROOT) await lchown(meta.abs, meta.uid, meta.gid);
  await chmod(meta.abs, meta.mode);
  await utimes(meta.abs, meta.mtime, meta.mtime);
}

/**
 * Creates a symbolic link as is. Its target is not checked: it is resolved inside the container's
 * root at run time, never by us, and nothing is ever written through it here.
 */
export async function writeSymlink(tree: SafeTree, abs: string, rel: string, entry: TarEntry, ids: OwnerIds): Promise<void> {
  const h = entry.header;
  await replaceExisting(tree, abs, rel, false);
  await symlink(h.linkname ?? '', abs);
  if (IS_ROOT) await lchown(abs, ids(h.uid ?? 0), ids(h.gid ?? 0));
  const mtime = h.mtime ?? new Date(0);
  await lutimes(abs, mtime, mtime);
}

/** Creates a hard link, which must point to a regular file already unpacked inside the root. */
export async function writeHardLink(tree: SafeTree, abs: string, rel: string, entry: TarEntry, what: string): Promise<void> {
  const name = entry.header.name;
  const linkname = entry.header.linkname ?? '';
  const target = await tree.existing(entryComponents(linkname, what), name);
  const st = target === undefined ? undefined : await lstatOrUndefined(target);
  if (target === undefined || !st?.isFile()) {
    throw new ImageError(
      `${what}: hard link ${JSON.stringify(name)} points to ${JSON.stringify(linkname)}, which is not a regular file unpacked so far`,
    );
  }
  if (target === abs) return;
  await replaceExisting(tree, abs, rel, false);
  await link(target, abs);
}

/**
 * Clears the way for a new entry at `abs`. An existing directory is kept when a directory is
 * wanted (the layer adds to it); anything else is removed. Returns true when a directory was kept.
 */
async function replaceExisting(tree: SafeTree, abs: string, rel: string, keepDir: boolean): Promise<boolean> {
  const st = await lstatOrUndefined(abs);
  if (!st) return false;
  if (keepDir && st.isDirectory()) return true;
  await tree.remove(rel);
  return false;
}

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await fh.write(chunk, offset);
    offset += bytesWritten;
  }
}
