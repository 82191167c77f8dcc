/**
 * A long-lived worker thread that answers requests one after another, for work asked for often
 * (a thread costs tens of milliseconds to start). Started on the first request; it does not keep
 * the process alive. If it dies (a heap limit, a crash), the requests it held fail with a
 * ThreadTaskError and the next request starts a new one.
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

export class ThreadService<I, O> {
  readonly #entry: URL;
  readonly #resourceLimits: ResourceLimits | undefined;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (output: O) => void; reject: (error: Error) => void }>();

  constructor(entry: URL, resourceLimits?: ResourceLimits) {
    this.#entry = entry;
    this.#resourceLimits = resourceLimits;
  }

  /** Sends `input` to the thread and resolves with its answer. */
  call(input: I): Promise<O> {
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
      if (this.#pending.size === 0) worker.unref();
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

  #failAll(error: ThreadTaskError): void {
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of waiting) reject(error);
  }
}

/** In a ThreadService's entry module: answers every request with `handler`. */
export function serveThreadRequests<I, O>(handler: (input: I) => O | Promise<O>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveThreadRequests runs only on a worker thread');
  const answer = async ({ id, input }: Request<I>): Promise<void> => {
    let reply: Reply<O>;
    try {
      reply = { id, ok: true, output: await handler(input) };
    } catch (error) {
      reply = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  };
  port.on('message', (request: Request<I>) => void answer(request));
}
