import type { Readable } from 'node:stream';
import type { BlobStore } from '../image/blob-store.ts';
import { InvalidInput, TooLarge } from '../platform/errors.ts';
import type { SubmissionFile } from '../platform/model.ts';
import { sniffArchive } from './archive-kind.ts';
import { ByteLimit, showBytes } from './byte-limit.ts';
import { orStorageFull } from './disk-full.ts';
import { resolveIntakeLimits, type SubmissionIntakeLimits } from './intake-limits.ts';
import { spoolToFile } from './spool.ts';
import { SubmissionStaging } from './staging.ts';
import { normalizeSubmissionPath } from './submission-path.ts';
import { stageTar } from './tar-intake.ts';
import { stageZip } from './zip-intake.ts';

/** One uploaded part, as the server hands it over from multipart/form-data. */
export interface IncomingPart {
  /** `file`: one file, `filename` is its relative path. `archive`: a zip, tar or tar.gz of all files. */
  field: 'file' | 'archive';
  filename: string;
  stream: Readable;
}

/**
 * Receives a submission's files into the blob store and returns its manifest, sorted by path.
 *
 * Either any number of `file` parts (the filename is the relative path; subfolders allowed) or
 * exactly one `archive` part (zip, tar or gzip-compressed tar, told by content). Every name is
 * checked (see normalizeSubmissionPath), duplicates and file/folder clashes are refused, archives
 * may hold only files and folders, and the limits (upload bytes, files, unpacked bytes, compression
 * ratios, name lengths, depth) are enforced while streaming. A refusal is InvalidInput (400) or
 * TooLarge (413); a full disk is StorageFull (507). In every failure nothing is stored: files are
 * staged privately and moved into the store only once the whole upload was accepted, and the
 * staging area is removed on every path.
 *
 * `limits` may be partial; missing ones take the defaults (docs/api.md).
 */
export async function receiveSubmission(
  parts: AsyncIterable<IncomingPart>,
  blobs: BlobStore,
  limits: Partial<SubmissionIntakeLimits> = {},
  signal?: AbortSignal,
): Promise<SubmissionFile[]> {
  const resolved = resolveIntakeLimits(limits);
  return orStorageFull(async () => {
    const staging = new SubmissionStaging(blobs, resolved);
    try {
      let mode: IncomingPart['field'] | undefined;
      let uploaded = 0;
      for await (const part of parts) {
        try {
          signal?.throwIfAborted();
          if (part.field === 'archive') {
            if (mode !== undefined) throw new InvalidInput('send either `file` parts or exactly one `archive` part; nothing was stored');
            mode = 'archive';
            await stageArchive(part, staging, resolved, signal);
          } else if (part.field === 'file') {
            if (mode === 'archive') throw new InvalidInput('send either `file` parts or exactly one `archive` part; nothing was stored');
            mode = 'file';
            const name = normalizeSubmissionPath(part.filename, resolved);
            // One upload budget for all file parts together.
            const budget = new ByteLimit(resolved.maxUploadBytes - uploaded, () => uploadTooLarge(resolved), (n) => (uploaded += n));
            part.stream.on('error', (err) => budget.destroy(err));
            await staging.addFile(name, part.stream.pipe(budget), { signal });
          } else {
            throw new InvalidInput(`unknown part field ${JSON.stringify(String((part as { field: unknown }).field))}: use \`file\` or \`archive\``);
          }
        } catch (error) {
          // The rest of this part is not wanted; the caller discards the rest of the request.
          part.stream.destroy();
          throw error;
        }
      }
      return await staging.commit();
    } finally {
      await staging.discard();
    }
  });
}

/** Spools the archive (zip needs random access) into the staging folder, then stages its files. */
async function stageArchive(part: IncomingPart, staging: SubmissionStaging, limits: SubmissionIntakeLimits, signal?: AbortSignal): Promise<void> {
  const file = await staging.privatePath('upload');
  const { size } = await spoolToFile(part.stream, file, { maxBytes: limits.maxUploadBytes, tooLarge: () => uploadTooLarge(limits), signal });
  const kind = await sniffArchive(file);
  if (kind === 'zip') await stageZip(file, size, staging, limits, signal);
  else await stageTar(file, kind === 'tar.gz', size, staging, limits, signal);
}

function uploadTooLarge(limits: SubmissionIntakeLimits): TooLarge {
  return new TooLarge(`the upload is larger than the ${showBytes(limits.maxUploadBytes)} allowed; nothing was stored`, { limit: limits.maxUploadBytes });
}
