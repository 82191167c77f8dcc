import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Capacity, ClaimedJob, JobQueue } from '../queue/job-queue.ts';
import { Admission, machineCapacity } from './capacity.ts';
import { runJob, type JobEnd, type JobRunnerDeps } from './run-job.ts';
import { SILENT_LOG, type WorkerLog } from './worker-log.ts';

/** What the pool hands to every job as it is, plus how the pool itself runs. */
export interface WorkerPoolOptions extends Pick<JobRunnerDeps, 'queue' | 'store' | 'blobs' | 'images' | 'sandbox'> {
  /** What jobs may reserve in total; default every CPU and 80% of the memory (`machineCapacity`). */
  capacity?: Capacity;
  /** Jobs grading at once (claimed and not yet graded), at most; default the capacity's CPUs (at least 1). */
  slots?: number;
  /** Lease length; renewed every third of it while a job runs. Default 60 s. */
  leaseMs?: number;
  /** System errors tolerated per job before it gets a `grader-error` result. Default 3. */
  maxAttempts?: number;
  /** Backoff after the 1st, 2nd, … system error (the last repeats). Default 1 s, 5 s, 25 s. */
  retryDelaysMs?: readonly number[];
  /** How often to look for due work besides being woken by `onEnqueued`. Default 1 s. */
  pollMs?: number;
  /** Names this worker in leases; default `<hostname>-<pid>-<random>`. */
  workerId?: string;
  log?: WorkerLog;
}

/** How often a running pool tells the queue it is alive. */
export const ANNOUNCE_MS = 10_000;

/**
 * Runs grading jobs from the queue in the queue's order, as many graders at once as slots and
 * capacity allow. A job's grader reserves its CPUs and memory (clamped to the total, so an
 * oversize grader runs alone) and a slot until it has finished; loading the job and laying out
 * its files before, and saving the result after, are host work outside the reservation. The pool
 * claims the head of the queue whenever it has no job waiting for room: if the job fits beside
 * the running graders it starts, else it is prepared meanwhile and starts the moment they leave
 * room, before any later job (so a big grader is never starved by small ones, and while every
 * slot is busy the next job is always ready to go). The pool claims when woken by the queue
 * (`onEnqueued`), on a poll timer (retries coming due, other processes' jobs, expired leases) and
 * whenever a job ends. See runJob for one job's life.
 */
