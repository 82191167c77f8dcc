import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { decompressor, sniffCompression } from './compression.ts';
import { ImageError } from './image.ts';
import { forEachTarEntry } from './tar-entries.ts';

/** One tar entry of a layer, without its content: where its data starts is enough to read it later. */
export interface LayerHeader {
  /** The entry's name as written in the layer (`./etc/passwd`, `etc/`, `etc/.wh.old`). */
  name: string;
  /** tar-stream's type (`file`, `directory`, `symlink`, `link`, `fifo`, devices, ...). */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  linkname: string;
  /** Offset of the entry's data in the uncompressed tar stream. */
  dataOffset: number;
}

export interface ScanOptions {
  /** Expected digest of the uncompressed tar (the config's diff_id); checked after the last byte. */
  diffId?: string;
  signal?: AbortSignal;
}

/** A tar header is one 512-byte block; tar-stream reports where it starts and the data follows it. */
const BLOCK = 512;

/**
 * Reads a layer blob (plain, gzip or zstd tar, told apart by magic bytes) header by header without
 * keeping any content, and returns its entries in order. Content bytes still flow through the
 * parser (a tar has no table of contents), but nothing is written anywhere. With `diffId`, the
 * uncompressed stream must hash to it, as when the layer is unpacked.
 */
export async function scanLayerHeaders(blob: string, what: string, opts: ScanOptions = {}): Promise<LayerHeader[]> {
  const hash = opts.diffId === undefined ? undefined : createHash('sha256');
  const headers: LayerHeader[] = [];
  const source = await openUncompressed(blob);
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      hash?.update(chunk);
      yield chunk;
    }
  }
  await forEachTarEntry(
    hashed(),
    what,
    async (entry) => {
      const h = entry.header;
      const offset = (entry as unknown as { offset?: unknown }).offset;
      if (typeof offset !== 'number') throw new ImageError(`${what}: the tar reader gave no offset for entry ${JSON.stringify(h.name)}`);
      headers.push({
        name: h.name,
        type: String(h.type),
        mode: h.mode ?? 0,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        size: h.size ?? 0,
        mtimeMs: h.mtime?.getTime() ?? 0,
        linkname: h.linkname ?? '',
        dataOffset: offset + BLOCK,
      });
    },
    opts.signal,
  );
  const actual = hash ? `sha256:${hash.digest('hex')}` : undefined;
  if (actual !== undefined && actual !== opts.diffId) {
    throw new ImageError(`${what}: uncompressed layer digest mismatch: expected ${opts.diffId} (config diff_id), content is ${actual}`);
  }
  return headers;
}

/** The blob's bytes as a tar stream: decompressed when it is gzip or zstd. */
export async function openUncompressed(blob: string): Promise<NodeJS.ReadableStream> {
  const dec = decompressor(await sniffCompression(blob));
  if (!dec) return createReadStream(blob);
  const file = createReadStream(blob);
  file.on('error', (err) => dec.destroy(err));
  dec.on('close', () => file.destroy());
  return file.pipe(dec);
}
