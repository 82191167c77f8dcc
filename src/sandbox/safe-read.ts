import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputFile } from './sandbox.ts';

export interface SafeReadOptions {
  /** Largest file accepted, in bytes; larger files are rejected without being read. */
  capBytes: number;
  /** How the file is named in messages (its path inside the sandbox). */
  displayPath: string;
}

function describe(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Reads a file the sandbox wrote, from the host side, without trusting anything the sandbox
 * controls: `relative` is resolved under the trusted directory `root` one component at a time,
 * and no component may be a symbolic link; the file must be a regular file no larger than
 * `capBytes` (a 2 GB sparse file is rejected from its size, unread); FIFOs, sockets and devices
 * are refused from `lstat` before anything opens them, and the final open uses
 * O_NOFOLLOW|O_NONBLOCK and checks that it got the inode it inspected.
 *
 * Call it only once every sandboxed process is dead, so the tree cannot change underneath.
 */
export async function safeReadFile(root: string, relative: string, options: SafeReadOptions): Promise<OutputFile> {
  const { capBytes, displayPath } = options;
  const fail = (error: string): OutputFile => ({ ok: false, missing: false, error: `${displayPath}: ${error}` });
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..')) return fail('not a file path');

  let path = root;
  let stats: Stats | undefined;
  for (const [i, part] of parts.entries()) {
    path = join(path, part);
    try {
      stats = await lstat(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') {
        return { ok: false, missing: true, error: `${displayPath}: no such file` };
      }
      return fail(`cannot inspect: ${(error as Error).message}`);
    }
    const last = i === parts.length - 1;
    if (!last && !stats.isDirectory()) {
      return fail(`parent /${parts.slice(0, i + 1).join('/')} is ${describe(stats)}, not a directory`);
    }
  }
  if (stats === undefined || !stats.isFile()) return fail(`is ${stats ? describe(stats) : 'missing'}; output files must be regular files`);
  if (stats.size > capBytes) return fail(`is ${stats.size} bytes, larger than the ${capBytes}-byte limit`);

  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (errnoOf(error) === 'ELOOP') return fail('is a symbolic link; output files must be regular files');
    return fail(`cannot open: ${(error as Error).message}`);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) return fail('changed while being read');
    if (opened.size > capBytes) return fail(`is ${opened.size} bytes, larger than the ${capBytes}-byte limit`);
    // One byte more than allowed tells a file that grew apart from one that fits exactly.
    const buffer = Buffer.alloc(Math.min(opened.size, capBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > capBytes) return fail(`is larger than the ${capBytes}-byte limit`);
    return { ok: true, data: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
}
