// Test helpers: images built on the spot from tar entries (tar-stream via the test-image writer),
// in a fresh temporary directory per test that also holds an "outside" folder with a sentinel file.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeDockerArchive, writeOciLayout, type ContainerConfig } from '../../scripts/test-images/image-writer.ts';
import { LayerWriter, type LayerCompression, type LayerEntry, type WrittenLayer } from '../../scripts/test-images/layer-writer.ts';

export type ImageFormat = 'docker-legacy' | 'docker-blobs' | 'oci-dir' | 'oci-tar';

export interface Sandbox {
  dir: string;
  /** The image store root. */
  store: string;
  /** A folder outside the store that hostile images aim at. */
  outside: string;
  sentinel: string;
  /** Throws unless the outside folder still holds exactly the untouched sentinel. */
  assertOutsideUntouched(): Promise<void>;
  cleanup(): Promise<void>;
}

export const SENTINEL_TEXT = 'do not touch\n';

/** A fresh temporary directory with a store root and an outside folder holding a sentinel. */
export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gradebox-image-test-'));
  const store = path.join(dir, 'store');
  const outside = path.join(dir, 'outside');
  const sentinel = path.join(outside, 'sentinel');
  await mkdir(outside);
  await writeFile(sentinel, SENTINEL_TEXT);
  return {
    dir,
    store,
    outside,
    sentinel,
    assertOutsideUntouched: async () => {
      const names = await readdir(outside);
      if (names.join() !== 'sentinel') throw new Error(`outside folder changed: ${names.join(', ')}`);
      if ((await readFile(sentinel, 'utf8')) !== SENTINEL_TEXT) throw new Error('sentinel changed');
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

let counter = 0;

/** Writes one layer from entries (directories default to mode 0755, files to 0644). */
export async function makeLayer(dir: string, entries: LayerEntry[], compression: LayerCompression = 'none'): Promise<WrittenLayer> {
  const file = path.join(dir, `layer-${++counter}.tar${compression === 'gzip' ? '.gz' : compression === 'zstd' ? '.zst' : ''}`);
  const writer = new LayerWriter(file, compression);
  for (const entry of entries) {
    const mode = entry.mode ?? (entry.type === 'directory' ? 0o755 : entry.type === 'symlink' ? 0o777 : 0o644);
    await writer.add({ ...entry, mode });
  }
  return writer.finish();
}

export interface ImageOptions {
  format?: ImageFormat;
  compression?: LayerCompression;
  config?: ContainerConfig;
}

/** Writes an image made of the given layers (bottom up) and returns its path. */
export async function makeImage(dir: string, layers: LayerEntry[][], opts: ImageOptions = {}): Promise<string> {
  const written: WrittenLayer[] = [];
  for (const entries of layers) written.push(await makeLayer(dir, entries, opts.compression));
  return writeImage(dir, written, opts);
}

/** Writes an image from already written layers. */
export async function writeImage(dir: string, layers: WrittenLayer[], opts: ImageOptions = {}): Promise<string> {
  const format = opts.format ?? 'docker-blobs';
  const spec = { tag: 'test/image:latest', config: opts.config ?? { Cmd: ['sh'] }, layers };
  const out = path.join(dir, `image-${++counter}${format === 'oci-dir' ? '' : '.tar'}`);
  if (format === 'docker-legacy' || format === 'docker-blobs') {
    await writeDockerArchive(out, spec, format === 'docker-legacy' ? 'legacy' : 'blobs');
  } else {
    await writeOciLayout(out, spec, format === 'oci-dir' ? 'dir' : 'tar');
  }
  return out;
}

/** Shorthands for layer entries. */
export const dir = (name: string, mode?: number): LayerEntry => ({ name, type: 'directory', mode });
export const file = (name: string, data: string, mode?: number): LayerEntry => ({ name, type: 'file', data, mode });
export const symlink = (name: string, linkname: string): LayerEntry => ({ name, type: 'symlink', linkname });
export const hardlink = (name: string, linkname: string): LayerEntry => ({ name, type: 'link', linkname });
