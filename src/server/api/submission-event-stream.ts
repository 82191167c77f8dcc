import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../../platform/platform.ts';
import type { SubmissionJson } from '../../platform/submission-reads.ts';
import type { SubmissionEvents } from '../../platform/submission-events.ts';
import { actorOf } from '../auth.ts';

/** Comments keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Re-reads the submission now and then, for changes made by another process (several servers on one database). */
const POLL_MS = 5_000;

export interface EventStreamDeps {
  platform: Platform;
  events: SubmissionEvents;
  submissionId: string;
}

/**
 * Server-sent events for one submission: `submission` with its current state at once and after
 * every change, then `done` when every part has a result, and the stream ends. Permission is
 * checked (and a 403/404 answered as JSON) before the stream starts.
 */
export async function streamSubmissionEvents(request: FastifyRequest, reply: FastifyReply, deps: EventStreamDeps): Promise<void> {
  const actor = actorOf(request);
  const first = await deps.platform.getSubmissionJson(actor, deps.submissionId);
  reply.hijack();
  const raw = reply.raw;
  // The headers every answer carries (security-headers.ts) were set on the reply before it was hijacked.
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });

  let closed = false;
  let lastSent: Buffer = Buffer.alloc(0);
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => undefined;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearInterval(timer);
    raw.end();
  };
  const send = (submission: SubmissionJson): void => {
    // Already JSON, rendered off the event loop when big; one line, as an SSE data field must be.
    const data = submission.json;
    if (!data.equals(lastSent)) {
      lastSent = data;
      raw.write('event: submission\ndata: ');
      raw.write(data);
      raw.write('\n\n');
    }
    // Graded, or held until the work is completed: nothing more comes before that.
    if (submission.status !== 'grading') {
      raw.write(`event: done\ndata: ${JSON.stringify({ submissionId: submission.id, status: submission.status })}\n\n`);
      finish();
    }
  };

  // One reload at a time; changes during a reload cause one more.
  let reloading = false;
  let again = false;
  const reload = async (): Promise<void> => {
    if (closed) return;
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    try {
      do {
        again = false;
        send(await deps.platform.getSubmissionJson(actor, deps.submissionId));
      } while (again && !closed);
    } catch (error) {
      request.log.warn({ err: error }, 'submission event stream ended by an error');
      finish();
    } finally {
      reloading = false;
    }
  };

  request.raw.on('close', finish);
  send(first);
  if (closed) return;
  // Students see no phases, only results: for them only a finished job changes anything.
  const staff = first.staff;
  unsubscribe = deps.events.subscribe(deps.submissionId, (event) => {
    if (staff || event.phase === 'done') void reload();
  });
  timers.push(setInterval(() => void reload(), POLL_MS));
  timers.push(setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS));
}
