import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ImageError } from './image.ts';
import { nodeCrypto } from '../util/node-crypto.ts';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/**
 * Returns the hex part of a `sha256:<hex>` digest. Other algorithms are refused: every image tool
 * in use writes sha256, and a digest we cannot verify is worth nothing.
 */
export function digestHex(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match?.[1]) throw new ImageError(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return match[1];
}

/** True for a well-formed `sha256:<64 hex>` digest. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}

/** The `sha256:` digest of a buffer. */
export function digestOf(data: Uint8Array): string {
  return `sha256:${nodeCrypto().createHash('sha256').update(data).digest('hex')}`;
}

/** A pass-through stream that hashes (and counts) whatever flows through it. */
export class DigestStream extends Transform {
  readonly #hash: Hash = nodeCrypto().createHash('sha256');
  #size = 0;
  readonly #onBytes: ((n: number) => void) | undefined;

  constructor(onBytes?: (n: number) => void) {
    super();
    this.#onBytes = onBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    this.#onBytes?.(chunk.length);
    done(null, chunk);
  }

  /** Valid once the stream has finished. */
  get digest(): string {
    return `sha256:${this.#hash.copy().digest('hex')}`;
  }

  get size(): number {
    return this.#size;
  }
}
