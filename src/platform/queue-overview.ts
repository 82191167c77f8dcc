/**
 * The grading queue at a glance, for the queue dashboard: jobs not finished by state and priority,
 * how long recent jobs waited, prepared and ran (median and 95th percentile), the workers holding
 * leases and what they hold, and recent failures with their causes.
 *
 * Who sees what: a course's staff see its jobs only; administrators see every course's, and the
 * workers (machines are no course's business). A worker is known by its announcements (the
 * queue's roster, `queue_workers`: slots, capacity, last seen) and by the leases it holds
 * (`queue_jobs.leased_by`): one that holds leases without announcing itself is listed too.
 */
import { sql } from 'kysely';
import type { GradeStatus } from '../grader/grade-result.ts';
import type { PlatformContext } from './context.ts';
import type { Actor, JobPriority } from './model.ts';
import { requireAdmin, requireCourseRole, requireScope } from './permissions.ts';
import { storedResult } from './result-views.ts';

/**
 * Where an unfinished job stands: `waiting` to be claimed, `retry-wait` (given back after a system
 * error, not claimable yet), `claimed` (leased, not preparing yet), then the job's own phases.
 */
export type QueueState = 'waiting' | 'retry-wait' | 'claimed' | 'preparing' | 'running' | 'reporting';
export const QUEUE_STATES: readonly QueueState[] = ['waiting', 'retry-wait', 'claimed', 'preparing', 'running', 'reporting'];

/** Milliseconds over a set of jobs; null when there were none. */
export interface TimingStat {
  count: number;
  medianMs: number | null;
  p95Ms: number | null;
}

export interface QueueTimings {
  /** Jobs finished since `since` (at most TIMED_JOBS, the newest). */
  jobs: number;
  since: string;
  /** Queued → preparing (the last delivery's, so retries count as waiting). */
  wait: TimingStat;
  /** Preparing → running: files and image laid out. */
  prepare: TimingStat;
  /** Running → reporting: the grader itself. */
  run: TimingStat;
  /** Reporting → done: the result stored. */
  report: TimingStat;
}

export interface WorkerLoad {
  workerId: string;
  /** As it announced itself; null for a worker known only by its leases. */
  host: string | null;
  slots: number | null;
  capacity: { cpus: number; memoryMiB: number } | null;
  /** Its latest announcement (every few seconds while it runs); null: none. */
  seenAt: string | null;
  /** Jobs it holds leases on now. */
  jobs: number;
  /** CPUs and memory those jobs reserve. */
  cpus: number;
  memoryMiB: number;
  /** Its latest lease's end: renewed by heartbeats while the worker lives; null: it holds none. */
  leaseUntil: string | null;
  /** Not heard from for WORKER_SILENT_MS, or every lease it holds has run out: probably gone (its jobs are claimable again). */
  expired: boolean;
}

/** A worker not heard from for this long is taken for gone; after WORKER_FORGET_MS it is no longer listed. */
export const WORKER_SILENT_MS = 60_000;
const WORKER_FORGET_MS = 15 * 60_000;

export interface FailedJob {
  jobId: string;
  submissionId: string;
  courseId: string;
  assignmentId: string;
  partId: string;
  login: string;
  /** The result's status, or `system-error` for a job the worker gave back (retried). */
  status: GradeStatus | 'system-error';
  cause: string;
  at: string;
}

export interface QueueOverview {
  /** The course whose jobs these are; null: every course (administrators). */
  courseId: string | null;
  at: string;
  /** Unfinished jobs, non-zero cells only. */
  counts: Array<{ state: QueueState; priority: JobPriority; jobs: number }>;
  timings: QueueTimings;
  /** Administrators only; null for course staff. */
  workers: WorkerLoad[] | null;
  /** Newest first, at most FAILED_JOBS. */
  failed: FailedJob[];
}

/** Finished jobs the timings are taken over: those of the last day, at most this many. */
export const TIMED_JOBS = 2000;
const TIMING_WINDOW_MS = 24 * 3600 * 1000;
export const FAILED_JOBS = 50;
const FAILED_STATUSES: GradeStatus[] = ['grader-error', 'timeout', 'out-of-memory', 'output-limit'];

