import { TooLarge } from '../platform/errors.ts';

/**
 * What a submission upload may hold. The defaults are the ones docs/api.md promises; `gradebox
 * serve` options change them. Every limit is checked while the bytes stream in, so a hostile
 * upload costs at most the limit, never its claimed size.
 */
export interface SubmissionIntakeLimits {
  /** Bytes of the upload itself: all file parts together, or the one archive part. */
  maxUploadBytes: number;
  /** Regular files in the submission (folders are implied by paths and not counted). */
  maxFiles: number;
  /** Bytes of all files once unpacked. */
  maxUnpackedBytes: number;
  /**
   * Largest uncompressed:compressed ratio of one zip entry, and of a whole compressed archive
   * (unpacked bytes : archive bytes). Only checked past `ratioGraceBytes`: a small file of spaces
   * compresses far better than 100:1 and harms no one.
   */
  maxCompressionRatio: number;
  /** Entries (and archives) unpacking to at most this many bytes are exempt from the ratio check. */
  ratioGraceBytes: number;
  /** UTF-8 bytes of a whole relative path. */
  maxPathBytes: number;
  /** UTF-8 bytes of one path segment (Linux's NAME_MAX is 255). */
  maxSegmentBytes: number;
  /** Folders a file may be nested in (`a/b/c.txt` is 2 deep); same meaning as the grader's check. */
  maxDepth: number;
}

export const DEFAULT_SUBMISSION_INTAKE_LIMITS: Readonly<SubmissionIntakeLimits> = Object.freeze({
  maxUploadBytes: 50 * 1024 * 1024,
  maxFiles: 1000,
  maxUnpackedBytes: 100 * 1024 * 1024,
  maxCompressionRatio: 100,
  ratioGraceBytes: 1024 * 1024,
  maxPathBytes: 255,
  maxSegmentBytes: 255,
  maxDepth: 32,
});

/** The defaults with `overrides` applied; RangeError for a limit that is not a positive number. */
export function resolveIntakeLimits(overrides: Partial<SubmissionIntakeLimits> = {}): SubmissionIntakeLimits {
  const limits: SubmissionIntakeLimits = { ...DEFAULT_SUBMISSION_INTAKE_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof SubmissionIntakeLimits, number | undefined][]) {
    if (value === undefined) continue;
    // ratioGraceBytes may be 0 (check every entry); everything else must allow something.
    const min = key === 'ratioGraceBytes' ? 0 : 1;
    if (!Number.isFinite(value) || value < min) throw new RangeError(`intake limit ${key} must be a number ≥ ${min}, got ${String(value)}`);
    limits[key] = value;
  }
  return limits;
}

/**
 * A TooLarge when `unpacked` bytes came from `packed` bytes at more than the allowed ratio (and
 * past the grace size), else undefined. `what` names the entry or archive in the message.
 */
export function ratioProblem(limits: SubmissionIntakeLimits, unpacked: number, packed: number, what: string): Error | undefined {
  if (unpacked <= limits.ratioGraceBytes || unpacked <= limits.maxCompressionRatio * Math.max(packed, 1)) return undefined;
  const ratio = Math.round(unpacked / Math.max(packed, 1));
  return new TooLarge(
    `${what} unpacks ${ratio} times larger than it is compressed, more than the ${limits.maxCompressionRatio}:1 allowed (a zip bomb?); nothing was stored`,
    { limit: limits.maxCompressionRatio },
  );
}
