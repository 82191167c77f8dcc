import path from 'node:path';
import type { Readable } from 'node:stream';
import { ImagePathError } from '../image/image-path.ts';
import type { ImportProgress } from '../image/image-source.ts';
import { ImageStore } from '../image/image-store.ts';
import { LayerView, type ImageDirEntry } from '../image/layer-view.ts';
import { gradeboxHome, imageStoreDir } from './gradebox-home.ts';

export interface OpenImageFilesOptions {
  /** Tarball, OCI layout or daemon image name. */
  image: string;
  /** Defaults to `gradeboxHome()`. */
  home?: string;
  /** Keep the merged layer index per image id (default true). */
  cache?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Opens an image's files for reading without unpacking or running it: imports the image into the
 * local store (a no-op for an unchanged tarball) and merges its layers' headers (cached per image).
 * No container runtime is involved.
 */
export async function openImageFiles(options: OpenImageFilesOptions): Promise<LayerView> {
  const store = new ImageStore(imageStoreDir(options.home ?? gradeboxHome()));
  const progress = { signal: options.signal, onProgress: options.onProgress };
  const record = await store.import(options.image, progress);
  const cacheDir = options.cache === false ? undefined : path.join(store.root, 'views');
  return LayerView.open(record, store.blobs, { ...progress, what: options.image, cacheDir });
}

/** A path inside an image as the commands show it: absolute, relative ones taken from `/`. */
export function imagePath(arg: string): string {
  return arg.startsWith('/') ? arg : `/${arg}`;
}

/** What `ls PATH` shows: a directory's children, or the one entry PATH names. */
export interface ImageListing {
  /** The path asked for, made absolute. */
  path: string;
  /** True when PATH led to a directory and `entries` are its children. */
  directory: boolean;
  entries: ImageDirEntry[];
}

/**
 * `ls` semantics inside an image: PATH is followed through symlinks; a directory lists its
 * children sorted by name (names starting with `.` only with `all`), anything else lists itself
 * under the name given. A final symlink to a file, or a dangling one, is shown as the link itself
 * (with its target), as `ls -l` does; a symlink loop is an error.
 */
export function listImagePath(view: LayerView, arg: string, opts: { all?: boolean } = {}): ImageListing {
  const shown = imagePath(arg);
  let leadsTo;
  try {
    leadsTo = view.stat(shown);
  } catch (error) {
    const own = error instanceof ImagePathError && error.code === 'ENOENT' ? lstatOrUndefined(view, shown) : undefined;
    if (own?.type !== 'symlink') throw error;
    return { path: shown, directory: false, entries: [{ ...own, name: shown }] };
  }
  if (leadsTo.type === 'directory') {
    const entries = view.readdir(shown).filter((entry) => opts.all === true || !entry.name.startsWith('.'));
    return { path: shown, directory: true, entries };
  }
  return { path: shown, directory: false, entries: [{ ...view.lstat(shown), name: shown }] };
}

/**
 * The content of the file PATH leads to, streamed from its layer. ImagePathError for a missing
 * path (naming a dangling symlink's target), a directory or a symlink loop.
 */
export async function readImageFile(view: LayerView, arg: string): Promise<Readable> {
  const shown = imagePath(arg);
  try {
    return await view.createReadStream(shown);
  } catch (error) {
    if (!(error instanceof ImagePathError) || error.code !== 'ENOENT') throw error;
    const own = lstatOrUndefined(view, shown);
    if (own?.type !== 'symlink') throw error;
    throw new ImagePathError('ENOENT', shown, error.where, ` (a symbolic link to ${JSON.stringify(own.linkTarget)}, which leads nowhere)`);
  }
}

/** User and group names by id, from the image's own /etc/passwd and /etc/group. */
export interface OwnerNames {
  users: Map<number, string>;
  groups: Map<number, string>;
}

/** Reads owner names the way `ls -l` inside the container would; missing or odd files just give no names. */
export async function readOwnerNames(view: LayerView): Promise<OwnerNames> {
  return { users: await idNames(view, '/etc/passwd'), groups: await idNames(view, '/etc/group') };
}

const MAX_ID_FILE = 1 << 20;

async function idNames(view: LayerView, file: string): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  try {
    if (view.stat(file).size > MAX_ID_FILE) return names;
    const chunks: Buffer[] = [];
    for await (const chunk of await view.createReadStream(file)) chunks.push(chunk as Buffer);
    for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
      const [name, , id] = line.split(':');
      // The first name for an id wins, as getpwuid answers.
      if (name && id && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
    }
  } catch (error) {
    if (!(error instanceof ImagePathError)) throw error;
  }
  return names;
}

function lstatOrUndefined(view: LayerView, shown: string): ReturnType<LayerView['lstat']> | undefined {
  try {
    return view.lstat(shown);
  } catch {
    return undefined;
  }
}

/** `ls -l`'s mode column: type letter, then rwx triplets with s/S, t/T for setuid, setgid and sticky. */
export function modeString(type: ImageDirEntry['type'], mode: number): string {
  const kind = type === 'directory' ? 'd' : type === 'symlink' ? 'l' : '-';
  const triplet = (shift: number, special: number, letter: string): string => {
    const bits = (mode >> shift) & 7;
    const x = (bits & 1) !== 0;
    const exec = (mode & special) !== 0 ? (x ? letter : letter.toUpperCase()) : x ? 'x' : '-';
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${exec}`;
  };
  return kind + triplet(6, 0o4000, 's') + triplet(3, 0o2000, 's') + triplet(0, 0o1000, 't');
}

/** `ls -lh` sizes: bytes below 1024, else one decimal below 10 and whole numbers above, rounded up (K, M, G, T). */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  let value = bytes;
  for (const unit of ['K', 'M', 'G', 'T', 'P']) {
    value /= 1024;
    const shown = value < 10 ? Math.ceil(value * 10) / 10 : Math.ceil(value);
    if (shown < 1024 || unit === 'P') return value < 10 && shown < 10 ? `${shown.toFixed(1)}${unit}` : `${shown}${unit}`;
  }
  return String(bytes);
}

/** Modification time as `YYYY-MM-DD HH:MM`, in UTC (a container's default zone, and the same on every host). */
export function formatMtime(mtime: Date): string {
  return mtime.toISOString().slice(0, 16).replace('T', ' ');
}
