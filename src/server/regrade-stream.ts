/**
 * A regrade's progress as server-sent events, for the API (`/api/regrades/:id/events`, JSON) and
 * the regrade page (HTML fragments for htmx): one source, so both see the same changes at the
 * same pace. Progress is read from the database (workers may report to another server).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../platform/model.ts';
import type { Platform } from '../platform/platform.ts';
import type { Regrade } from '../platform/regrade-model.ts';

/** Progress is polled this often. */
const POLL_MS = 500;
/** Comments keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

export interface RegradeStreamOptions {
  platform: Platform;
  actor: Actor;
  /** The regrade as the caller read it (so its permission was checked, and refused normally, before the stream starts). */
  first: Regrade;
  /** The events (SSE text) for a regrade whose counts or state changed. */
  update(regrade: Regrade): string | Promise<string>;
  /** The event that ends the stream, once the regrade is no longer running. */
  done(regrade: Regrade): string;
}

/** One SSE event; each line of `data` its own `data:` field (HTML fragments have newlines). */
export function sseEvent(name: string, data: string): string {
  return `event: ${name}\n${data.split(/\r?\n/).map((line) => `data: ${line}`).join('\n')}\n\n`;
}

/**
 * Streams `options.first` at once, then the regrade again whenever its progress or state changes,
 * then `done` once it is no longer running, and ends.
 */
export function streamRegrade(request: FastifyRequest, reply: FastifyReply, options: RegradeStreamOptions): void {
  const { platform, actor, first } = options;
  reply.hijack();
  const raw = reply.raw;
  // The headers every answer carries (security headers, a page's CSP) were set on the reply before it was hijacked.
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });

  let closed = false;
  let last = '';
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    if (closed) return;
    closed = true;
    for (const timer of timers) clearInterval(timer);
    raw.end();
  };
  const send = async (regrade: Regrade): Promise<void> => {
    // The ETA moves every poll; a change of counts or state is news.
    const key = JSON.stringify([regrade.state, regrade.progress.done, regrade.progress.failed, regrade.progress.cancelled]);
    if (key !== last) {
      last = key;
      const text = await options.update(regrade);
      if (closed) return;
      raw.write(text);
    }
    if (regrade.state !== 'running') {
      raw.write(options.done(regrade));
      finish();
    }
  };
  let polling = false;
  const poll = async (regrade?: Regrade): Promise<void> => {
    if (closed || polling) return;
    polling = true;
    try {
      await send(regrade ?? (await platform.getRegrade(actor, first.id)));
    } catch (error) {
      request.log.warn({ err: error }, 'regrade event stream ended by an error');
      finish();
    } finally {
      polling = false;
    }
  };
  request.raw.on('close', finish);
  void poll(first).then(() => {
    if (closed) return;
    timers.push(setInterval(() => void poll(), POLL_MS));
    timers.push(setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS));
  });
}
