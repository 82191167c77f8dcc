import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, createZstdCompress } from 'node:zlib';
import type { Transform } from 'node:stream';
import tar, { type Header } from 'tar-stream';
import { DigestStream } from '../../src/image/digest.ts';

export type LayerCompression = 'none' | 'gzip' | 'zstd';

/** Every entry gets this mtime unless told otherwise, so equal inputs give equal digests. */
export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

/** A written blob: its digest (as stored) and the digest of its uncompressed tar. */
export interface WrittenLayer {
  file: string;
  digest: string;
  diffId: string;
  size: number;
  compression: LayerCompression;
}

/** An entry to add: tar-stream's header, with content from memory or from a host file. */
export type LayerEntry = Partial<Header> & Pick<Header, 'name'> & { data?: Uint8Array | string; fromFile?: string };

/**
 * Writes a tar layer to `file` through tar-stream's pack(), compressing on the fly, and hashes it
 * twice on the way (uncompressed for the diff_id, as stored for the digest). Entries are added one
 * at a time; defaults make them deterministic (fixed mtime, root owner, no user or group names).
 */
export class LayerWriter {
  readonly #pack = tar.pack();
  readonly #tarHash = new DigestStream();
  readonly #blobHash = new DigestStream();
  readonly #done: Promise<void>;
  readonly #file: string;
  readonly #compression: LayerCompression;

  constructor(file: string, compression: LayerCompression = 'none') {
    this.#file = file;
    this.#compression = compression;
    const compressor: Transform[] =
      compression === 'gzip' ? [createGzip({ level: 6 })] : compression === 'zstd' ? [createZstdCompress()] : [];
    this.#done = pipeline([
      this.#pack as unknown as NodeJS.ReadableStream,
      this.#tarHash,
      ...compressor,
      this.#blobHash,
      createWriteStream(file),
    ]);
    this.#done.catch(() => undefined); // surfaced by finish()
  }

  /** Adds one entry; for a file, its data comes from `data` or streams from `fromFile` (then `size` is required). */
  async add(entry: LayerEntry): Promise<void> {
    const { data, fromFile, ...fields } = entry;
    const header: Partial<Header> & Pick<Header, 'name'> = {
      mtime: FIXED_MTIME,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      ...fields,
    };
    header.type ??= 'file';
    if (header.type === 'file' && fromFile !== undefined) {
      const sink = this.#pack.entry(header);
      await pipeline(createReadStream(fromFile), sink as unknown as NodeJS.WritableStream);
      return;
    }
    const content = data === undefined ? undefined : typeof data === 'string' ? Buffer.from(data) : data;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (content) this.#pack.entry(header, content, done);
      else this.#pack.entry(header, done).end(undefined);
    });
  }

  /** Ends the tar and waits for the file to be written. */
  async finish(): Promise<WrittenLayer> {
    this.#pack.finalize();
    await this.#done;
    return {
      file: this.#file,
      digest: this.#blobHash.digest,
      diffId: this.#tarHash.digest,
      size: this.#blobHash.size,
      compression: this.#compression,
    };
  }
}

/** Re-compresses an uncompressed layer file into `file` (the same content, another encoding). */
export async function recompress(source: WrittenLayer, file: string, compression: LayerCompression): Promise<WrittenLayer> {
  const hash = new DigestStream();
  const compressor: Transform[] =
    compression === 'gzip' ? [createGzip({ level: 6 })] : compression === 'zstd' ? [createZstdCompress()] : [];
  await pipeline([createReadStream(source.file), ...compressor, hash, createWriteStream(file)]);
  return { file, digest: hash.digest, diffId: source.diffId, size: hash.size, compression };
}
