import { chown, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { removeDeadTemps, tempPath } from '../util/atomic-file.ts';
import type { BlobStore } from './blob-store.ts';
import { digestHex } from './digest.ts';
import { withFileLock } from './file-lock.ts';
import { ImageError, type ImageRecord } from './image.ts';
import type { ImportProgress } from './image-source.ts';
import { hostId, sandboxIdRange, type IdRange } from '../sandbox/id-range.ts';
import type { OwnerIds } from './write-entry.ts';

export interface RootfsOptions {
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * One unpacked root filesystem per image, at `<root>/rootfs-<base>/<hex>/root`, next to the marker
 * `<root>/rootfs-<base>/<hex>/complete.json`. Owners are shifted into the sandbox's id range
 * (`base` is its first id, see src/sandbox/id-range.ts) when root unpacks, so a run's user
 * namespace sees the image's own owners; another range gets roots of its own. Layers are unpacked into a private temporary directory that
 * is renamed into place with its marker already inside, so an entry is complete or absent; an
 * entry without a marker (a crash of an older layout, a manual copy) is discarded and redone.
 * Concurrent callers share one unpack: in-process through a promise map, across processes through
 * a lock file; should two unpacks ever overlap anyway, the first rename wins and the other is dropped.
 */
export class RootfsCache {
  readonly #dir: string;
  readonly #tmp: string;
  readonly #blobs: BlobStore;
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #ids: OwnerIds;

  constructor(root: string, blobs: BlobStore, range: IdRange = sandboxIdRange()) {
    this.#dir = path.join(root, `rootfs-${range.base}`);
    this.#tmp = path.join(root, 'tmp');
    this.#blobs = blobs;
    this.#ids = (id) => hostId(range, id);
  }

  /**
   * The host path of the image's unpacked root, unpacking it first if needed. Callers that join an
   * unpack already under way share its outcome (and the first caller's signal).
   */
  async get(image: ImageRecord, opts: RootfsOptions = {}): Promise<string> {
    const hex = digestHex(image.id);
    const ready = await this.#ready(hex);
    if (ready) return ready;
    let pending = this.#inflight.get(hex);
    if (!pending) {
      pending = this.#build(image, hex, opts).finally(() => this.#inflight.delete(hex));
      this.#inflight.set(hex, pending);
    }
    return pending;
  }

  async #ready(hex: string): Promise<string | undefined> {
    const marker = await stat(path.join(this.#dir, hex, 'complete.json')).catch(() => undefined);
    return marker?.isFile() ? path.join(this.#dir, hex, 'root') : undefined;
  }

  async #build(image: ImageRecord, hex: string, opts: RootfsOptions): Promise<string> {
    await mkdir(this.#dir, { recursive: true });
    await mkdir(this.#tmp, { recursive: true });
    return withFileLock(
      path.join(this.#dir, `${hex}.lock`),
      async () => {
        const ready = await this.#ready(hex);
        if (ready) return ready; // another process finished while we waited
        await this.#clearStale(hex);
        const work = tempPath(this.#tmp, `rootfs-${hex}`);
        try {
          await this.#unpack(image, work, opts);
          return await this.#commit(work, hex);
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      },
      opts.signal,
    );
  }

  async #unpack(image: ImageRecord, work: string, opts: RootfsOptions): Promise<void> {
    const root = path.join(work, 'root');
    await mkdir(root, { recursive: true, mode: 0o755 });
    // A layer never carries `/` itself: it is the image root's, as in Docker.
    if (process.getuid?.() === 0) await chown(root, this.#ids(0), this.#ids(0));
    const total = image.layers.length;
    const warnings: string[] = [];
    for (const [i, layer] of image.layers.entries()) {
      opts.onProgress?.({ phase: 'unpack', done: i, total, unit: 'layers' });
      if (!(await this.#blobs.has(layer.digest))) {
        throw new ImageError(`image ${image.id}: layer blob ${layer.digest} is missing from the store; import the image again`);
      }
      const what = `image ${image.id} layer ${i + 1}/${total} (${layer.digest})`;
      const { unpackLayer } = await import('./unpack-layer.ts');
      const result = await unpackLayer(this.#blobs.path(layer.digest), root, { diffId: layer.diffId, what, signal: opts.signal, ids: this.#ids });
      warnings.push(...result.warnings);
    }
    opts.onProgress?.({ phase: 'unpack', done: total, total, unit: 'layers' });
    const marker = { id: image.id, layers: image.layers.map((l) => l.digest), warnings, unpackedAt: new Date().toISOString() };
    await writeFile(path.join(work, 'complete.json'), `${JSON.stringify(marker, null, 2)}\n`);
  }

  async #commit(work: string, hex: string): Promise<string> {
    try {
      await rename(work, path.join(this.#dir, hex));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const winner = code === 'ENOTEMPTY' || code === 'EEXIST' ? await this.#ready(hex) : undefined;
      if (!winner) throw err;
      return winner;
    }
    return path.join(this.#dir, hex, 'root');
  }

  /** Under the lock: drops an unmarked entry and temporary unpacks of this image left by dead processes. */
  async #clearStale(hex: string): Promise<void> {
    await rm(path.join(this.#dir, hex), { recursive: true, force: true });
    await removeDeadTemps(this.#tmp, `rootfs-${hex}-`);
  }
}
