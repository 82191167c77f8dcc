/**
 * Live page fragments: a server-sent-events stream of HTML that htmx's SSE extension swaps into
 * the page (`sse-swap="status"`, closed by `sse-close="done"`). The page says how to render the
 * fragment and when the thing it shows is finished; this module sends a fragment whenever it
 * changes (on an in-process event, and by polling, since another server on the same database may
 * have stored the change), keeps the connection alive, and caps the streams each user holds open.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TooManyRequests } from '../../platform/errors.ts';

/**
 * Live streams one user may hold open (tabs, phones) on the pages of one counter. The server's
 * per-user request limit counts API tokens' requests; pages count their long-lived streams here.
 */
export const MAX_LIVE_STREAMS_PER_USER = 8;
const KEEPALIVE_MS = 15_000;
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

/** An SSE event whose data is HTML: each line its own `data:` field. */
export function sseEvent(name: string, html: string): string {
  return `event: ${name}\n${html.split(/\r?\n/).map((line) => `data: ${line}`).join('\n')}\n\n`;
}

/**
 * Streams `render()`'s fragment until it is done or the browser goes. Check permissions before
 * calling this (a refusal is then still an error page); the first render happens here.
 */
export async function streamLiveFragments(request: FastifyRequest, reply: FastifyReply, options: LiveStreamOptions): Promise<void> {
  const release = options.counter.acquire(options.login);
  const event = options.event ?? 'status';
  reply.raw.once('close', release);
  reply.hijack();
  const raw = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });

  let closed = false;
  let lastSent = '';
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => undefined;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearInterval(timer);
    release();
    raw.end();
  };
  const send = async (): Promise<void> => {
    const fragment = await options.render();
    if (closed) return;
    if (fragment.html !== lastSent) {
      lastSent = fragment.html;
      raw.write(sseEvent(event, fragment.html));
    }
    if (fragment.done) {
      raw.write('event: done\ndata: done\n\n');
      finish();
    }
  };
  // One render at a time; changes during one cause one more.
  let rendering = false;
  let again = false;
  const reload = async (): Promise<void> => {
    if (closed) return;
    if (rendering) {
      again = true;
      return;
    }
    rendering = true;
    try {
      do {
        again = false;
        await send();
      } while (again && !closed);
    } catch (error) {
      request.log.warn({ err: error }, 'live stream ended by an error');
      finish();
    } finally {
      rendering = false;
    }
  };
  request.raw.on('close', finish);
  if (options.subscribe) unsubscribe = options.subscribe(() => void reload());
  timers.push(setInterval(() => void reload(), options.pollMs ?? DEFAULT_POLL_MS));
  timers.push(setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS));
  await reload();
}
