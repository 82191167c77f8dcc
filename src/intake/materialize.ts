import { constants } from 'node:fs';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../image/blob-store.ts';
import type { SubmissionFile } from '../platform/model.ts';
import { DEFAULT_SUBMISSION_INTAKE_LIMITS } from './intake-limits.ts';
import { normalizeSubmissionPath } from './submission-path.ts';

/**
 * Writes a submission's files into `dir`, which must not exist yet (its parent is created): folders
 * 0755, files 0644, whatever the umask. Each path is checked again before use (defence in depth:
 * the manifest comes from the database, not from this process's intake) and must stay inside
 * `dir`. Because `dir` is fresh and every folder in it is made here, no link can be in the way.
 * Throws for a bad path or a blob missing from the store.
 */
export async function materializeSubmission(blobs: BlobStore, files: readonly SubmissionFile[], dir: string): Promise<void> {
  const root = path.resolve(dir);
  await mkdir(path.dirname(root), { recursive: true });
  await mkdir(root);
  await chmod(root, 0o755);
  const made = new Set<string>([root]);
  for (const file of files) {
    // No length limits here: what was accepted once is written, only escapes are refused.
    const clean = normalizeSubmissionPath(file.path, { ...DEFAULT_SUBMISSION_INTAKE_LIMITS, maxPathBytes: Infinity, maxSegmentBytes: Infinity, maxDepth: Infinity });
    const target = path.join(root, clean);
    if (clean !== file.path || !target.startsWith(`${root}${path.sep}`)) {
      throw new Error(`submission path ${JSON.stringify(file.path)} is not a clean relative path; refusing to write it`);
    }
    await makeFolders(root, path.dirname(target), made);
    try {
      // EXCL: a duplicate path in a corrupt manifest fails instead of overwriting.
      await copyFile(blobs.path(file.digest), target, constants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (error as NodeJS.ErrnoException).path === blobs.path(file.digest)) {
        throw new Error(`submission file ${JSON.stringify(file.path)}: blob ${file.digest} is not in the blob store`, { cause: error });
      }
      throw error;
    }
    // The blob is read-only (0444); the grader's copy gets the usual file mode.
    await chmod(target, 0o644);
  }
}

async function makeFolders(root: string, folder: string, made: Set<string>): Promise<void> {
  if (made.has(folder)) return;
  await makeFolders(root, path.dirname(folder), made);
  await mkdir(folder);
  await chmod(folder, 0o755);
  made.add(folder);
}
