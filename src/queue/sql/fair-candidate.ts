/**
 * Which job a claim takes, as pure Kysely queries (no I/O) for both dialects. Among the claimable
 * jobs that fit, the lowest priority number goes first; within it the claim is fair at two levels,
 * courses first (so one course's crowd cannot crowd out another course on a shared server), then
 * owners inside the course (so one student's flood cannot hold the others back):
 *   1. the course with the fewest jobs running now (leased by any worker, on any server),
 *   2. then the course whose last claim is the oldest (never served first): round-robin,
 *   3. then, in it, the owner with the fewest jobs running now,
 *   4. then the owner whose last claim is the oldest,
 *   5. then the owner queued longest; the claim takes that owner's oldest job (FIFO per owner).
 * The ranking runs over `queue_owners` (one row per priority, course and owner with queued jobs),
 * each row checked by one index seek for a job it can hand out now, so a flood of one owner's
 * jobs costs one row, not one per job. Running counts come from the queue's own leased rows (an
 * index range), so every worker and server sees the same counts; last claims come from
 * `queue_service`, stamped after each claim (see SqlJobQueue). Two claims at the same instant may
 * both pick the same owner: fairness is best-effort there, exclusivity is not (the row lock on
 * PostgreSQL, the one writer on SQLite).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/tables.ts';
import type { Capacity } from '../job-queue.ts';
import { claimableAt, fitsIn, runningAt } from './claim-conditions.ts';

type Db = Kysely<Database>;

/** What a claim may take: claimable now, fitting the room. */
function open(db: Db, nowIso: string, free: Capacity, total: Capacity) {
  return db.selectFrom('queue_jobs').where(claimableAt(nowIso)).where(fitsIn(free, total));
}

/** Whether the `queue_owners` row aliased `alias` has a job a claim may take now (an index seek). */
function hasOpenJob(db: Db, nowIso: string, free: Capacity, total: Capacity, alias: string) {
  return open(db, nowIso, free, total)
    .select('queue_jobs.id')
    .where('queue_jobs.priority', '=', sql.ref<number>(`${alias}.priority`))
    .where('queue_jobs.course', '=', sql.ref<string>(`${alias}.course`))
    .where('queue_jobs.owner', '=', sql.ref<string>(`${alias}.owner`));
}

/** Jobs running now per course or per owner. */
function runningPer(db: Db, nowIso: string, column: 'course' | 'owner') {
  return db
    .selectFrom('queue_jobs')
    .select((eb) => [column, eb.fn.countAll<number>().as('n')])
    .where(runningAt(nowIso))
    .groupBy(column);
}

/**
 * When the course or owner named by `column` last had a job claimed (a primary-key lookup). A
 * subquery rather than a join: PostgreSQL plans each join order anew on every claim, and two
 * joins more cost it more than the lookups.
 */
function lastServed(db: Db, kind: 'course' | 'owner', column: 'o.course' | 'o.owner') {
  return db
    .selectFrom('queue_service')
    .select('served_at')
    .where('kind', '=', kind)
    .where('name', '=', sql.ref<string>(column));
}

/** `(priority, course, owner)` of the owner to serve next (at most one row). */
function nextOwner(db: Db, nowIso: string, free: Capacity, total: Capacity) {
  // The priority index finds it after the running jobs at the head of the queue, if any.
  const urgent = open(db, nowIso, free, total).select('priority').orderBy('priority').limit(1);
  return db
    .selectFrom('queue_owners as o')
    .leftJoin(runningPer(db, nowIso, 'course').as('course_running'), 'course_running.course', 'o.course')
    .leftJoin(runningPer(db, nowIso, 'owner').as('owner_running'), 'owner_running.owner', 'o.owner')
    .select(['o.priority', 'o.course', 'o.owner'])
    .where('o.priority', '=', urgent)
    .where((eb) => eb.exists(hasOpenJob(db, nowIso, free, total, 'o')))
    .orderBy((eb) => eb.fn.coalesce('course_running.n', eb.lit(0)))
    .orderBy((eb) => eb.fn.coalesce(lastServed(db, 'course', 'o.course'), eb.val('')))
    .orderBy((eb) => eb.fn.coalesce('owner_running.n', eb.lit(0)))
    .orderBy((eb) => eb.fn.coalesce(lastServed(db, 'owner', 'o.owner'), eb.val('')))
    .orderBy('o.since')
    .orderBy('o.course')
    .orderBy('o.owner')
    .limit(1);
}

/** `SELECT id` of the job to claim (at most one row): the oldest that fits of the owner to serve next. */
export function fairCandidate(db: Db, nowIso: string, free: Capacity, total: Capacity) {
  // A join with the one-row ranking (not `IN`): the owner index finds that owner's jobs.
  return open(db, nowIso, free, total)
    .innerJoin(nextOwner(db, nowIso, free, total).as('next'), (join) =>
      join.onRef('next.priority', '=', 'queue_jobs.priority').onRef('next.course', '=', 'queue_jobs.course').onRef('next.owner', '=', 'queue_jobs.owner'),
    )
    .select('queue_jobs.id')
    .orderBy('queue_jobs.enqueued_at')
    .orderBy('queue_jobs.id')
    .limit(1);
}

/** `SELECT id` of the most urgent, oldest job that fits, whoever's it is: the fallback when the fair pick finds none. */
export function fifoCandidate(db: Db, nowIso: string, free: Capacity, total: Capacity) {
  return open(db, nowIso, free, total).select('id').orderBy('priority').orderBy('enqueued_at').orderBy('id').limit(1);
}
