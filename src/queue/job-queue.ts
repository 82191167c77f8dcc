/**
 * The grading queue, as workers and the submission path see it. The embedded mode keeps it in a
 * table of the same database (src/queue/sql/), so that enqueueing commits with the submission;
 * a PostgreSQL deployment can put pg-boss behind the same interface.
 *
 * Semantics: at-least-once. A claimed job is leased to one worker until `leaseUntil`; the worker
 * renews the lease with `heartbeat` while it runs; a lease that runs out (worker died) makes the
 * job claimable again. Results are made idempotent by the job id, not by the queue.
 */
import type { DbExecutor } from '../db/database.ts';

/** What the queue needs to know about a job to order and admit it. */
export interface EnqueueRequest {
  /** The grading job's id (the platform's `grading_jobs.id`). */
  jobId: string;
  /** 0 student, 1 author test, 2 bulk (see PRIORITY_ORDER); lower is claimed first. */
  priority: number;
  /** Whose work it is (the submitting user's login); claims are fair between owners. */
  owner: string;
  /** The owner's course; claims are fair between courses before owners. */
  course: string;
  /** Reserved while the job runs; admission compares them with the worker's free capacity. */
  cpus: number;
  memoryMiB: number;
}

export interface ClaimedJob extends EnqueueRequest {
  /** 1 on the first claim, 2 after a retry or an expired lease, … */
  attempt: number;
  leaseUntil: Date;
}

export interface Capacity {
  cpus: number;
  memoryMiB: number;
}

export interface ClaimRequest {
  workerId: string;
  /**
   * The room the job must fit in: what the worker's running jobs leave free, to fill it, or its
   * whole capacity, to take the head of the queue whatever its size (the WorkerPool does that,
   * and starts the job once room frees).
   */
  free: Capacity;
  /**
   * The worker's whole capacity: a job asking for more than the machine has is admitted as if it
   * asked for the whole machine (so it runs alone rather than never).
   */
  total: Capacity;
  leaseMs: number;
}

/** A worker as it tells the queue about itself (the queue dashboard shows it). */
export interface WorkerAnnouncement {
  workerId: string;
  host: string;
  /** Jobs it grades at once, at most. */
  slots: number;
  /** What its jobs may reserve in total. */
  capacity: Capacity;
}

export interface JobQueue {
  /** Adds jobs inside the caller's transaction, so they exist exactly when the submission does. */
  enqueue(tx: DbExecutor, jobs: readonly EnqueueRequest[]): Promise<void>;
  /**
   * Leases the most urgent job that fits, skipping jobs that do not fit `free` (after clamping to
   * `total`) and jobs not yet due after a retry delay. Most urgent: the lowest priority number;
   * within a priority, fairly: the course with the fewest jobs running now (leased, by any worker),
   * then the one whose last claim is oldest; within it the owner chosen by the same two rules;
   * then the owner's oldest job. So one owner's flood of jobs cannot hold the others back.
   */
  claim(request: ClaimRequest): Promise<ClaimedJob | undefined>;
  /** Extends the lease; false when the worker no longer holds it (expired and claimed again). */
  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /** Removes a finished job; false when the worker no longer held it. */
  complete(jobId: string, workerId: string): Promise<boolean>;
  /** Gives a job back after a system error, claimable again after `delayMs`. */
  retry(jobId: string, workerId: string, delayMs: number, error: string): Promise<boolean>;
  /**
   * Inside the caller's transaction: removes those of `jobIds` no worker holds (waiting or due for
   * a retry) and uncounts them from their owners; returns the ids removed. Leased jobs run on.
   */
  cancel(tx: DbExecutor, jobIds: readonly string[]): Promise<string[]>;
  /** Makes every lease held by a worker of a previous run of this process claimable now (embedded mode start-up). */
  releaseAll(): Promise<number>;
  /** Makes expired leases claimable again; returns how many. */
  releaseExpired(now?: Date): Promise<number>;
  /** Jobs waiting or leased, for status pages and tests. */
  size(): Promise<{ waiting: number; leased: number }>;
  /** Called after jobs were enqueued by this process (wakes idle workers without polling). */
  onEnqueued(listener: () => void): () => void;
  /**
   * Records a worker, its slots and capacity, and that it is alive now; workers call it at start
   * and every few seconds. Optional: a queue that keeps no roster leaves it out.
   */
  announceWorker?(worker: WorkerAnnouncement): Promise<void>;
  /** Removes a stopping worker from the roster. */
  retireWorker?(workerId: string): Promise<void>;
}
