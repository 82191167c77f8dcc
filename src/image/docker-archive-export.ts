import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { BlobStore } from './blob-store.ts';
import { digestHex } from './digest.ts';
import type { ImageRecord } from './image.ts';

export interface DockerArchiveOptions {
  /** `name:tag` references recorded in manifest.json; default none (the daemon knows it by id only). */
  repoTags?: string[];
}

/**
 * Every entry's modification time. tar-stream would stamp "now", making each export of the same
 * image different bytes; fixed, an export is reproducible, so its sha256 can be computed in one
 * pass and the same bytes sent in a second (`gradebox upload`).
 */
const ENTRY_MTIME = new Date(0);

/**
 * Streams a stored image as a `docker save` archive, which `docker load` (`POST /images/load`)
 * accepts: the config blob, each layer blob as stored (the daemon decompresses gzip and zstd
 * layers itself and checks them against the config's diff_ids), and a manifest.json naming them,
 * in Docker 25's `blobs/sha256/<hex>` layout, the same bytes on every call. Nothing is copied to
 * disk; the blobs are read from the store as the archive is consumed. Errors (a blob missing from
 * the store) destroy the stream.
 */
export function dockerArchiveStream(blobs: BlobStore, image: ImageRecord, options: DockerArchiveOptions = {}): Readable {
  const pack = tar.pack();
  const blobName = (digest: string): string => `blobs/sha256/${digestHex(digest)}`;
  const written = new Set<string>();
  const addBlob = async (digest: string): Promise<void> => {
    const name = blobName(digest);
    // Two layers may share a blob (an empty layer twice): the archive holds it once.
    if (written.has(name)) return;
    written.add(name);
    const { size } = await stat(blobs.path(digest));
    await pipeline(blobs.open(digest), pack.entry({ name, size, mode: 0o444, mtime: ENTRY_MTIME }));
  };
  void (async () => {
    try {
      await addBlob(image.id);
      for (const layer of image.layers) await addBlob(layer.digest);
      const manifest = [{ Config: blobName(image.id), RepoTags: options.repoTags ?? null, Layers: image.layers.map((l) => blobName(l.digest)) }];
      pack.entry({ name: 'manifest.json', mode: 0o444, mtime: ENTRY_MTIME }, JSON.stringify(manifest));
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  // tar-stream's pack is a streamx stream; Readable.from gives callers (dockerode) a Node stream.
  return Readable.from(pack);
}
