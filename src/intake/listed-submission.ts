import type { BlobStore } from '../image/blob-store.ts';
import type { SubmissionFile } from '../platform/model.ts';
import type { ListedTree } from '../sandbox/sandbox.ts';
import { DEFAULT_SUBMISSION_INTAKE_LIMITS } from './intake-limits.ts';
import { normalizeSubmissionPath } from './submission-path.ts';

/**
 * A stored submission as the sandbox copies it into a run: each file straight from its blob, with
 * no copy on disk in between. Each path is checked again (defence in depth: the manifest comes from
 * the database, not from this process's intake); the sandbox checks each blob when it copies it.
 * Throws for a path that is not clean.
 */
export function listedSubmission(blobs: BlobStore, files: readonly SubmissionFile[]): ListedTree {
  return {
    files: files.map((file) => {
      // No length limits here: what was accepted once is graded, only escapes are refused.
      const clean = normalizeSubmissionPath(file.path, { ...DEFAULT_SUBMISSION_INTAKE_LIMITS, maxPathBytes: Infinity, maxSegmentBytes: Infinity, maxDepth: Infinity });
      if (clean !== file.path) throw new Error(`submission path ${JSON.stringify(file.path)} is not a clean relative path; refusing to grade it`);
      return { path: file.path, source: blobs.path(file.digest), size: file.size };
    }),
  };
}
