import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { BlobStore } from './blob-store.ts';
import { sniffCompression } from './compression.ts';
import { digestHex } from './digest.ts';
import { ImageError, type ImageRecord, type LayerRecord } from './image.ts';
import { parseImageConfig } from './image-config.ts';
import type { ImportProgress, SourceContext } from './image-source.ts';
import { ImportIndex } from './import-index.ts';
import { RootfsCache, type RootfsOptions } from './rootfs-cache.ts';
import { inputFingerprints } from './input-fingerprint.ts';

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * The image store: imports images from wherever authors keep them into content-addressed blobs
 * under `root`, and hands out their unpacked root filesystems.
 *
 * Layout: `blobs/sha256/<hex>` (blobs), `images/<hex>.json` (ImageRecord by image id),
 * `imports.json` (input fingerprint → image id), `rootfs-<id base>/<hex>/root` (unpacked roots, owners
 * shifted into the sandbox's id range), `tmp/`.
 */
export class ImageStore {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly #imports: ImportIndex;
  readonly #rootfs: RootfsCache;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.blobs = new BlobStore(this.root);
    this.#imports = new ImportIndex(path.join(this.root, 'imports.json'));
    this.#rootfs = new RootfsCache(this.root, this.blobs);
  }

  /**
   * Imports an image from a `docker save` tarball, an OCI layout (directory or tar) or, for a
   * reference that is no path, the local Docker daemon. An input unchanged since an earlier import
   * (same path, size, mtime, inode) whose blobs are all still stored is not read again.
   */
  async import(ref: string, opts: ImportOptions = {}): Promise<ImageRecord> {
    const progress = opts.onProgress ?? (() => undefined);
    progress({ phase: 'detect', done: 0 });
    // An unchanged input is known by its fingerprint alone: nothing is opened, no source loaded.
    for (const fingerprint of await inputFingerprints(ref)) {
      const known = await this.#known(fingerprint);
      if (known !== undefined) return known;
    }
    const { detectSource } = await import('./sources/detect-source.ts');
    const source = await detectSource(ref);
    const fingerprint = await source.fingerprint();
    const known = fingerprint === undefined ? undefined : await this.#known(fingerprint);
    if (known !== undefined) return known;

    const ctx: SourceContext = { blobs: this.blobs, signal: opts.signal, progress };
    const fetched = await source.fetch(ctx);
    const what = `${source.kind} ${ref}`;
    const parsed = parseImageConfig(parseJson(await this.blobs.read(fetched.configDigest), what), what);
    if (parsed.diffIds.length !== fetched.layers.length) {
      throw new ImageError(`${what}: the config lists ${parsed.diffIds.length} layers (rootfs.diff_ids), the manifest ${fetched.layers.length}`);
    }
    const layers: LayerRecord[] = [];
    for (const [i, layer] of fetched.layers.entries()) {
      const diffId = parsed.diffIds[i];
      // An uncompressed layer's digest is its diff_id: check now rather than at unpack time.
      if (diffId !== layer.digest && (await sniffCompression(this.blobs.path(layer.digest))) === 'none') {
        throw new ImageError(`${what}: layer ${i + 1} is ${layer.digest}, the config's diff_id says ${diffId}`);
      }
      layers.push({ ...layer, diffId });
    }
    const record: ImageRecord = { id: fetched.configDigest, config: parsed.config, layers };
    await writeFileAtomic(this.#recordPath(record.id), `${JSON.stringify(record, null, 2)}\n`);
    if (fingerprint !== undefined) await this.#imports.remember(fingerprint, record.id);
    return record;
  }

  /** An imported image by id (`sha256:<hex>`), or undefined if the store has no record of it. */
  async get(id: string): Promise<ImageRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.#recordPath(id), 'utf8')) as ImageRecord;
    } catch {
      return undefined;
    }
  }

  /** The host path of the image's unpacked root filesystem (read-only by convention), unpacking it once. */
  async rootfs(image: ImageRecord, opts: RootfsOptions = {}): Promise<string> {
    return this.#rootfs.get(image, opts);
  }

  /** The image an input with `fingerprint` imported to, if it is still whole in the store. */
  async #known(fingerprint: string): Promise<ImageRecord | undefined> {
    const id = await this.#imports.lookup(fingerprint);
    const known = id === undefined ? undefined : await this.get(id);
    return known !== undefined && (await this.#hasBlobs(known)) ? known : undefined;
  }

  #recordPath(id: string): string {
    return path.join(this.root, 'images', `${digestHex(id)}.json`);
  }

  async #hasBlobs(image: ImageRecord): Promise<boolean> {
    for (const digest of [image.id, ...image.layers.map((l) => l.digest)]) {
      if (!(await this.blobs.has(digest))) return false;
    }
    return true;
  }
}

function parseJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    throw new ImageError(`${what}: the image config is not valid JSON`);
  }
}
