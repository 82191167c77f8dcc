import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../../platform/platform.ts';
import type { SubmissionJson } from '../../platform/submission-reads.ts';
import type { SubmissionEvents } from '../../platform/submission-events.ts';
import { actorOf } from '../auth.ts';
import { streamEvents, type StreamState } from '../event-stream.ts';

/** Re-reads the submission now and then, for changes made by another process (several servers on one database). */
const POLL_MS = 5_000;

export interface EventStreamDeps {
  platform: Platform;
  events: SubmissionEvents;
  submissionId: string;
}

/** A submission as the stream sends it: its JSON (already rendered, off the event loop when big) on one line. */
function submissionState(submission: SubmissionJson): StreamState {
  return {
    key: submission.json,
    render: () => ['event: submission\ndata: ', submission.json, '\n\n'],
    // Graded, or held until the work is completed: nothing more comes before that.
    end: submission.status === 'grading' ? null : `event: done\ndata: ${JSON.stringify({ submissionId: submission.id, status: submission.status })}\n\n`,
  };
}

/**
 * Server-sent events for one submission: `submission` with its current state at once and after
 * every change, then `done` when every part has a result, and the stream ends. Permission is
 * checked (and a 403/404 answered as JSON) before the stream starts.
 */
export async function streamSubmissionEvents(request: FastifyRequest, reply: FastifyReply, deps: EventStreamDeps): Promise<void> {
  const actor = actorOf(request);
  const first = await deps.platform.getSubmissionJson(actor, deps.submissionId);
  // Students see no phases, only results: for them only a finished job changes anything.
  const staff = first.staff;
  await streamEvents(request, reply, {
    read: async () => submissionState(await deps.platform.getSubmissionJson(actor, deps.submissionId)),
    first: submissionState(first),
    subscribe: (changed) =>
      deps.events.subscribe(deps.submissionId, (event) => {
        if (staff || event.phase === 'done') changed();
      }),
    pollMs: POLL_MS,
    what: 'submission event stream',
  });
}
