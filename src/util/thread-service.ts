/**
 * A long-lived worker thread that answers requests one after another, for work asked for often
 * (a thread costs tens to hundreds of milliseconds to start, and its code runs cold at first).
 * Started on the first request; it does not keep the process alive, and it stops after `idleMs`
 * without requests (giving its heap back). If it dies (a heap limit, a crash), the requests it held
 * fail with a ThreadTaskError and the next request starts a new one.
 *
 * The entry module calls `serveThreadRequests(handler)`.
 */
import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';
import { ThreadTaskError } from './thread-task.ts';

interface Request<I> {
  id: number;
  input: I;
}

type Reply<O> = { id: number; ok: true; output: O } | { id: number; ok: false; error: string };

export interface ThreadServiceOptions {
  resourceLimits?: ResourceLimits;
  /** Stop the thread after this long without requests; default one minute. */
  idleMs?: number;
}

export class ThreadService<I, O> {
  readonly #entry: URL;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #idleMs: number;
  #worker: Worker | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (output: O) => void; reject: (error: Error) => void }>();

  constructor(entry: URL, options: ThreadServiceOptions = {}) {
    this.#entry = entry;
    this.#resourceLimits = options.resourceLimits;
    this.#idleMs = options.idleMs ?? 60_000;
  }

  /** Sends `input` to the thread and resolves with its answer. */
  call(input: I): Promise<O> {
    clearTimeout(this.#idleTimer);
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<O>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, input } satisfies Request<I>);
    });
  }

  /** Stops the thread; requests it held fail. */
  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new ThreadTaskError('the thread was stopped', { started: true }));
    await worker?.terminate();
  }

  #start(): Worker {
    const worker = new Worker(this.#entry, this.#resourceLimits !== undefined ? { resourceLimits: this.#resourceLimits } : {});
    worker.unref();
    worker.on('message', (reply: Reply<O>) => {
      const waiting = this.#pending.get(reply.id);
      if (waiting === undefined) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#idle(worker);
      if (reply.ok) waiting.resolve(reply.output);
      else waiting.reject(new ThreadTaskError(reply.error, { started: true }));
    });
    const lost = (error: ThreadTaskError): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(error);
    };
    worker.on('error', (error: Error & { code?: string }) => lost(new ThreadTaskError(error.message, { code: error.code, started: true, cause: error })));
    worker.on('exit', (code) => lost(new ThreadTaskError(`the thread exited with code ${code}`, { started: true })));
    this.#worker = worker;
    return worker;
  }

  /** Nothing is waiting: let the process exit, and stop the thread unless a request comes soon. */
  #idle(worker: Worker): void {
    worker.unref();
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#worker === worker && this.#pending.size === 0) {
        this.#worker = undefined;
        void worker.terminate();
      }
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  #failAll(error: ThreadTaskError): void {
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of waiting) reject(error);
  }
}

/**
 * In a ThreadService's entry module: answers every request with `handler`. `transfer` names the
 * buffers of an answer to move to the caller rather than copy (large strings are slow to receive:
 * answer with their UTF-8 bytes, in buffers of their own).
 */
export function serveThreadRequests<I, O>(handler: (input: I) => O | Promise<O>, transfer: (output: O) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (port === null) throw new Error('serveThreadRequests runs only on a worker thread');
  const answer = async ({ id, input }: Request<I>): Promise<void> => {
    let reply: Reply<O>;
    let moved: ArrayBuffer[] = [];
    try {
      const output = await handler(input);
      reply = { id, ok: true, output };
      moved = transfer(output);
    } catch (error) {
      reply = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply, moved);
  };
  port.on('message', (request: Request<I>) => void answer(request));
}