export class WorkerPool {
  readonly workerId: string;
  readonly #queue: JobQueue;
  readonly #admission: Admission;
  readonly #capacity: Capacity;
  readonly #slots: number;
  readonly #pollMs: number;
  readonly #deps: JobRunnerDeps;
  readonly #log: WorkerLog;
  // Keyed by run, not job: a job whose lease this pool lost may be claimed by it again.
  readonly #running = new Map<number, Promise<JobEnd>>();
  // Jobs holding a slot and their reservation: admitted and not yet graded (see JobGate).
  #admitted = 0;
  // The job claimed and being prepared while every slot was busy; admitted first when room frees.
  #ahead: PoolRun | undefined;
  #runs = 0;
  readonly #stopController = new AbortController();
  #state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  #timer: NodeJS.Timeout | undefined;
  #announcer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #filling: Promise<void> | undefined;
  #fillAgain = false;
  #stopping: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions) {
    const capacity = options.capacity ?? machineCapacity();
    this.#admission = new Admission(capacity);
    this.#capacity = capacity;
    this.#slots = Math.max(1, Math.floor(options.slots ?? capacity.cpus));
    this.#pollMs = options.pollMs ?? 1000;
    this.#queue = options.queue;
    this.#log = options.log ?? SILENT_LOG;
    this.workerId = options.workerId ?? `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.#deps = {
      queue: options.queue,
      store: options.store,
      blobs: options.blobs,
      images: options.images,
      sandbox: options.sandbox,
      workerId: this.workerId,
      leaseMs: options.leaseMs ?? 60_000,
      maxAttempts,
      retryDelaysMs: options.retryDelaysMs ?? [1000, 5000, 25_000],
      // Workers dying or stopping mid-run are not the job's fault, but a job that kills its worker
      // every time must end some day.
      maxClaims: maxAttempts + 10,
      log: this.#log,
    };
  }

  /** Starts claiming jobs. Calling it again, or after stop, does nothing. */
  start(): void {
    if (this.#state !== 'new') return;
    this.#state = 'started';
    this.#unsubscribe = this.#queue.onEnqueued(() => this.#wake());
    this.#timer = setInterval(() => this.#wake(), this.#pollMs);
    // The queue's roster of workers (the queue dashboard): who is alive, with what slots and capacity.
    this.#announce();
    this.#announcer = setInterval(() => this.#announce(), ANNOUNCE_MS);
    this.#wake();
  }

  /**
   * Stops claiming. With `drain`, running jobs finish normally; without, their gradings are aborted
   * and the jobs given back to the queue at once (not counted as attempts) for another worker or
   * the next start. Resolves when no job of this pool runs any more.
   */
  async stop({ drain }: { drain: boolean }): Promise<void> {
    if (this.#state === 'new') this.#state = 'stopped';
    if (!drain) this.#stopController.abort(new Error('the worker pool is stopping'));
    this.#stopping ??= this.#shutDown();
    await this.#stopping;
  }

  /** Jobs running now. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Resolves once this pool runs nothing and the queue holds no job, waiting or leased (for tests:
   * retries coming due and expired leases are waited for). After stop, once nothing runs.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#state === 'started') await this.#fill();
      if (this.#running.size > 0) {
        await Promise.race(this.#running.values());
        continue;
      }
      if (this.#state !== 'started') return;
      const { waiting, leased } = await this.#queue.size();
      if (waiting + leased === 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#pollMs, 50)));
    }
  }

  async #shutDown(): Promise<void> {
    this.#state = 'stopping';
    // The job prepared ahead has not started: it goes back, drained or not.
    this.#ahead?.cancel.abort(new Error('the worker pool is stopping'));
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#announcer !== undefined) clearInterval(this.#announcer);
    this.#unsubscribe?.();
    await this.#filling;
    await Promise.all(this.#running.values());
    await this.#queue.retireWorker?.(this.workerId).catch((err: unknown) => this.#log.error({ err }, 'leaving the roster of workers failed'));
    this.#state = 'stopped';
  }

  #announce(): void {
    const announcement = { workerId: this.workerId, host: os.hostname(), slots: this.#slots, capacity: this.#capacity };
    this.#queue.announceWorker?.(announcement).catch((err: unknown) => this.#log.error({ err }, 'announcing this worker to the queue failed'));
  }

  #wake(): void {
    this.#fill().catch((err: unknown) => this.#log.error({ err }, 'claiming jobs failed'));
  }

  /** One claiming pass at a time; a wake-up during a pass makes it go round once more. */
  #fill(): Promise<void> {
    if (this.#filling) {
      this.#fillAgain = true;
      return this.#filling;
    }
    this.#filling = this.#claimWhileRoom().finally(() => {
      this.#filling = undefined;
    });
    return this.#filling;
  }

  async #claimWhileRoom(): Promise<void> {
    do {
      this.#fillAgain = false;
      for (;;) {
        if (this.#state !== 'started') break;
        // The job prepared ahead goes first: no later job may take the room it waits for.
        if (this.#ahead !== undefined) {
          if (!this.#canAdmit(this.#ahead.job)) break;
          this.#admit(this.#ahead);
        }
        // The head of the queue (any job that fits the machine): its grader starts now if it fits
        // beside those running, else it is prepared ahead and starts once they leave room.
        const job = await this.#claim();
        if (job === undefined) break;
        if (this.#state !== 'started') {
          // Claimed while stop() began: hand it straight back.
          await this.#queue.retry(job.jobId, this.workerId, 0, 'the worker stopped before the job started').catch(() => undefined);
          break;
        }
        const run = this.#start(job);
        if (this.#canAdmit(job)) this.#admit(run);
        else this.#ahead = run;
      }
    } while (this.#fillAgain && this.#state === 'started');
  }

  #canAdmit(job: Capacity): boolean {
    return this.#admitted < this.#slots && this.#admission.fits(job);
  }

  async #claim(): Promise<ClaimedJob | undefined> {
    const total = { ...this.#admission.total };
    try {
      return await this.#queue.claim({ workerId: this.workerId, free: total, total, leaseMs: this.#deps.leaseMs });
    } catch (err) {
      // The database may be back by the next poll.
      this.#log.error({ err }, 'claiming a job failed');
      return undefined;
    }
  }

  /** Starts a claimed job; its grader waits until the pool admits it (#admit). */
  #start(job: ClaimedJob): PoolRun {
    const key = ++this.#runs;
    let admit!: () => void;
    const admitted = new Promise<void>((resolve) => (admit = resolve));
    const run: PoolRun = { job, admit, release: undefined, cancel: new AbortController() };
    // Released as soon as the grader is done with the machine: the next job starts while this one reports.
    const graded = (): void => {
      if (this.#ahead === run) this.#ahead = undefined;
      if (run.release === undefined) return;
      run.release();
      run.release = undefined;
      this.#admitted--;
      this.#wake();
    };
    const signal = AbortSignal.any([this.#stopController.signal, run.cancel.signal]);
    const ended = runJob(job, this.#deps, signal, { admitted, graded }).finally(() => {
      graded();
      this.#running.delete(key);
      this.#wake();
    });
    this.#running.set(key, ended);
    return run;
  }

  /** Reserves the job's share and a slot, and lets its grader start. */
  #admit(run: PoolRun): void {
    if (this.#ahead === run) this.#ahead = undefined;
    run.release = this.#admission.reserve(run.job);
    this.#admitted++;
    run.admit();
  }
}

/** A job this pool runs: whether it is admitted (holds a reservation) and how to admit it. */
interface PoolRun {
  job: ClaimedJob;
  admit: () => void;
  /** Gives back the job's reservation and slot; set while it holds them. */
  release: (() => void) | undefined;
  /** Gives the job back before it was admitted (the pool stops). */
  cancel: AbortController;
}
