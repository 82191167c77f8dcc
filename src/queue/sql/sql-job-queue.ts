/**
 * The job queue as a table (`queue_jobs`) of the platform's own database, so that jobs are
 * enqueued in the submission's transaction. Works on SQLite and PostgreSQL:
 * - a claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING *`; on PostgreSQL the
 *   inner select takes `FOR UPDATE SKIP LOCKED`, so concurrent workers on many machines never
 *   get the same job and never wait on each other; SQLite has one writer, which serialises claims;
 * - times are the app's clock as ISO text (text order is time order on both dialects);
 * - leases: a claimed row names its worker and `lease_until`; a row whose lease ran out is
 *   claimable again (its `attempts` keeps counting).
 */
import type { Db, DbExecutor, DialectName } from '../../db/database.ts';
import { dialectOf } from '../../db/dialect-of.ts';
import { afterCommit } from '../../db/transaction.ts';
import type { ClaimedJob, ClaimRequest, EnqueueRequest, JobQueue } from '../job-queue.ts';
import { claimableAt, fitsIn } from './claim-conditions.ts';

export interface SqlJobQueueOptions {
  /** The clock (tests move it to expire leases); default the system clock. */
  now?: () => Date;
  /** Default: detected from `db`'s adapter. */
  dialect?: DialectName;
}

const later = (now: Date, ms: number): string => new Date(now.getTime() + ms).toISOString();

function requestFault(job: EnqueueRequest): string | undefined {
  if (typeof job.jobId !== 'string' || job.jobId === '') return 'an empty job id';
  if (!Number.isInteger(job.priority)) return `priority ${job.priority} (an integer is needed)`;
  if (!(Number.isFinite(job.cpus) && job.cpus > 0)) return `cpus ${job.cpus} (a positive number is needed)`;
  if (!(Number.isFinite(job.memoryMiB) && job.memoryMiB > 0)) return `memoryMiB ${job.memoryMiB} (a positive number is needed)`;
  return undefined;
}

function checkRequest(job: EnqueueRequest): void {
  const fault = requestFault(job);
  if (fault !== undefined) throw new TypeError(`cannot enqueue job '${job.jobId}': ${fault}`);
}

export class SqlJobQueue implements JobQueue {
  readonly #db: Db;
  readonly #dialect: DialectName;
  readonly #now: () => Date;
  readonly #listeners = new Set<() => void>();

  constructor(db: Db, options: SqlJobQueueOptions = {}) {
    this.#db = db;
    this.#dialect = options.dialect ?? dialectOf(db);
    this.#now = options.now ?? (() => new Date());
  }

  /** Inserts the jobs with `tx`; listeners hear of them once `tx` commits (see `afterCommit`). */
  async enqueue(tx: DbExecutor, jobs: readonly EnqueueRequest[]): Promise<void> {
    if (jobs.length === 0) return;
    jobs.forEach(checkRequest);
    const now = this.#now().toISOString();
    await tx
      .insertInto('queue_jobs')
      .values(
        jobs.map((job) => ({
          id: job.jobId,
          priority: job.priority,
          cpus: job.cpus,
          memory_mib: job.memoryMiB,
          enqueued_at: now,
          not_before: now,
          leased_by: null,
          lease_until: null,
          attempts: 0,
          last_error: null,
        })),
      )
      .execute();
    afterCommit(tx, () => this.#notify());
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob | undefined> {
    const now = this.#now();
    const nowIso = now.toISOString();
    const candidate = this.#db
      .selectFrom('queue_jobs')
      .select('id')
      .where(claimableAt(nowIso))
      .where(fitsIn(request.free, request.total))
      .orderBy('priority')
      .orderBy('enqueued_at')
      .orderBy('id')
      .limit(1)
      .$if(this.#dialect === 'postgres', (q) => q.forUpdate().skipLocked());
    const row = await this.#db
      .updateTable('queue_jobs')
      .set((eb) => ({ leased_by: request.workerId, lease_until: later(now, request.leaseMs), attempts: eb('attempts', '+', 1) }))
      .where('id', '=', candidate)
      // Checked again on the row the update locked: on PostgreSQL it may have changed since the
      // subquery's snapshot.
      .where(claimableAt(nowIso))
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      jobId: row.id,
      priority: row.priority,
      cpus: row.cpus,
      memoryMiB: row.memory_mib,
      attempt: row.attempts,
      leaseUntil: new Date(row.lease_until ?? nowIso),
    };
  }

  async heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('queue_jobs')
      .set({ lease_until: later(this.#now(), leaseMs) })
      .where('id', '=', jobId)
      .where('leased_by', '=', workerId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async complete(jobId: string, workerId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('queue_jobs').where('id', '=', jobId).where('leased_by', '=', workerId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async retry(jobId: string, workerId: string, delayMs: number, error: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('queue_jobs')
      .set({ leased_by: null, lease_until: null, not_before: later(this.#now(), Math.max(0, delayMs)), last_error: error })
      .where('id', '=', jobId)
      .where('leased_by', '=', workerId)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    // A retry with no delay is work an idle worker can take now.
    if (delayMs <= 0) this.#notify();
    return true;
  }

  async releaseAll(): Promise<number> {
    const result = await this.#db
      .updateTable('queue_jobs')
      .set({ leased_by: null, lease_until: null })
      .where('leased_by', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async releaseExpired(now: Date = this.#now()): Promise<number> {
    const result = await this.#db
      .updateTable('queue_jobs')
      .set({ leased_by: null, lease_until: null })
      .where('leased_by', 'is not', null)
      .where('lease_until', '<', now.toISOString())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async size(): Promise<{ waiting: number; leased: number }> {
    const row = await this.#db
      .selectFrom('queue_jobs')
      .select((eb) => [eb.fn.countAll<number | string>().as('all'), eb.fn.count<number | string>('leased_by').as('leased')])
      .executeTakeFirstOrThrow();
    const all = Number(row.all);
    const leased = Number(row.leased);
    return { waiting: all - leased, leased };
  }

  onEnqueued(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // One listener's fault must not keep the others asleep.
      }
    }
  }
}
