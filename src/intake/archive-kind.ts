import { open } from 'node:fs/promises';
import { InvalidInput } from '../platform/errors.ts';

/** The archive formats a submission may come in. */
export type ArchiveKind = 'zip' | 'tar' | 'tar.gz';

const OTHER_COMPRESSION: [string, number[]][] = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

/**
 * Tells an uploaded archive's format by its first bytes, never by its name (a `.zip` that is a
 * tar works; a `.zip` that is a PDF does not): zip local-file or empty-archive signature, gzip
 * magic (a tar inside is checked when it is read), or `ustar` at offset 257. InvalidInput otherwise.
 */
export async function sniffArchive(file: string): Promise<ArchiveKind> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const starts = (magic: number[]): boolean => magic.every((byte, i) => head[i] === byte);
  if (head.length === 0) throw new InvalidInput('the archive part is empty; nothing was stored');
  if (starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (starts([0x1f, 0x8b])) return 'tar.gz';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  const other = OTHER_COMPRESSION.find(([, magic]) => starts(magic));
  if (other) throw new InvalidInput(`the archive is ${other[0]}-compressed; send a zip, a tar or a gzip-compressed tar; nothing was stored`);
  throw new InvalidInput('the archive part is neither a zip, a tar nor a gzip-compressed tar (by its content, whatever its name); nothing was stored');
}
