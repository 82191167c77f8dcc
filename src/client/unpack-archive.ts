import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { DEFAULT_SUBMISSION_INTAKE_LIMITS } from '../intake/intake-limits.ts';
import { normalizeSubmissionPath } from '../intake/submission-path.ts';

/** An archive from the server that will not be unpacked: a link, a device, an escaping path, too big. */
export class UnsafeArchiveError extends Error {
  override name = 'UnsafeArchiveError';
}

export interface UnpackLimits {
  maxFiles: number;
  maxBytes: number;
}

/** Far above what a server accepts by default (1000 files, 100 MiB): a guard, not a policy. */
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxFiles: 100_000, maxBytes: 8 * 1024 ** 3 };

/**
 * Unpacks a submission tar (`GET /api/submissions/:id/archive`) into `dir`, which must not exist,
 * with the intake's refusals: only files and folders, names checked as at upload (no absolute
 * paths, `..`, control characters), no duplicates, limited count and size. Files are created with
 * O_EXCL in folders made here, so nothing in the archive can point a write elsewhere.
 */
export async function unpackSubmissionTar(body: AsyncIterable<Uint8Array>, dir: string, limits: UnpackLimits = DEFAULT_UNPACK_LIMITS): Promise<number> {
  const root = path.resolve(dir);
  await mkdir(root, { mode: 0o755 });
  const made = new Set<string>([root]);
  const extract = tar.extract();
  let files = 0;
  let bytes = 0;
  const consume = (async () => {
    for await (const entry of extract) {
      const { type, name } = entry.header;
      const clean = cleanName(name);
      const target = path.join(root, clean);
      if (type === 'directory') {
        await makeFolders(target, made);
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        throw new UnsafeArchiveError(`the submission archive holds ${JSON.stringify(name)}, a ${type ?? 'special entry'}; only files and folders are unpacked`);
      }
      files += 1;
      bytes += entry.header.size ?? 0;
      if (files > limits.maxFiles) throw new UnsafeArchiveError(`the submission archive holds more than ${limits.maxFiles} files`);
      if (bytes > limits.maxBytes) throw new UnsafeArchiveError(`the submission archive unpacks to more than ${limits.maxBytes} bytes`);
      await makeFolders(path.dirname(target), made);
      // wx: O_CREAT|O_EXCL, so a second entry of the same name fails instead of overwriting.
      await pipeline(entry, createWriteStream(target, { flags: 'wx', mode: 0o644 })).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST' ? new UnsafeArchiveError(`the submission archive holds ${JSON.stringify(clean)} twice`) : error;
      });
    }
  })().catch((error: unknown) => {
    // Stop reading the download too.
    extract.destroy(error as Error);
    throw error;
  });
  await Promise.all([pipeline(Readable.from(body), extract), consume]);
  return files;
}

function cleanName(name: string): string {
  try {
    // The intake's own rules, without its length limits (the server accepted these names once).
    return normalizeSubmissionPath(name, { ...DEFAULT_SUBMISSION_INTAKE_LIMITS, maxPathBytes: Infinity, maxSegmentBytes: Infinity, maxDepth: Infinity });
  } catch (error) {
    throw new UnsafeArchiveError(`the submission archive holds an unsafe name: ${(error as Error).message}`);
  }
}

async function makeFolders(folder: string, made: Set<string>): Promise<void> {
  if (made.has(folder)) return;
  await makeFolders(path.dirname(folder), made);
  await mkdir(folder, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
    // A file where a folder should be: an archive clash, not a crash.
    if (error.code === 'EEXIST' || error.code === 'ENOTDIR') throw new UnsafeArchiveError(`the submission archive holds a file and a folder both named ${JSON.stringify(path.basename(folder))}`);
    throw error;
  });
  made.add(folder);
}
