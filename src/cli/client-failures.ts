/**
 * How the server commands report what went wrong: one message, what to do next, and the exit code
 * (README "Exit codes"): 1 when running again will not help, 2 for a usage error or when it may
 * (the server busy or unreachable). Pure functions, so the mapping is tested without a server.
 */
import { ApiError, CredentialsFileError, NotLoggedIn, PreflightError, ServerUnreachable } from '../client/client-errors.ts';
import { CourseFileError } from '../client/course-file-error.ts';
import { InvalidServerUrl } from '../client/credentials.ts';
import { LimitsOutOfRange } from '../client/grader-limits.ts';
import type { PublishResult } from '../client/publish-assignments.ts';
import { SubmissionInputError } from '../client/submission-files.ts';
import { UnsafeArchiveError } from '../client/unpack-archive.ts';
import { WaitTimedOut } from '../client/wait-for-grading.ts';
import { ExitCode } from './exit-codes.ts';

export interface Failure {
  exitCode: number;
  message: string;
  /** What to do next, printed after the message. */
  hint?: string;
  /** A mistake on the command line (printed as usage errors are), not a failure of the server. */
  usage?: boolean;
}

/** The failure for a client-side error, or undefined for errors this module does not know. */
export function describeClientFailure(error: unknown): Failure | undefined {
  if (error instanceof ApiError) return describeApiError(error);
  if (error instanceof ServerUnreachable) {
    return error.retryable
      ? { exitCode: ExitCode.retryLater, message: error.message, hint: 'check the URL and your network; run the command again once the server answers' }
      : { exitCode: ExitCode.failed, message: error.message };
  }
  if (error instanceof InvalidServerUrl || error instanceof SubmissionInputError || error instanceof LimitsOutOfRange) {
    return { exitCode: ExitCode.usage, message: error.message, usage: true };
  }
  if (error instanceof WaitTimedOut) {
    return { exitCode: ExitCode.retryLater, message: error.message, hint: 'grading goes on on the server: wait longer with --timeout, or read the result later (GET /api/submissions/ID, docs/api.md)' };
  }
  if (
    error instanceof NotLoggedIn || error instanceof PreflightError || error instanceof CredentialsFileError ||
    error instanceof CourseFileError || error instanceof UnsafeArchiveError
  ) {
    return { exitCode: ExitCode.failed, message: error.message };
  }
  return undefined;
}

function describeApiError(error: ApiError): Failure {
  const what = `${error.message} (HTTP ${error.status} ${error.code})`;
  const limit = describeSubmissionLimit(error, what);
  if (limit) return limit;
  if (error.retryable) {
    const wait = error.retryAfterSeconds === undefined ? 'later' : `in ${error.retryAfterSeconds} s or more, as the server asks`;
    const why = error.status === 507 ? 'the server is out of disk space' : error.status === 429 ? 'too many requests' : 'the server is busy or restarting';
    return { exitCode: ExitCode.retryLater, message: what, hint: `${why}; nothing was changed: run the command again ${wait}` };
  }
  if (error.status === 401) {
    const server = error.server ?? 'URL';
    return {
      exitCode: ExitCode.failed,
      message: what,
      hint: `${error.server ?? 'the server'} refused the token (unknown, expired or revoked): run \`gradebox login --server ${server}\` with a valid one, or fix GRADEBOX_TOKEN`,
    };
  }
  if (error.status === 403) return { exitCode: ExitCode.failed, message: what, hint: 'ask an instructor of the course (or an admin) for the role or a token with the scope needed' };
  if (error.status >= 500) return { exitCode: ExitCode.failed, message: what, hint: "this is a server fault: its log has the details (give the administrator the message's request id)" };
  return { exitCode: ExitCode.failed, message: what };
}

/**
 * An assignment's submission limits (429): too soon is "run again at nextAllowedAt" (exit 2, when
 * to try is the message's point); every submission made is final (exit 1) and only staff can help.
 */
function describeSubmissionLimit(error: ApiError, what: string): Failure | undefined {
  if (error.status !== 429) return undefined;
  if (error.code === 'submission-limit') {
    return { exitCode: ExitCode.failed, message: what, hint: 'no further submission to this assignment will be accepted; if you need one, ask your instructors or TAs (they are not limited and can help)' };
  }
  if (error.code === 'submission-too-soon') {
    const next = error.details?.nextAllowedAt;
    const when = typeof next === 'string' && !Number.isNaN(Date.parse(next)) ? `at ${new Date(next).toISOString()}` : 'later';
    const wait = error.retryAfterSeconds === undefined ? '' : ` (in ${error.retryAfterSeconds} s)`;
    return { exitCode: ExitCode.retryLater, message: what, hint: `nothing was submitted: submit again ${when}${wait}` };
  }
  return undefined;
}

/**
 * `gradebox publish`'s exit code, for CI scripts: 0 every assignment published; 1 any failure that
 * running again will not fix (not found, nothing to publish, forbidden, …); 2 when every failure
 * was retryable (server busy, unreachable), so the same command may succeed later.
 */
export function publishExitCode(results: readonly PublishResult[]): number {
  const failures = results.filter((r) => !r.ok);
  if (failures.length === 0) return ExitCode.ok;
  return failures.every((r) => r.retryable) ? ExitCode.retryLater : ExitCode.failed;
}
