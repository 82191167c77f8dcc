/**
 * The one server-sent-events loop behind every live stream (a submission's JSON events, a page's
 * HTML fragments for htmx, a regrade's progress): it sends the thing's state at once and again
 * whenever it changed (on an in-process event, and by polling, since another server on the same
 * database may have made the change), keeps idle connections alive for proxies, sends the end
 * event once the thing is finished, and stops on its own or when the client goes. One read runs
 * at a time; changes during one cause one more. Check permissions before calling: a refusal is
 * then still an ordinary answer (JSON for the API, a page for pages).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Comments keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/** The thing's state as the stream sees it. */
export interface StreamState {
  /** What tells a change: the state is sent only when its key differs from the last sent one. */
  key: string | Buffer;
  /** The SSE text of this state (called only when it is sent). */
  render(): Array<string | Buffer> | Promise<Array<string | Buffer>>;
  /** The SSE text that ends the stream, once the thing is finished; null while it goes on. */
  end: string | null;
}

export interface EventStreamOptions {
  /** Reads the state now (through Platform: the caller's view and rules). */
  read(): Promise<StreamState>;
  /** The state as the caller already read it, to send first without reading again. */
  first?: StreamState;
  /** Calls `changed` on in-process events; returns the unsubscribe. */
  subscribe?: (changed: () => void) => () => void;
  pollMs: number;
  /** Runs once when the stream ends, however it ends. */
  onClose?: () => void;
  /** For the log line when a read fails. */
  what: string;
}

/** One SSE event; each line of `data` its own `data:` field (HTML fragments have newlines). */
export function sseEvent(name: string, data: string): string {
  return `event: ${name}\n${data.split(/\r?\n/).map((line) => `data: ${line}`).join('\n')}\n\n`;
}

function sameKey(a: string | Buffer, b: string | Buffer | undefined): boolean {
  if (b === undefined) return false;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.equals(b);
}

export async function streamEvents(request: FastifyRequest, reply: FastifyReply, options: EventStreamOptions): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  // The headers every answer carries (security headers, a page's CSP) were set on the reply before it was hijacked.
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });

  let closed = false;
  let lastKey: string | Buffer | undefined;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => undefined;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearInterval(timer);
    options.onClose?.();
    raw.end();
  };
  const send = async (state: StreamState): Promise<void> => {
    if (!sameKey(state.key, lastKey)) {
      lastKey = state.key;
      const chunks = await state.render();
      if (closed) return;
      for (const chunk of chunks) raw.write(chunk);
    }
    if (state.end !== null && !closed) {
      raw.write(state.end);
      finish();
    }
  };
  let reading = false;
  let again = false;
  const reload = async (given?: StreamState): Promise<void> => {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      let state = given;
      do {
        again = false;
        await send(state ?? (await options.read()));
        state = undefined;
      } while (again && !closed);
    } catch (error) {
      request.log.warn({ err: error }, `${options.what} ended by an error`);
      finish();
    } finally {
      reading = false;
    }
  };
  request.raw.on('close', finish);
  if (options.subscribe) unsubscribe = options.subscribe(() => void reload());
  timers.push(setInterval(() => void reload(), options.pollMs));
  timers.push(setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS));
  await reload(options.first);
}
