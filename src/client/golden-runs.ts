/**
 * Before publishing: has the server grade the goldens with the newest drafts (author-test copies,
 * src/platform/golden-runs.ts) and waits until every one of them has its results, so that the
 * server's publish can compare (docs/course-workflow.md "Golden submissions").
 */
import type { GoldenSubmission } from '../platform/model.ts';
import type { ApiClient } from './api-client.ts';
import { ApiError } from './client-errors.ts';
import { waitForGrading } from './wait-for-grading.ts';

export interface GoldenWaitOptions {
  signal?: AbortSignal;
  /** Give up waiting after this long (WaitTimedOut); grading goes on on the server. */
  timeoutMs?: number;
  /** `done` of `total` golden copies graded. */
  onProgress?: (state: { done: number; total: number }) => void;
}

/**
 * Queues the goldens' runs and waits for every copy still being graded (queued now or by an
 * earlier, interrupted run); returns the goldens as they then stand. A server without goldens
 * (404 on the route: an older server) gives an empty list.
 */
export async function runGoldensAndWait(client: ApiClient, course: string, assignment: string, options: GoldenWaitOptions = {}): Promise<GoldenSubmission[]> {
  try {
    await client.runGoldens(course, assignment);
  } catch (error) {
    // An older server has no goldens: nothing to run, nothing to wait for.
    if (error instanceof ApiError && error.status === 404 && error.code === 'not-found' && /route/i.test(error.message)) return [];
    throw error;
  }
  const goldens = await client.goldens(course, assignment);
  const waiting = [...new Set(goldens.flatMap((g) => g.drafts.filter((d) => d.state === 'grading').map((d) => d.runSubmissionId!)))];
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  options.onProgress?.({ done: 0, total: waiting.length });
  for (const [i, id] of waiting.entries()) {
    const left = deadline === undefined ? undefined : Math.max(1, deadline - Date.now());
    await waitForGrading(client, id, { ...(options.signal ? { signal: options.signal } : {}), ...(left === undefined ? {} : { timeoutMs: left }) });
    options.onProgress?.({ done: i + 1, total: waiting.length });
  }
  return waiting.length === 0 ? goldens : client.goldens(course, assignment);
}
