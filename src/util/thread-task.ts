/**
 * Work on a worker thread, so that a big parse or serialization does not hold up the caller's
 * event loop (a server's other requests), and a heap limit protects the caller's memory.
 * Inputs and outputs cross by structured clone: strings and byte arrays copy quickly, large object
 * graphs do not, so entries should take and give back text or bytes where they can.
 */
import { extname } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Why a thread task failed; `started` tells a failure of the work from a thread that never ran. */
export class ThreadTaskError extends Error {
  override name = 'ThreadTaskError';
  /** `ERR_WORKER_OUT_OF_MEMORY` when the thread passed its heap limit. */
  readonly code: string | undefined;
  /** Whether the thread had started running its entry when it failed. */
  readonly started: boolean;
  constructor(message: string, options: { code?: string; started: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.started = options.started;
  }
}

/**
 * The URL of `name`, a module beside `moduleUrl` with the same extension: `.ts` when the sources
 * run directly (Node strips the types), `.js` from the compiled `dist/`.
 */
export function siblingModule(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${extname(new URL(moduleUrl).pathname)}`, moduleUrl);
}

/**
 * Runs the module `entry` on a new thread with `input` as its `workerData`, and resolves with the
 * first message it posts. Rejects with a ThreadTaskError when it throws, exits without posting, or
 * passes `resourceLimits`.
 */
export function runThreadTask<I, O>(entry: URL, input: I, resourceLimits?: ResourceLimits): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    let started = false;
    let settled = false;
    const worker = new Worker(entry, { workerData: input, ...(resourceLimits !== undefined ? { resourceLimits } : {}) });
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      finish();
    };
    worker.once('online', () => {
      started = true;
    });
    worker.once('message', (output: O) => settle(() => resolve(output)));
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() => reject(new ThreadTaskError(error.message, { code: error.code, started: started && !neverLoaded(error.code), cause: error }))),
    );
    worker.once('exit', (code) =>
      settle(() => reject(new ThreadTaskError(`the thread exited with code ${code} before it answered`, { started }))),
    );
  });
}

/** Error codes of a thread whose entry module could not even be loaded: the work never started. */
function neverLoaded(code: string | undefined): boolean {
  return code !== undefined && (code === 'MODULE_NOT_FOUND' || code.startsWith('ERR_MODULE') || code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_WORKER_INIT_FAILED' || code === 'ERR_WORKER_PATH');
}
