import type { JobQueue } from '../queue/job-queue.ts';
import type { WorkerLog } from './worker-log.ts';

/** The reason a run is aborted with when its lease is gone: another worker may run the job now. */
export class LeaseLost extends Error {
  override name = 'LeaseLost';
}

/**
 * Keeps a claimed job's lease alive while it runs: renews it every third of `leaseMs`, so two
 * renewals can fail before the lease runs out. When the queue says the lease is gone (expired and
 * claimed again), or renewals keep failing until it must have expired, `signal` aborts with a
 * LeaseLost: the run stops and saves nothing, since someone else owns the job now.
 */
export class LeaseHeartbeat {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #lastRenewed = Date.now();
  #beating = false;
  #stopped = false;

  constructor(queue: JobQueue, jobId: string, workerId: string, leaseMs: number, log: WorkerLog) {
    const beat = async (): Promise<void> => {
      if (this.#beating || this.#controller.signal.aborted) return;
      this.#beating = true;
      try {
        if (await queue.heartbeat(jobId, workerId, leaseMs)) {
          this.#lastRenewed = Date.now();
          return;
        }
        this.#lose(`the lease on job ${jobId} was lost (it expired and the job was claimed again)`);
      } catch (error) {
        log.warn({ jobId, err: error }, 'lease renewal failed');
        if (Date.now() - this.#lastRenewed >= leaseMs) this.#lose(`the lease on job ${jobId} could not be renewed before it expired`);
      } finally {
        this.#beating = false;
      }
    };
    this.#timer = setInterval(() => void beat(), Math.max(1, Math.floor(leaseMs / 3)));
    // A pending renewal must not keep a stopping process alive.
    this.#timer.unref();
  }

  /** Aborts (with a LeaseLost reason) once the lease is gone. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get lost(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Stops renewing (the job is finished or given back). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #lose(message: string): void {
    // A renewal still in flight when the job finished finds the row gone: that is no loss.
    if (this.#stopped) return;
    this.stop();
    this.#controller.abort(new LeaseLost(message));
  }
}
