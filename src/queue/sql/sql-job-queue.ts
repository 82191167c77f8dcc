/**
 * The job queue as a table (`queue_jobs`) of the platform's own database, so that jobs are
 * enqueued in the submission's transaction. Works on SQLite and PostgreSQL:
 * - a claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING *` (claim-statements.ts);
 *   on PostgreSQL the inner select takes `FOR UPDATE SKIP LOCKED`, so concurrent workers on many
 *   machines never get the same job and never wait for each other's jobs (only, for an instant,
 *   to stamp the same course's `queue_service` row); SQLite has one writer, which serialises claims;
 * - the inner select is fair between courses and between owners (fair-candidate.ts): it ranks the
 *   rows of `queue_owners` (kept by enqueue and complete: one per priority, course and owner with
 *   jobs queued) by jobs running now and by last service (`queue_service`, stamped by each claim);
 * - times are the app's clock as ISO text (text order is time order on both dialects);
 * - leases: a claimed row names its worker and `lease_until`; a row whose lease ran out is
 *   claimable again (its `attempts` keeps counting).
 */
import type { CompiledQuery } from 'kysely';
import type { Db, DbExecutor, DialectName } from '../../db/database.ts';
import type { QueryTemplate } from '../../db/query-template.ts';
import { dialectOf } from '../../db/dialect-of.ts';
import { afterCommit } from '../../db/transaction.ts';
import type { Capacity, ClaimedJob, ClaimRequest, EnqueueRequest, JobQueue, WorkerAnnouncement } from '../job-queue.ts';
import { claimStatements, completionStatements, stampStatement, type ClaimStatements, type ClaimValues, type CompletionStatements } from './claim-statements.ts';

export interface SqlJobQueueOptions {
  /** The clock (tests move it to expire leases); default the system clock. */
  now?: () => Date;
  /** Default: detected from `db`'s adapter. */
  dialect?: DialectName;
}

/** Rooms whose claim statements are kept compiled; a pool uses one or two. */
const MAX_STATEMENT_SHAPES = 16;

/** Job ids per `IN (…)` list of a cancel. */
const CANCEL_CHUNK = 500;

const later = (now: Date, ms: number): string => new Date(now.getTime() + ms).toISOString();

function requestFault(job: EnqueueRequest): string | undefined {
  if (typeof job.jobId !== 'string' || job.jobId === '') return 'an empty job id';
  if (typeof job.owner !== 'string' || job.owner === '') return 'no owner';
  if (typeof job.course !== 'string' || job.course === '') return 'no course';
  if (!Number.isInteger(job.priority)) return `priority ${job.priority} (an integer is needed)`;
  if (!(Number.isFinite(job.cpus) && job.cpus > 0)) return `cpus ${job.cpus} (a positive number is needed)`;
  if (!(Number.isFinite(job.memoryMiB) && job.memoryMiB > 0)) return `memoryMiB ${job.memoryMiB} (a positive number is needed)`;
  return undefined;
}

function checkRequest(job: EnqueueRequest): void {
  const fault = requestFault(job);
  if (fault !== undefined) throw new TypeError(`cannot enqueue job '${job.jobId}': ${fault}`);
}

