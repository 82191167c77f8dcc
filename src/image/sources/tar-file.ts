import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ByteSource } from '../blob-store.ts';
import { decompressor, sniffCompression } from '../compression.ts';
import { ImageError } from '../image.ts';
import { forEachTarEntry } from '../tar-entries.ts';

/** Which image format a tar archive holds, told by its top-level metadata files. */
export type ArchiveFormat = 'oci-layout' | 'docker-archive' | 'neither';

/** A file's bytes, decompressed when the archive itself is gzip or zstd (`docker save | gzip`). */
export async function openTarFile(file: string): Promise<ByteSource> {
  const dec = decompressor(await sniffCompression(file));
  const stream = createReadStream(file);
  if (!dec) return stream;
  stream.on('error', (err) => dec.destroy(err));
  dec.on('close', () => stream.destroy());
  return stream.pipe(dec);
}

/**
 * Tells an OCI layout tar from a `docker save` tar by the first of `oci-layout` / `manifest.json`
 * met (Docker 25+ writes both, and either reading works). An uncompressed file is walked header
 * by header with seeks, so a multi-gigabyte archive whose manifest.json comes last (as older
 * `docker save` writes it) is still peeked in milliseconds. ImageError for a file that is not a tar.
 */
export async function peekTar(file: string): Promise<ArchiveFormat> {
  if ((await sniffCompression(file)) === 'none') return peekPlainTar(file);
  let found: ArchiveFormat = 'neither';
  const stop = new Error('found');
  try {
    await forEachTarEntry(await openTarFile(file), file, async (entry) => {
      found = formatOf(entry.header.name);
      if (found !== 'neither') throw stop;
    });
  } catch (err) {
    if (err !== stop) throw err;
  }
  return found;
}

function formatOf(name: string): ArchiveFormat {
  const clean = name.replace(/^(\.\/|\/)+/, '');
  if (clean === 'oci-layout') return 'oci-layout';
  if (clean === 'manifest.json') return 'docker-archive';
  return 'neither';
}

async function peekPlainTar(file: string): Promise<ArchiveFormat> {
  const fh = await open(file, 'r');
  try {
    const header = Buffer.alloc(512);
    let offset = 0;
    for (let index = 0; ; index++) {
      const { bytesRead } = await fh.read(header, 0, 512, offset);
      if (bytesRead < 512 || header.every((b) => b === 0)) {
        if (index === 0) throw new ImageError(`${file}: not a tar archive (nor an image directory)`);
        return 'neither';
      }
      if (!checksumOk(header)) {
        throw new ImageError(index === 0 ? `${file}: not a tar archive` : `${file}: corrupt tar header at byte ${offset}`);
      }
      // Short names live in the plain name field even when a pax header precedes them; only these two matter.
      const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const found = formatOf(name);
      if (found !== 'neither') return found;
      offset += 512 + Math.ceil(sizeOf(header) / 512) * 512;
    }
  } finally {
    await fh.close();
  }
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  const stored = parseInt(header.toString('ascii', 148, 156).replace(/[\0 ]/g, ''), 8);
  return stored === sum;
}

function sizeOf(header: Buffer): number {
  const type = String.fromCharCode(header[156] ?? 0);
  if ('12345'.includes(type)) return 0; // links, devices and directories carry no data
  if (((header[124] ?? 0) & 0x80) !== 0) {
    // GNU base-256 encoding for sizes of 8 GiB and more.
    let size = 0;
    for (let i = 125; i < 136; i++) size = size * 256 + (header[i] ?? 0);
    return size;
  }
  return parseInt(header.toString('ascii', 124, 136).replace(/[\0 ]/g, '') || '0', 8);
}
