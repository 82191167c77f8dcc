/**
 * Raised for a submission path that does not exist or is no directory (a usage error in the CLI).
 * A module of its own, so the CLI's error mapping can recognise it without loading the grading stack.
 */
export class SubmissionPathError extends Error {
  override name = 'SubmissionPathError';
}
