/**
 * A regrade's progress as server-sent events, for the API (`/api/regrades/:id/events`, JSON) and
 * the regrade page (HTML fragments for htmx): one source, so both see the same changes at the
 * same pace. Progress is read from the database (workers may report to another server).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../platform/model.ts';
import type { Platform } from '../platform/platform.ts';
import type { Regrade } from '../platform/regrade-model.ts';
import { streamEvents, type StreamState } from './event-stream.ts';

export { sseEvent } from './event-stream.ts';

/** Progress is polled this often. */
const POLL_MS = 500;

export interface RegradeStreamOptions {
  platform: Platform;
  actor: Actor;
  /** The regrade as the caller read it (so its permission was checked, and refused normally, before the stream starts). */
  first: Regrade;
  /** The events (SSE text) for a regrade whose counts or state changed. */
  update(regrade: Regrade): string | Promise<string>;
  /** The event that ends the stream, once the regrade is no longer running. */
  done(regrade: Regrade): string;
  /** Runs once when the stream ends (a page's count of open streams). */
  onClose?: () => void;
}

/** The regrade as the stream sees it: the ETA moves every poll, a change of counts or state is news. */
function regradeState(regrade: Regrade, options: RegradeStreamOptions): StreamState {
  return {
    key: JSON.stringify([regrade.state, regrade.progress.done, regrade.progress.failed, regrade.progress.cancelled]),
    render: async () => [await options.update(regrade)],
    end: regrade.state === 'running' ? null : options.done(regrade),
  };
}

/**
 * Streams `options.first` at once, then the regrade again whenever its progress or state changes,
 * then `done` once it is no longer running, and ends.
 */
export async function streamRegrade(request: FastifyRequest, reply: FastifyReply, options: RegradeStreamOptions): Promise<void> {
  const { platform, actor, first } = options;
  await streamEvents(request, reply, {
    read: async () => regradeState(await platform.getRegrade(actor, first.id), options),
    first: regradeState(first, options),
    pollMs: POLL_MS,
    ...(options.onClose === undefined ? {} : { onClose: options.onClose }),
    what: 'regrade event stream',
  });
}
