import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stage that fails with `tooMany(seen)` as soon as more than `max` bytes went by,
 * so an oversize stream is stopped at the limit rather than read to its end. `onBytes` sees every
 * chunk's length (for a budget shared by several streams).
 */
export class ByteLimit extends Transform {
  readonly #max: number;
  readonly #tooMany: (seen: number) => Error;
  readonly #onBytes: ((n: number) => void) | undefined;
  #seen = 0;

  constructor(max: number, tooMany: (seen: number) => Error, onBytes?: (n: number) => void) {
    super();
    this.#max = max;
    this.#tooMany = tooMany;
    this.#onBytes = onBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#max) {
      done(this.#tooMany(this.#seen));
      return;
    }
    this.#onBytes?.(chunk.length);
    done(null, chunk);
  }
}

/** `n` bytes for messages: `50 MiB`, `1.5 KiB`, `12 bytes`. */
export function showBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
