import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempPath } from '../util/atomic-file.ts';
import { DigestStream, digestHex } from './digest.ts';
import { ImageError } from './image.ts';

/** Anything `stream.pipeline` can read from. */
export type ByteSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

export interface PutOptions {
  /** Digest the content must have (e.g. taken from a file name or a manifest); checked, never trusted. */
  expected?: string;
  /** Names the content in error messages (an archive entry, a manifest field). */
  what?: string;
  signal?: AbortSignal;
  /** Called with each chunk's length, for progress. */
  onBytes?: (n: number) => void;
}

export interface BlobInfo {
  digest: string;
  size: number;
}

/**
 * Content-addressed blobs under `<root>/blobs/sha256/<hex>`. Content is streamed into a temporary
 * file while being hashed, then renamed into place, so a blob at its final path is always
 * complete and always has the digest its name says.
 */
export class BlobStore {
  readonly root: string;
  readonly #tmp: string;

  constructor(root: string) {
    this.root = root;
    this.#tmp = path.join(root, 'tmp');
  }

  /** Where the blob with this digest lives (whether or not it exists yet). */
  path(digest: string): string {
    return path.join(this.root, 'blobs', 'sha256', digestHex(digest));
  }

  /** True when the blob is stored. */
  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Streams `source` into the store and returns its digest and size. With `expected`, a mismatch
   * rejects with an ImageError naming both digests and nothing is stored; when a blob with the
   * expected digest is already stored, the content is still hashed (to report corruption) but
   * not written again.
   */
  async put(source: ByteSource, opts: PutOptions = {}): Promise<BlobInfo> {
    if (opts.expected !== undefined) digestHex(opts.expected); // refuse a malformed digest up front
    const hasher = new DigestStream(opts.onBytes);
    if (opts.expected !== undefined && (await this.has(opts.expected))) {
      const sink = new Writable({ write: (_chunk, _enc, done) => done() });
      await pipeline(source, hasher, sink, { signal: opts.signal });
      this.#check(hasher.digest, opts);
      return { digest: hasher.digest, size: hasher.size };
    }
    await mkdir(this.#tmp, { recursive: true });
    const tmp = tempPath(this.#tmp, 'blob');
    try {
      await pipeline(source, hasher, createWriteStream(tmp, { mode: 0o444 }), { signal: opts.signal });
      this.#check(hasher.digest, opts);
      const final = this.path(hasher.digest);
      await mkdir(path.dirname(final), { recursive: true });
      await rename(tmp, final);
      return { digest: hasher.digest, size: hasher.size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Reads a small blob (a manifest, a config) whole; refuses one larger than `maxBytes`. */
  async read(digest: string, maxBytes = 16 << 20): Promise<Buffer> {
    const file = this.path(digest);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw new ImageError(`blob ${digest} is not in the store`);
    }
    if (size > maxBytes) throw new ImageError(`blob ${digest} is ${size} bytes, more than the ${maxBytes} allowed here`);
    return readFile(file);
  }

  /** A read stream over a stored blob. */
  open(digest: string): ReadStream {
    return createReadStream(this.path(digest));
  }

  #check(actual: string, opts: PutOptions): void {
    if (opts.expected !== undefined && actual !== opts.expected) {
      const what = opts.what ? `${opts.what}: ` : '';
      throw new ImageError(`${what}digest mismatch: expected ${opts.expected}, content is ${actual}`);
    }
  }
}