/** The queue as the caller may see it: a course's (its staff), or every course's (`courseId` absent: administrators). */
export async function getQueueOverview(ctx: PlatformContext, actor: Actor, courseId?: string): Promise<QueueOverview> {
  requireScope(actor, 'read');
  if (courseId === undefined) requireAdmin(actor, 'see every course’s grading queue');
  else await requireCourseRole(ctx.db, actor, courseId, 'staff', 'see the grading queue');
  const now = ctx.now();
  const course = courseId ?? null;
  const [counts, timings, workers, failed] = await Promise.all([
    queueCounts(ctx, course, now),
    queueTimings(ctx, course, now),
    actor.isAdmin ? workerLoads(ctx, now) : Promise.resolve(null),
    failedJobs(ctx, course),
  ]);
  return { courseId: course, at: now.toISOString(), counts, timings, workers, failed };
}

async function queueCounts(ctx: PlatformContext, courseId: string | null, now: Date): Promise<QueueOverview['counts']> {
  const leased = sql<number>`case when q.leased_by is null then 0 else 1 end`;
  const later = sql<number>`case when q.not_before > ${now.toISOString()} then 1 else 0 end`;
  const rows = await ctx.db
    .selectFrom('grading_jobs as j')
    .innerJoin('submissions as s', 's.id', 'j.submission_id')
    .leftJoin('queue_jobs as q', 'q.id', 'j.id')
    .select(['j.phase', 'j.priority', leased.as('leased'), later.as('later'), (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
    .where('j.phase', '!=', 'done')
    .$if(courseId !== null, (q) => q.where('s.course_id', '=', courseId ?? ''))
    // By position: PostgreSQL would not match an expression holding a parameter with its twin in the select list.
    .groupBy([sql`1`, sql`2`, sql`3`, sql`4`])
    .execute();
  const cells = new Map<string, { state: QueueState; priority: JobPriority; jobs: number }>();
  for (const row of rows) {
    const state: QueueState =
      row.phase === 'queued' ? (Number(row.leased) === 1 ? 'claimed' : Number(row.later) === 1 ? 'retry-wait' : 'waiting') : (row.phase as QueueState);
    const key = `${state} ${row.priority}`;
    const cell = cells.get(key) ?? { state, priority: row.priority as JobPriority, jobs: 0 };
    cell.jobs += Number(row.n);
    cells.set(key, cell);
  }
  return [...cells.values()];
}

async function queueTimings(ctx: PlatformContext, courseId: string | null, now: Date): Promise<QueueTimings> {
  const since = new Date(now.getTime() - TIMING_WINDOW_MS).toISOString();
  const rows = await ctx.db
    .selectFrom('grading_jobs as j')
    .innerJoin('submissions as s', 's.id', 'j.submission_id')
    .select(['j.queued_at', 'j.preparing_at', 'j.running_at', 'j.reporting_at', 'j.done_at'])
    .where('j.phase', '=', 'done')
    .where('j.done_at', '>=', since)
    .$if(courseId !== null, (q) => q.where('s.course_id', '=', courseId ?? ''))
    .orderBy('j.done_at', 'desc')
    .limit(TIMED_JOBS)
    .execute();
  const span = (from: string | null, to: string | null): number | null => (from === null || to === null ? null : Math.max(0, Date.parse(to) - Date.parse(from)));
  const stat = (pick: (row: (typeof rows)[number]) => number | null): TimingStat => timingStat(rows.map(pick).filter((ms): ms is number => ms !== null));
  return {
    jobs: rows.length,
    since,
    wait: stat((r) => span(r.queued_at, r.preparing_at)),
    prepare: stat((r) => span(r.preparing_at, r.running_at)),
    run: stat((r) => span(r.running_at, r.reporting_at)),
    report: stat((r) => span(r.reporting_at, r.done_at)),
  };
}

/** Median and 95th percentile (nearest rank) of some durations. */
export function timingStat(values: readonly number[]): TimingStat {
  if (values.length === 0) return { count: 0, medianMs: null, p95Ms: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { count: sorted.length, medianMs: rank(0.5), p95Ms: rank(0.95) };
}

async function workerLoads(ctx: PlatformContext, now: Date): Promise<WorkerLoad[]> {
  const [leases, roster] = await Promise.all([
    ctx.db
      .selectFrom('queue_jobs')
      .select((eb) => [
        'leased_by',
        eb.fn.countAll<number | string | bigint>().as('jobs'),
        eb.fn.sum<number | string>('cpus').as('cpus'),
        eb.fn.sum<number | string>('memory_mib').as('memory'),
        eb.fn.max('lease_until').as('lease_until'),
      ])
      .where('leased_by', 'is not', null)
      .groupBy('leased_by')
      .execute(),
    ctx.db
      .selectFrom('queue_workers')
      .selectAll()
      .where('seen_at', '>=', new Date(now.getTime() - WORKER_FORGET_MS).toISOString())
      .execute(),
  ]);
  const workers = new Map<string, WorkerLoad>();
  for (const row of roster) {
    workers.set(row.worker_id, {
      workerId: row.worker_id,
      host: row.host,
      slots: row.slots,
      capacity: { cpus: Number(row.cpus), memoryMiB: row.memory_mib },
      seenAt: row.seen_at,
      jobs: 0,
      cpus: 0,
      memoryMiB: 0,
      leaseUntil: null,
      expired: Date.parse(row.seen_at) < now.getTime() - WORKER_SILENT_MS,
    });
  }
  for (const row of leases) {
    const workerId = row.leased_by ?? '';
    const leaseUntil = row.lease_until ?? null;
    const leaseExpired = leaseUntil !== null && Date.parse(leaseUntil) < now.getTime();
    const known = workers.get(workerId);
    const load = { jobs: Number(row.jobs), cpus: Number(row.cpus), memoryMiB: Number(row.memory), leaseUntil };
    if (known) workers.set(workerId, { ...known, ...load, expired: known.expired || leaseExpired });
    else workers.set(workerId, { workerId, host: null, slots: null, capacity: null, seenAt: null, ...load, expired: leaseExpired });
  }
  return [...workers.values()].sort((a, b) => a.workerId.localeCompare(b.workerId));
}

async function failedJobs(ctx: PlatformContext, courseId: string | null): Promise<FailedJob[]> {
  const [results, retried] = await Promise.all([
    ctx.db
      .selectFrom('results as r')
      .innerJoin('grading_jobs as j', 'j.id', 'r.job_id')
      .innerJoin('submissions as s', 's.id', 'r.submission_id')
      .selectAll('r')
      .select(['j.part_id', 's.course_id', 's.assignment_id', 's.login'])
      .where('r.status', 'in', FAILED_STATUSES)
      .$if(courseId !== null, (q) => q.where('s.course_id', '=', courseId ?? ''))
      .orderBy('r.created_at', 'desc')
      .limit(FAILED_JOBS)
      .execute(),
    ctx.db
      .selectFrom('grading_jobs as j')
      .innerJoin('submissions as s', 's.id', 'j.submission_id')
      .select(['j.id', 'j.submission_id', 'j.part_id', 'j.last_error', 'j.queued_at', 'j.preparing_at', 'j.done_at', 's.course_id', 's.assignment_id', 's.login'])
      .where('j.system_errors', '>', 0)
      .where('j.last_error', 'is not', null)
      .$if(courseId !== null, (q) => q.where('s.course_id', '=', courseId ?? ''))
      .orderBy('j.queued_at', 'desc')
      .limit(FAILED_JOBS)
      .execute(),
  ]);
  const failed: FailedJob[] = results.map((r) => ({
    jobId: r.job_id,
    submissionId: r.submission_id,
    courseId: r.course_id,
    assignmentId: r.assignment_id,
    partId: r.part_id,
    login: r.login,
    status: r.status as GradeStatus,
    cause: resultCause(r),
    at: r.created_at,
  }));
  for (const j of retried) {
    failed.push({
      jobId: j.id,
      submissionId: j.submission_id,
      courseId: j.course_id,
      assignmentId: j.assignment_id,
      partId: j.part_id,
      login: j.login,
      status: 'system-error',
      cause: j.last_error ?? '',
      at: j.done_at ?? j.preparing_at ?? j.queued_at,
    });
  }
  return failed.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, FAILED_JOBS);
}

/** Why a result failed, in one line: the grader's first fault, or how its run ended. */
function resultCause(row: Parameters<typeof storedResult>[0]): string {
  try {
    const result = storedResult(row);
    if (result.errors.length > 0) return result.errors[0]!;
    const { reason, exitCode, signal } = result.run;
    return `run ${reason}${exitCode === null ? '' : `, exit code ${exitCode}`}${signal === null ? '' : `, signal ${signal}`}`;
  } catch {
    return row.status;
  }
}
