import { open } from 'node:fs/promises';
import type { Transform } from 'node:stream';
import { ImageError } from './image.ts';

export type Compression = 'none' | 'gzip' | 'zstd';

const MAGIC: [Compression | 'xz' | 'bzip2', number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

/**
 * Tells how a file is compressed from its first bytes. Media types lie (Docker archives label
 * gzip layers as plain tar and vice versa), so the bytes decide. xz and bzip2 are legal in old
 * Docker layers but never produced by current tools; they are refused by name.
 */
export async function sniffCompression(file: string): Promise<Compression> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  for (const [kind, magic] of MAGIC) {
    if (magic.every((byte, i) => head[i] === byte)) {
      if (kind === 'xz' || kind === 'bzip2') throw new ImageError(`${file}: ${kind}-compressed content is not supported`);
      return kind;
    }
  }
  return 'none';
}

/** A decompressing transform for `kind`, or undefined for uncompressed content. */
export function decompressor(kind: Compression): Transform | undefined {
  if (kind === 'none') return undefined;
  // node:zlib is loaded only here, when a compressed layer is read: grading with a cached image
  // never is, and loading it would cost every `gradebox grade local` ~2 ms.
  const zlib = process.getBuiltinModule('node:zlib');
  return kind === 'gzip' ? zlib.createGunzip() : zlib.createZstdDecompress();
}
