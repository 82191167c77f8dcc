import type { ApiClient } from '../client/api-client.ts';
import { waitForGrading } from '../client/wait-for-grading.ts';
import type { Submission } from '../platform/model.ts';
import { ExitCode } from './exit-codes.ts';
import { formatSubmission, gradingPhases } from './format-server.ts';
import { progressReporter } from './progress.ts';
import { printJson } from './server-connection.ts';
import { paint } from './terminal.ts';
import { safeLine } from './untrusted-text.ts';

export interface ReportFlags {
  /** Wait until every part is graded (SSE, polling as a fallback). */
  wait?: boolean;
  /** With `wait`: give up after this many seconds (WaitTimedOut, exit 2). */
  timeout?: number;
  json?: boolean;
}

/**
 * Prints a submission (after waiting for its grading when asked) and returns the exit code that
 * `submit --wait` and `submission --wait` document: 0 every part graded, 1 a part that was not.
 * Without waiting, the submission is printed as it stands and the exit code is 0.
 */
export async function reportSubmission(client: ApiClient, submission: Submission, flags: ReportFlags, signal: AbortSignal): Promise<number> {
  const final = flags.wait ? await waitFor(client, submission, flags, signal) : submission;
  if (flags.json) printJson(final);
  else process.stdout.write(formatSubmission(final));
  if (final.status === 'awaiting-completion') {
    process.stderr.write(`stored; its parts are graded when the assignment is completed (gradebox complete ${final.courseId} ${final.assignmentId})\n`);
    return ExitCode.ok;
  }
  if (!flags.wait) return ExitCode.ok;
  const notGraded = final.parts.filter((p) => p.result?.status !== 'graded');
  if (notGraded.length > 0) {
    process.stderr.write(`${paint('red', 'error:', process.stderr)} not graded: ${notGraded.map((p) => `${safeLine(p.partId)} (${p.result?.status ?? 'no result'})`).join(', ')}\n`);
    return ExitCode.failed;
  }
  return ExitCode.ok;
}

async function waitFor(client: ApiClient, submission: Submission, flags: ReportFlags, signal: AbortSignal): Promise<Submission> {
  if (submission.status !== 'grading') return submission;
  const progress = flags.json ? undefined : progressReporter();
  try {
    return await waitForGrading(client, submission.id, {
      signal,
      ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout * 1000 } : {}),
      onUpdate: (s) => progress?.update({ phase: `grading: ${gradingPhases(s)}`, done: 0 }),
    });
  } finally {
    progress?.stop();
  }
}
