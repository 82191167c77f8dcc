import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ImageError } from '../image/image.ts';
import { forEachTarEntry, type TarEntry } from '../image/tar-entries.ts';
import { InvalidInput, PlatformError, TooLarge } from '../platform/errors.ts';
import { isDiskFull } from './disk-full.ts';
import { showBytes } from './byte-limit.ts';
import { ratioProblem, type SubmissionIntakeLimits } from './intake-limits.ts';
import type { SubmissionStaging } from './staging.ts';
import { isTopFolder, normalizeSubmissionPath, show } from './submission-path.ts';

// Headers, pax records and padding around each entry; bounds the tar stream beyond its files' bytes.
const OVERHEAD_PER_ENTRY = 4096;
const REFUSED_TYPES: Record<string, string> = {
  symlink: 'symbolic links are not allowed',
  link: 'hard links are not allowed',
  'character-device': 'devices are not allowed',
  'block-device': 'devices are not allowed',
  fifo: 'FIFOs are not allowed',
};

/**
 * Stages every file of the tar (or gzip-compressed tar) at `file`, `size` bytes on disk. Only
 * regular files and folders are accepted; links, devices, FIFOs and unknown entry types refuse the
 * whole archive. The decompressed stream itself is bounded (files plus a little per-entry
 * overhead) and, when compressed, held to the whole-archive compression ratio, so a gzip bomb is
 * stopped early. A malformed tar or gzip is InvalidInput.
 */
export async function stageTar(file: string, gzip: boolean, size: number, staging: SubmissionStaging, limits: SubmissionIntakeLimits, signal?: AbortSignal): Promise<void> {
  // The source's own refusal is kept here: forEachTarEntry reports source failures as a bad tar.
  let refusal: Error | undefined;
  const maxStream = limits.maxUnpackedBytes + (2 * limits.maxFiles + 16) * OVERHEAD_PER_ENTRY;
  async function* bytes(): AsyncGenerator<Buffer> {
    const input = createReadStream(file);
    const gunzip = gzip ? createGunzip() : undefined;
    if (gunzip) input.on('error', (err) => gunzip.destroy(err));
    const stream = gunzip ? input.pipe(gunzip) : input;
    let seen = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > maxStream) {
          throw (refusal = new TooLarge(`the archive unpacks to more than the ${showBytes(limits.maxUnpackedBytes)} allowed; nothing was stored`, { limit: limits.maxUnpackedBytes }));
        }
        if (gzip) {
          const bomb = ratioProblem(limits, seen, size, 'the archive');
          if (bomb) throw (refusal = bomb);
        }
        yield chunk;
      }
    } finally {
      input.destroy();
      gunzip?.destroy();
    }
  }
  try {
    await forEachTarEntry(bytes(), 'the archive', (entry) => stageEntry(entry, staging, limits, signal), signal);
  } catch (error) {
    if (refusal) throw refusal;
    if (error instanceof ImageError) throw new InvalidInput(`${error.message}; nothing was stored`);
    if (error instanceof PlatformError || isDiskFull(error) || (error as Error).name === 'AbortError') throw error;
    // A damaged gzip stream fails inside an entry's data, so it reaches us as the handler's error.
    throw new InvalidInput(`the archive: not a readable tar archive (${(error as Error).message}); nothing was stored`);
  }
}

async function stageEntry(entry: TarEntry, staging: SubmissionStaging, limits: SubmissionIntakeLimits, signal: AbortSignal | undefined): Promise<void> {
  const { name, type } = entry.header;
  if (type === 'directory' && isTopFolder(name)) return;
  const path = normalizeSubmissionPath(name, limits);
  const refuse = (why: string): never => {
    throw new InvalidInput(`refused archive entry ${show(name)}: ${why}; nothing was stored`, { path: name });
  };
  if (type === 'directory') {
    staging.addFolder(path);
    return;
  }
  if (type !== 'file' && type !== 'contiguous-file') refuse(REFUSED_TYPES[String(type)] ?? 'only files and folders are allowed (this entry is of another type)');
  await staging.addFile(path, entry, { declaredSize: entry.header.size ?? 0, signal });
}
