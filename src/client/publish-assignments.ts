import type { PublishOutcome } from '../platform/platform.ts';
import type { ApiClient } from './api-client.ts';
import { isRetryable } from './client-errors.ts';

export type PublishResult =
  | { assignment: string; ok: true; outcome: PublishOutcome }
  | { assignment: string; ok: false; error: unknown; retryable: boolean };

/**
 * Publishes each assignment's drafts in turn, going on past failures (one assignment's missing
 * draft must not keep the others back), and reports each as it is done. Only an interruption
 * (`signal`) stops early.
 */
export async function publishAssignments(
  client: ApiClient,
  course: string,
  assignments: readonly string[],
  options: {
    signal?: AbortSignal;
    onResult?: (result: PublishResult) => void;
    /** Runs before each assignment's publish (e.g. grading its goldens); a throw is that assignment's failure. */
    prepare?: (assignment: string) => Promise<void>;
    /** Publish even though golden results change (their new results become the expectations). */
    acceptChanges?: boolean;
  } = {},
): Promise<PublishResult[]> {
  const results: PublishResult[] = [];
  for (const assignment of assignments) {
    let result: PublishResult;
    try {
      await options.prepare?.(assignment);
      result = { assignment, ok: true, outcome: await client.publish(course, assignment, options.acceptChanges === true ? { acceptChanges: true } : {}) };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      result = { assignment, ok: false, error, retryable: isRetryable(error) };
    }
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
