import type { PublishOutcome } from '../platform/platform.ts';
import type { ApiClient } from './api-client.ts';
import { ApiError, isRetryable } from './client-errors.ts';

export type PublishResult =
  | { assignment: string; ok: true; outcome: PublishOutcome }
  | { assignment: string; ok: false; error: unknown; retryable: boolean };

/**
 * Publishes each assignment's drafts in turn, going on past failures (one assignment's missing
 * draft must not keep the others back), and reports each as it is done. Only an interruption
 * (`signal`) stops early.
 *
 * The server decides first: only when it answers that golden submissions are not graded by the
 * drafts yet (409 `goldens-not-graded`) does `gradeGoldens` run them, and the publish is asked
 * once more. So someone who may not publish (a TA) is refused before any golden is graded.
 */
export async function publishAssignments(
  client: ApiClient,
  course: string,
  assignments: readonly string[],
  options: {
    signal?: AbortSignal;
    onResult?: (result: PublishResult) => void;
    /** Grades the assignment's goldens with its drafts, when the server asks for it; a throw is that assignment's failure. */
    gradeGoldens?: (assignment: string) => Promise<void>;
    /** Publish even though golden results change (their new results become the expectations). */
    acceptChanges?: boolean;
  } = {},
): Promise<PublishResult[]> {
  const results: PublishResult[] = [];
  for (const assignment of assignments) {
    let result: PublishResult;
    try {
      const publish = (): Promise<PublishOutcome> => client.publish(course, assignment, options.acceptChanges === true ? { acceptChanges: true } : {});
      let outcome: PublishOutcome;
      try {
        outcome = await publish();
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'goldens-not-graded') || options.gradeGoldens === undefined) throw error;
        await options.gradeGoldens(assignment);
        outcome = await publish();
      }
      result = { assignment, ok: true, outcome };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      result = { assignment, ok: false, error, retryable: isRetryable(error) };
    }
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
