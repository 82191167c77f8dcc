import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ImageError } from '../image/image.ts';
import type { ImageStore } from '../image/image-store.ts';
import { LayerView } from '../image/layer-view.ts';
import { InvalidInput, TooLarge } from '../platform/errors.ts';
import { tempPath } from '../util/atomic-file.ts';
import { showBytes } from './byte-limit.ts';
import { orStorageFull } from './disk-full.ts';
import { spoolToFile } from './spool.ts';

/** Largest image archive accepted when the caller sets no limit: 10 GiB. */
export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 ** 3;

export interface ReceivedImage {
  /** `sha256:` image id (config digest) in the store. */
  imageId: string;
  /** `sha256:` digest of the uploaded archive (what the client sent in X-Content-SHA256, when it sent one). */
  archiveDigest: string;
  /** Bytes of the uploaded archive. */
  size: number;
}

/**
 * Receives an uploaded grader image (`docker save` tar or OCI layout tar, plain or compressed) into
 * `store`. The body is streamed to a temporary file in the store's tmp folder while being hashed
 * (never held in memory, so gigabytes are fine), refused unless its sha256 is `expectedSha256Hex`
 * (InvalidInput) and within `maxBytes` (TooLarge), then imported from that file. `expectedSha256Hex`
 * null: the client sent no checksum (the web page's upload: a browser cannot cheaply hash gigabytes
 * before sending them); the size limit and the store's checks of the image stay the same. An image the
 * store rejects (ImageError: not an image, corrupt, hostile layers) is InvalidInput with the
 * store's message, the temporary path replaced by "the uploaded archive". A full disk is
 * StorageFull. The temporary file is removed on every path.
 *
 * Every layer's entries are read now too (as grading would, through LayerView: `..` components,
 * writes through symbolic links, device nodes…): a hostile or broken image is refused with
 * InvalidInput at upload, through the API and the web page alike, rather than at its first
 * grading. The index it builds is cached
 * (`views/` of the store, as the toolkit's), so a good image costs nothing more later. A refused
 * image's blobs stay in the content-addressed store (unreferenced; another image may share them),
 * but the caller records nothing for it.
 */
export async function receiveImageArchive(
  body: Readable,
  expectedSha256Hex: string | null,
  store: ImageStore,
  opts: { maxBytes?: number; signal?: AbortSignal } = {},
): Promise<ReceivedImage> {
  const expected = expectedSha256Hex?.toLowerCase() ?? null;
  if (expected !== null && !/^[0-9a-f]{64}$/.test(expected)) {
    body.destroy();
    throw new InvalidInput('the expected sha256 must be 64 hex digits');
  }
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  return orStorageFull(async () => {
    const tmpDir = path.join(store.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    // Absolute and existing while imported: the store then reads this file and can never mistake
    // the argument for an image name to look up in a Docker daemon (see detectSource).
    const file = path.resolve(tempPath(tmpDir, 'upload'));
    try {
      const spooled = await spoolToFile(body, file, {
        maxBytes,
        tooLarge: () => new TooLarge(`the image archive is larger than the ${showBytes(maxBytes)} allowed; nothing was stored`, { limit: maxBytes }),
        signal: opts.signal,
      });
      const archiveDigest = expected === null ? spooled.digest : `sha256:${expected}`;
      if (spooled.digest !== archiveDigest) {
        throw new InvalidInput(`the body's sha256 is ${spooled.digest.slice(7)}, not the ${expected} announced; the upload was damaged or the header is wrong; nothing was stored`);
      }
      try {
        const image = await store.import(file, { ...(opts.signal ? { signal: opts.signal } : {}) });
        await LayerView.open(image, store.blobs, { cacheDir: path.join(store.root, 'views'), what: 'the uploaded image', ...(opts.signal ? { signal: opts.signal } : {}) });
        return { imageId: image.id, archiveDigest, size: spooled.size };
      } catch (error) {
        if (error instanceof ImageError) throw new InvalidInput(error.message.replaceAll(file, 'the uploaded archive'));
        throw error;
      }
    } finally {
      await rm(file, { force: true });
    }
  });
}
