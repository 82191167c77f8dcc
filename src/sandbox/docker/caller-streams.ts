import { createReadStream, createWriteStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { isatty, ReadStream } from 'node:tty';

// An interactive docker session copies between the caller's descriptors and the attach socket.
// The descriptors belong to the caller: streams over them are let go of afterwards, never closed.

/**
 * A stream reading descriptor `fd` in the way that suits what it is: process.stdin for 0 (Node
 * picks the kind), else a non-blocking tty or pipe handle, or a file read. A blocking read of a
 * terminal or pipe in Node's thread pool could not be called off and would hold the process open.
 */
function openInput(fd: number): Readable {
  if (fd === 0) return process.stdin;
  if (isatty(fd)) return new ReadStream(fd);
  const stats = fstatSync(fd);
  if (stats.isFIFO() || stats.isSocket()) return new Socket({ fd, readable: true, writable: false });
  return createReadStream('', { fd, autoClose: false });
}

/**
 * Reads the caller's descriptor `fd`, handing each chunk to `onData` and its end to `onEnd`,
 * until the returned function is called: then it stops reading (paused, so the process can exit)
 * and leaves the descriptor open.
 */
export function readCaller(fd: number, onData: (chunk: Buffer) => void, onEnd: () => void): () => void {
  // Paused, never destroyed: destroying any of these streams would close the caller's descriptor.
  const stream = openInput(fd);
  const ignore = (): void => undefined;
  stream.on('data', onData);
  stream.once('end', onEnd);
  // A terminal that went away fails with EIO: the session ends through SIGHUP, not a crash.
  stream.on('error', ignore);
  return () => {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.pause();
    stream.off('error', ignore);
  };
}

/**
 * A stream writing to the caller's descriptor `fd` (process.stdout and stderr for 1 and 2, whose
 * writes Node makes synchronous), with write errors (a closed terminal, EIO) ignored, and how to
 * flush it and let go of it without closing the descriptor.
 */
export function writeCaller(fd: number): { stream: Writable; release: () => Promise<void> } {
  const ignore = (): void => undefined;
  const std = fd === 1 ? process.stdout : fd === 2 ? process.stderr : undefined;
  if (std !== undefined) {
    std.on('error', ignore);
    return { stream: std, release: async () => void std.off('error', ignore) };
  }
  const file = createWriteStream('', { fd, autoClose: false });
  file.on('error', ignore);
  return {
    stream: file,
    release: async () => {
      file.end();
      await finished(file).catch(() => undefined);
    },
  };
}
