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

/** What a path inside the sandbox turned out to be, for messages about output files. */
export type FileKind = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'device' | 'other';

const KIND_WORDS: Record<FileKind, string> = {
  file: 'a regular file',
  directory: 'a directory',
  symlink: 'a symbolic link',
  fifo: 'a FIFO (named pipe)',
  socket: 'a socket',
  device: 'a device',
  other: 'not a regular file',
};

/**
 * The messages every backend gives for a refused output file (after `<display path>: `), so a
 * grader sees the same words whichever backend ran it.
 */
export const outputFileErrors = {
  missing: 'no such file',
  notAPath: 'not a file path',
  notRegular: (kind: FileKind): string => `is ${KIND_WORDS[kind]}; output files must be regular files`,
  tooLarge: (size: number, capBytes: number): string => `is ${size} bytes, larger than the ${capBytes}-byte limit`,
  /** `parent` is the path of the offending component relative to the volume, with a leading `/`. */
  parentNotDirectory: (parent: string, kind: FileKind): string => `parent ${parent} is ${KIND_WORDS[kind]}, not a directory`,
};

function kindOf(stats: Stats): FileKind {
  if (stats.isFile()) return 'file';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  return 'other';
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
  if (parts.length === 0 || parts.includes('..')) return fail(outputFileErrors.notAPath);

  let path = root;
  let stats: Stats | undefined;
  for (const [i, part] of parts.entries()) {
    path = join(path, part);
    try {
      stats = await lstat(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') {
        return { ok: false, missing: true, error: `${displayPath}: ${outputFileErrors.missing}` };
      }
      return fail(`cannot inspect: ${(error as Error).message}`);
    }
    const last = i === parts.length - 1;
    if (!last && !stats.isDirectory()) {
      return fail(outputFileErrors.parentNotDirectory(`/${parts.slice(0, i + 1).join('/')}`, kindOf(stats)));
    }
  }
  if (stats === undefined || !stats.isFile()) return fail(outputFileErrors.notRegular(stats ? kindOf(stats) : 'other'));
  if (stats.size > capBytes) return fail(outputFileErrors.tooLarge(stats.size, capBytes));

  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (errnoOf(error) === 'ELOOP') return fail(outputFileErrors.notRegular('symlink'));
    return fail(`cannot open: ${(error as Error).message}`);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) return fail('changed while being read');
    if (opened.size > capBytes) return fail(outputFileErrors.tooLarge(opened.size, capBytes));
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
