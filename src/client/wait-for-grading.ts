import { setTimeout as sleep } from 'node:timers/promises';
import type { Submission } from '../platform/model.ts';
import type { ApiClient } from './api-client.ts';
import { ApiError, isRetryable, ServerUnreachable } from './client-errors.ts';
import { readSseEvents } from './sse.ts';

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long; default no limit. */
  timeoutMs?: number;
  /** Every new state of the submission (SSE `submission` events, or each poll). */
  onUpdate?: (submission: Submission) => void;
  /** Between polls when events are unavailable; default 1000 ms. */
  pollIntervalMs?: number;
  /** Before reconnecting a dropped event stream; default 1000 ms (a `retry:` field from the server wins). */
  reconnectDelayMs?: number;
  /** Connections in a row that bring no event before switching to polling; default 3. */
  maxFailedConnections?: number;
}

/** Waiting ran out of time; the submission is still being graded on the server. */
export class WaitTimedOut extends Error {
  override name = 'WaitTimedOut';
  /** The last state seen, if any. */
  readonly submission: Submission | undefined;
  constructor(message: string, submission: Submission | undefined) {
    super(message);
    this.submission = submission;
  }
}

type StreamOutcome = { kind: 'graded'; submission: Submission } | { kind: 'dropped'; sawEvents: boolean; retryMs?: number } | { kind: 'unavailable' };

/**
 * Waits until every part of a submission has a result and returns it: follows the server-sent
 * events of `GET /api/submissions/:id/events`, reconnecting when the stream drops (the first event
 * of a new stream is the current state, so nothing is missed), and polls `GET /api/submissions/:id`
 * every second when events are unavailable (no such route, a proxy that buffers, repeated drops).
 * Transient failures (busy server, dropped connection) are retried until the timeout; others throw.
 */
export async function waitForGrading(client: ApiClient, id: string, options: WaitOptions = {}): Promise<Submission> {
  const timeout = new AbortController();
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => timeout.abort(), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  let last: Submission | undefined;
  const seen = (submission: Submission): void => {
    last = submission;
    options.onUpdate?.(submission);
  };
  try {
    let failed = 0;
    for (;;) {
      const outcome = await followEvents(client, id, signal, seen);
      if (outcome.kind === 'graded') return outcome.submission;
      if (outcome.kind === 'unavailable') break;
      failed = outcome.sawEvents ? 0 : failed + 1;
      if (failed >= (options.maxFailedConnections ?? 3)) break;
      await sleep(outcome.retryMs ?? options.reconnectDelayMs ?? 1000, undefined, { signal });
    }
    for (;;) {
      try {
        const submission = await client.submission(id, signal);
        seen(submission);
        // Graded, or held until completion (nothing will grade it before).
        if (submission.status !== 'grading') return submission;
      } catch (error) {
        if (signal.aborted || !isRetryable(error)) throw error;
      }
      await sleep(options.pollIntervalMs ?? 1000, undefined, { signal });
    }
  } catch (error) {
    if (timeout.signal.aborted && !options.signal?.aborted) {
      throw new WaitTimedOut(`submission ${id} is still being graded after ${(options.timeoutMs ?? 0) / 1000} s`, last);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** One connection to the event stream, read until `done`, its end, or a failure. */
async function followEvents(client: ApiClient, id: string, signal: AbortSignal, seen: (s: Submission) => void): Promise<StreamOutcome> {
  let response: Response;
  try {
    response = await client.submissionEvents(id, signal);
  } catch (error) {
    if (signal.aborted || !isRetryable(error)) throw error;
    return { kind: 'dropped', sawEvents: false };
  }
  if (!response.ok || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'unavailable' };
  }
  let sawEvents = false;
  let last: Submission | undefined;
  let retryMs: number | undefined;
  try {
    for await (const event of readSseEvents(response.body)) {
      retryMs = event.retry ?? retryMs;
      if (event.event === 'submission') {
        sawEvents = true;
        last = parseSubmission(event.data, client.server);
        seen(last);
        if (last.status !== 'grading') return { kind: 'graded', submission: last };
      } else if (event.event === 'done') {
        // `done` without a graded state seen: ask for the final one.
        const final = await client.submission(id, signal);
        seen(final);
        return { kind: 'graded', submission: final };
      }
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof ApiError && !error.retryable) throw error;
    if (!(error instanceof ServerUnreachable) && !(error instanceof TypeError) && !(error instanceof ApiError)) throw error;
  }
  return retryMs === undefined ? { kind: 'dropped', sawEvents } : { kind: 'dropped', sawEvents, retryMs };
}

function parseSubmission(data: string, server: string): Submission {
  try {
    const submission = JSON.parse(data) as Submission;
    if (typeof submission.id === 'string' && Array.isArray(submission.parts)) return submission;
  } catch {
    // fall through
  }
  throw new ApiError(200, 'bad-response', `the server at ${server} sent a submission event that is not a submission`, { server });
}
