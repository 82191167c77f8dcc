import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar, { type Header } from 'tar-stream';
import type { ByteSource } from './blob-store.ts';
import { ImageError } from './image.ts';

/** One entry of a tar stream: its header, and its data (read it at most once). */
export interface TarEntry extends AsyncIterable<Buffer> {
  header: Header;
}

/**
 * Reads a tar stream one entry at a time, in order, awaiting `onEntry` before the next one; the
 * entry's data is drained if the handler leaves any. Errors from the handler propagate as they
 * are; a malformed or truncated tar becomes an ImageError that names `what`.
 */
export async function forEachTarEntry(
  source: ByteSource,
  what: string,
  onEntry: (entry: TarEntry) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const extract = tar.extract();
  let handlerFailed = false;
  const feeding = pipeline(source, extract, { signal });
  // Surfaced below; this only keeps an early rejection from counting as unhandled.
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract as unknown as AsyncIterable<TarEntry>) {
      try {
        await onEntry(entry);
      } catch (err) {
        handlerFailed = true;
        throw err;
      }
      await drain(entry);
    }
    await feeding;
  } catch (err) {
    extract.destroy();
    (source as Partial<Readable>).destroy?.();
    await feeding.catch(() => undefined);
    if (handlerFailed || err instanceof ImageError || (err as Error).name === 'AbortError') throw err;
    throw new ImageError(`${what}: not a readable tar archive (${(err as Error).message})`);
  }
}

async function drain(entry: TarEntry): Promise<void> {
  for await (const _chunk of entry) {
    // discard
  }
}
