/**
 * A grader image as the `docker save` tar the server's upload route takes, readable twice with the
 * same bytes: once to compute the sha256 the upload must announce (X-Content-SHA256), once to
 * send. Never held in memory: a plain `docker save` file is read from disk both times; anything
 * else (an OCI layout, a compressed tar, a daemon image) is imported into the local image store and
 * exported from it, reproducibly (see `dockerArchiveStream`).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sniffCompression } from '../image/compression.ts';
import { dockerArchiveStream } from '../image/docker-archive-export.ts';
import type { ImportProgress } from '../image/image-source.ts';
import { ImageStore } from '../image/image-store.ts';
import { detectSource } from '../image/sources/detect-source.ts';
import { imageStoreDir } from '../toolkit/gradebox-home.ts';

export interface ImageArchive {
  /** `file`: the user's own `docker save` tar; `store`: exported from the local image store. */
  origin: 'file' | 'store';
  /** A fresh stream of the same bytes on every call. */
  open(): Readable;
  size: number;
  /** Lower-case hex sha256 of the bytes. */
  sha256: string;
  /** The image id, when the image went through the local store. */
  imageId?: string;
}

export interface PrepareOptions {
  /** gradebox's home (image store); see `gradeboxHome`. */
  home: string;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/** Finds the image `ref` names (tarball, OCI layout, daemon image) and hashes the archive that will be sent. */
export async function prepareImageArchive(ref: string, options: PrepareOptions): Promise<ImageArchive> {
  const source = await detectSource(ref);
  if (source.kind === 'docker-archive' && (await sniffCompression(ref)) === 'none') {
    const { size } = await stat(ref);
    const open = (): Readable => createReadStream(ref);
    const digest = await hashStream(open(), { phase: 'checksum', total: size, ...options });
    return { origin: 'file', open, size: digest.size, sha256: digest.sha256 };
  }
  const store = new ImageStore(imageStoreDir(options.home));
  const record = await store.import(ref, { ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const open = (): Readable => dockerArchiveStream(store.blobs, record);
  const approximate = record.layers.reduce((sum, layer) => sum + layer.size, 0);
  const digest = await hashStream(open(), { phase: 'checksum', total: approximate, ...options });
  return { origin: 'store', open, size: digest.size, sha256: digest.sha256, imageId: record.id };
}

/** Reads a stream to its end: its sha256 and length. */
export async function hashStream(stream: Readable, options: { phase?: string; total?: number; signal?: AbortSignal; onProgress?: (p: ImportProgress) => void } = {}): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    stream,
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        options.onProgress?.({ phase: options.phase ?? 'checksum', done: size, ...(options.total ? { total: Math.max(options.total, size) } : {}) });
      }
    },
    { signal: options.signal },
  );
  return { sha256: hash.digest('hex'), size };
}

/** Passes bytes through, reporting how many went by (upload progress). */
export function countingStream(onCount: (done: number) => void): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      onCount(done);
      callback(null, chunk);
    },
  });
}
