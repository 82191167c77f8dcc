import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { sniffCompression } from './compression.ts';
import { ImageError } from './image.ts';
import { openUncompressed } from './layer-headers.ts';

/**
 * Streams `size` bytes of a layer's uncompressed tar starting at `offset` (one entry's data, found
 * by `scanLayerHeaders`). A plain tar is read in place, straight from the offset; a gzip or zstd
 * one is decompressed from the start and the bytes before the offset dropped, since neither format
 * can seek. Chunks pass through as they come, so a file of any size costs a few buffers of memory,
 * and stopping early (a closed pipe) stops the read.
 */
export async function readLayerSlice(blob: string, offset: number, size: number, what: string): Promise<Readable> {
  if (size === 0) return Readable.from([]);
  if ((await sniffCompression(blob)) === 'none') {
    return Readable.from(exactly(createReadStream(blob, { start: offset, end: offset + size - 1 }), 0, size, what));
  }
  return Readable.from(exactly(await openUncompressed(blob), offset, size, what));
}

/** The `length` bytes of `source` after the first `skip`; an ImageError if it ends before them. */
async function* exactly(source: NodeJS.ReadableStream, skip: number, length: number, what: string): AsyncGenerator<Buffer> {
  let position = 0;
  let left = length;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const from = Math.max(0, skip - position);
    position += chunk.length;
    if (from >= chunk.length) continue;
    const piece = chunk.subarray(from, from + Math.min(left, chunk.length - from));
    left -= piece.length;
    yield piece;
    // Leaving the loop destroys the source, which ends a decompression still under way.
    if (left === 0) return;
  }
  throw new ImageError(`${what}: the layer ends ${left} bytes before the end of the file's data`);
}
