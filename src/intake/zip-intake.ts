import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { InvalidInput, PlatformError, TooLarge } from '../platform/errors.ts';
import { isDiskFull } from './disk-full.ts';
import { ratioProblem, type SubmissionIntakeLimits } from './intake-limits.ts';
import type { SubmissionStaging } from './staging.ts';
import { isTopFolder, normalizeSubmissionPath, show } from './submission-path.ts';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const STORED = 0;
const DEFLATED = 8;

/**
 * Stages every file of the zip at `file` (`size` bytes on disk). yauzl reads the central directory
 * with random access and checks each entry's actual size against its declared one; on top of that
 * every entry is refused unless it is a plain file or folder with a safe name, unencrypted, stored
 * or deflated, within the per-entry and whole-archive compression ratios and the staging limits.
 * Any refusal stops the whole archive (InvalidInput / TooLarge); a damaged zip is InvalidInput.
 */
export async function stageZip(file: string, size: number, staging: SubmissionStaging, limits: SubmissionIntakeLimits, signal?: AbortSignal): Promise<void> {
  let zip: ZipFile | undefined;
  try {
    // decodeStrings off: names are decoded below with backslashes kept, so they are refused with
    // our message instead of being silently turned into folder separators.
    zip = await yauzl.openPromise(file, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
    if (zip.entryCount > 2 * limits.maxFiles) {
      throw new TooLarge(`the archive holds ${zip.entryCount} entries, more than the ${limits.maxFiles} files allowed; nothing was stored`, { limit: limits.maxFiles });
    }
    for await (const entry of zip.eachEntry()) {
      signal?.throwIfAborted();
      await stageEntry(zip, entry, size, staging, limits, signal);
    }
  } catch (error) {
    if (error instanceof PlatformError || isDiskFull(error) || (error as Error).name === 'AbortError') throw error;
    throw new InvalidInput(`the zip archive cannot be read: ${(error as Error).message}; nothing was stored`);
  } finally {
    zip?.close();
  }
}

async function stageEntry(
  zip: ZipFile,
  entry: Entry,
  archiveSize: number,
  staging: SubmissionStaging,
  limits: SubmissionIntakeLimits,
  signal: AbortSignal | undefined,
): Promise<void> {
  const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
  if (isTopFolder(raw)) return;
  const path = normalizeSubmissionPath(raw, limits);
  const refuse = (why: string): never => {
    throw new InvalidInput(`refused archive entry ${show(raw)}: ${why}; nothing was stored`, { path: raw });
  };
  // Unix zips keep st_mode in the high 16 bits of the external attributes; 0 means "not recorded".
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) refuse('symbolic links are not allowed');
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) refuse('only files and folders are allowed (no devices, FIFOs or sockets)');
  if (entry.isEncrypted()) refuse('encrypted entries are not allowed');
  if (raw.endsWith('/') || type === S_IFDIR) {
    staging.addFolder(path);
    return;
  }
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    refuse(`compression method ${entry.compressionMethod} is not supported (only stored and deflate)`);
  }
  const bomb =
    ratioProblem(limits, entry.uncompressedSize, entry.compressedSize, `archive entry ${show(raw)}`) ??
    ratioProblem(limits, staging.bytes + entry.uncompressedSize, archiveSize, 'the archive');
  if (bomb) throw bomb;
  const stream = await zip.openReadStreamPromise(entry);
  await staging.addFile(path, stream, { declaredSize: entry.uncompressedSize, signal });
}