/** Jobs per owner row, sorted by key (so concurrent upserts on PostgreSQL lock rows in one order). */
function ownerCounts(jobs: readonly EnqueueRequest[]): Array<{ priority: number; course: string; owner: string; queued: number }> {
  const counts = new Map<string, { priority: number; course: string; owner: string; queued: number }>();
  for (const { priority, course, owner } of jobs) {
    const key = JSON.stringify([priority, course, owner]);
    const entry = counts.get(key) ?? { priority, course, owner, queued: 0 };
    entry.queued++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => a.priority - b.priority || compare(a.course, b.course) || compare(a.owner, b.owner));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class SqlJobQueue implements JobQueue {
  readonly #db: Db;
  readonly #dialect: DialectName;
  readonly #now: () => Date;
  readonly #listeners = new Set<() => void>();
  readonly #statements = new Map<string, ClaimStatements>();
  readonly #stamp: QueryTemplate<unknown>;
  readonly #completion: CompletionStatements;

  constructor(db: Db, options: SqlJobQueueOptions = {}) {
    this.#db = db;
    this.#dialect = options.dialect ?? dialectOf(db);
    this.#now = options.now ?? (() => new Date());
    this.#stamp = stampStatement(db);
    this.#completion = completionStatements(db);
  }

  /**
   * Inserts the jobs and counts them in their owners' `queue_owners` rows, with `tx` (in a
   * transaction of its own when `tx` is none); listeners hear of them once it commits (see `afterCommit`).
   */
  async enqueue(tx: DbExecutor, jobs: readonly EnqueueRequest[]): Promise<void> {
    if (jobs.length === 0) return;
    jobs.forEach(checkRequest);
    const now = this.#now().toISOString();
    const insert = async (executor: DbExecutor): Promise<void> => {
      await executor
        .insertInto('queue_jobs')
        .values(
          jobs.map((job) => ({
            id: job.jobId,
            priority: job.priority,
            owner: job.owner,
            course: job.course,
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
      await executor
        .insertInto('queue_owners')
        .values(ownerCounts(jobs).map((o) => ({ ...o, since: now })))
        .onConflict((oc) => oc.columns(['priority', 'course', 'owner']).doUpdateSet((eb) => ({ queued: eb('queue_owners.queued', '+', eb.ref('excluded.queued')) })))
        .execute();
    };
    if (tx.isTransaction) await insert(tx);
    else await tx.transaction().execute(insert);
    afterCommit(tx, () => this.#notify());
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob | undefined> {
    // A lease names its worker: an empty name would look like no lease at all (see runningAt).
    if (typeof request.workerId !== 'string' || request.workerId === '') throw new TypeError('cannot claim a job: the worker id is empty');
    const now = this.#now();
    const nowIso = now.toISOString();
    const values: ClaimValues = { now: nowIso, workerId: request.workerId, leaseUntil: later(now, request.leaseMs) };
    const statements = this.#statementsFor(request.free, request.total);
    // When the fair pick finds nothing, the plain order hands out whatever is left: on PostgreSQL
    // the pick may be a job another claim has just locked, and no job may ever be stranded by a
    // missing `queue_owners` row. (An empty queue costs one cheap query more.)
    const row = (await this.#first(statements.fair.bind(values))) ?? (await this.#first(statements.fifo.bind(values)));
    if (!row) return undefined;
    // Remembered for the next claims' round-robin. On SQLite a statement of its own, after the
    // claim committed: losing it (a crash in between) only makes one pick less fair.
    if (!statements.stamped) await this.#db.executeQuery(this.#stamp.bind({ now: nowIso, course: row.course, owner: row.owner }));
    return {
      jobId: row.id,
      priority: row.priority,
      owner: row.owner,
      course: row.course,
      cpus: row.cpus,
      memoryMiB: row.memory_mib,
      attempt: row.attempts,
      leaseUntil: new Date(row.lease_until ?? nowIso),
    };
  }

  async #first<R>(statement: CompiledQuery<R>, executor: DbExecutor = this.#db): Promise<R | undefined> {
    const { rows } = await executor.executeQuery(statement);
    return rows[0];
  }

  /** The claim statements for this room, compiled on first use (a worker asks for one or two rooms). */
  #statementsFor(free: Capacity, total: Capacity): ClaimStatements {
    const key = `${free.cpus}:${free.memoryMiB}:${total.cpus}:${total.memoryMiB}`;
    let statements = this.#statements.get(key);
    if (statements === undefined) {
      if (this.#statements.size >= MAX_STATEMENT_SHAPES) this.#statements.clear();
      statements = claimStatements(this.#db, this.#dialect, free, total);
      this.#statements.set(key, statements);
    }
    return statements;
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

  /** Deletes the job and uncounts it from its owner's row (removed at 0), in one transaction. */
  async complete(jobId: string, workerId: string): Promise<boolean> {
    const { remove, uncount, forget } = this.#completion;
    return this.#db.transaction().execute(async (tx) => {
      const key = await this.#first(remove.bind({ jobId, workerId }), tx);
      if (!key) return false;
      // The row lock this update takes orders it against concurrent enqueues of the same owner.
      const left = await this.#first(uncount.bind(key), tx);
      if (left !== undefined && left.queued <= 0) await tx.executeQuery(forget.bind(key));
      return true;
    });
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

  async cancel(tx: DbExecutor, jobIds: readonly string[]): Promise<string[]> {
    const removed: Array<{ id: string; priority: number; course: string; owner: string }> = [];
    const work = async (executor: DbExecutor): Promise<void> => {
      for (let i = 0; i < jobIds.length; i += CANCEL_CHUNK) {
        const chunk = jobIds.slice(i, i + CANCEL_CHUNK);
        removed.push(
          ...(await executor.deleteFrom('queue_jobs').where('id', 'in', chunk).where('leased_by', 'is', null).returning(['id', 'priority', 'course', 'owner']).execute()),
        );
      }
      // In key order, like enqueue, so concurrent updates of owner rows lock them in one order.
      for (const { priority, course, owner, queued } of ownerCounts(removed.map((r) => ({ jobId: r.id, priority: r.priority, course: r.course, owner: r.owner, cpus: 1, memoryMiB: 1 })))) {
        const row = await executor
          .updateTable('queue_owners')
          .set((eb) => ({ queued: eb('queued', '-', queued) }))
          .where('priority', '=', priority)
          .where('course', '=', course)
          .where('owner', '=', owner)
          .returning('queued')
          .executeTakeFirst();
        if (row !== undefined && row.queued <= 0) {
          await executor.deleteFrom('queue_owners').where('priority', '=', priority).where('course', '=', course).where('owner', '=', owner).execute();
        }
      }
    };
    if (tx.isTransaction) await work(tx);
    else await tx.transaction().execute(work);
    return removed.map((r) => r.id);
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

  async announceWorker(worker: WorkerAnnouncement): Promise<void> {
    const now = this.#now().toISOString();
    const values = { host: worker.host, slots: worker.slots, cpus: worker.capacity.cpus, memory_mib: worker.capacity.memoryMiB, seen_at: now };
    await this.#db
      .insertInto('queue_workers')
      .values({ worker_id: worker.workerId, started_at: now, ...values })
      .onConflict((oc) => oc.column('worker_id').doUpdateSet(values))
      .execute();
  }

  async retireWorker(workerId: string): Promise<void> {
    await this.#db.deleteFrom('queue_workers').where('worker_id', '=', workerId).execute();
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
