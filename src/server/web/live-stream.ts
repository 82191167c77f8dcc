/**
 * Live page fragments: a server-sent-events stream of HTML that htmx's SSE extension swaps into
 * the page (`sse-swap="status"`, closed by `sse-close="done"`). The page says how to render the
 * fragment and when the thing it shows is finished; the stream itself is event-stream.ts's (sent
 * when it changed, polled, kept alive); this module caps the streams each user holds open.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TooManyRequests } from '../../platform/errors.ts';
import { sseEvent, streamEvents } from '../event-stream.ts';

/**
 * Live streams one user may hold open (tabs, phones) on the pages of one counter. The server's
 * per-user request limit counts API tokens' requests; pages count their long-lived streams here.
 */
export const MAX_LIVE_STREAMS_PER_USER = 8;
/** Re-read now and then: another server on the same database may have stored the change. */
const DEFAULT_POLL_MS = 5_000;

/** Counts each user's open streams (one counter per page module). */
export class LiveStreamCounter {
  readonly #open = new Map<string, number>();

  /** Counts one more stream of `login`, or refuses with 429 past the cap; returns the release. */
  acquire(login: string): () => void {
    const open = this.#open.get(login) ?? 0;
    if (open >= MAX_LIVE_STREAMS_PER_USER) {
      throw new TooManyRequests('too-many-requests', `you have ${open} live status pages open, the most this server allows; close some and refresh`, 30);
    }
    this.#open.set(login, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(login) ?? 1) - 1;
      if (left <= 0) this.#open.delete(login);
      else this.#open.set(login, left);
    };
  }
}

/** What a page streams: its fragment now, and whether the thing shown is finished (then the stream ends). */
export interface LiveFragment {
  html: string;
  done: boolean;
}

export interface LiveStreamOptions {
  counter: LiveStreamCounter;
  login: string;
  /** Renders the fragment (through Platform: the caller's view and rules). */
  render: () => Promise<LiveFragment>;
  /** Calls `changed` on in-process events; returns the unsubscribe. */
  subscribe?: (changed: () => void) => () => void;
  pollMs?: number;
  /** The SSE event name the page swaps (`sse-swap`); default `status`. */
  event?: string;
}

/**
 * Streams `render()`'s fragment until it is done or the browser goes. Check permissions before
 * calling this (a refusal is then still an error page); the first render happens here.
 */
export async function streamLiveFragments(request: FastifyRequest, reply: FastifyReply, options: LiveStreamOptions): Promise<void> {
  const release = options.counter.acquire(options.login);
  const event = options.event ?? 'status';
  await streamEvents(request, reply, {
    read: async () => {
      const fragment = await options.render();
      return { key: fragment.html, render: () => [sseEvent(event, fragment.html)], end: fragment.done ? 'event: done\ndata: done\n\n' : null };
    },
    ...(options.subscribe === undefined ? {} : { subscribe: options.subscribe }),
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    onClose: release,
    what: 'live stream',
  });
}
