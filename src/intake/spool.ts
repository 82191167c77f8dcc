import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ByteSource } from '../image/blob-store.ts';
import { DigestStream } from '../image/digest.ts';
import { ByteLimit } from './byte-limit.ts';

export interface Spooled {
  /** `sha256:<hex>` of the bytes written. */
  digest: string;
  size: number;
}

/**
 * Streams `source` into a new file (`file` must not exist), hashing it on the way, and stops with
 * `tooLarge()` past `maxBytes`. Never holds more than a chunk in memory, so gigabytes are fine.
 * On any failure the partial file is removed before the error propagates.
 */
export async function spoolToFile(
  source: ByteSource,
  file: string,
  opts: { maxBytes: number; tooLarge: () => Error; signal?: AbortSignal | undefined },
): Promise<Spooled> {
  const hasher = new DigestStream();
  try {
    await pipeline(
      source,
      new ByteLimit(opts.maxBytes, opts.tooLarge),
      hasher,
      createWriteStream(file, { flags: 'wx', mode: 0o600 }),
      { signal: opts.signal },
    );
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { digest: hasher.digest, size: hasher.size };
}
