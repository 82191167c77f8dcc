/**
 * An assignment's time-triggered action as a durable row (`completion_schedules` for
 * `completeAt`, `release_schedules` for `releaseAt`): written in step with the course file, found
 * by any server once due — also by one that starts long after the time —, held by one server at a
 * time with a lease (a conditional update takes a free or expired lease; the others' updates then
 * match nothing), and marked done by its holder. What the action does, and how it stays
 * exactly-once when a holder dies half-way, is the caller's (completion-schedule.ts,
 * release-schedule.ts).
 */
import { sql } from 'kysely';
import type { Db, DbExecutor, DbTransaction } from '../db/database.ts';
import type { PlatformContext } from './context.ts';

export type ScheduleTable = 'completion_schedules' | 'release_schedules';

/** How long a claim holds a schedule before another server may take it over (holders renew it). */
export const SCHEDULE_LEASE_MS = 60_000;

export interface ClaimedSchedule {
  courseId: string;
  assignmentId: string;
  dueAt: string;
}

/**
 * Keeps the schedule in step with the assignment's time: none when null, and a new time is a new
 * action (done again); `counters` are the table's own columns reset with it.
 */
export async function syncSchedule(
  tx: DbTransaction,
  table: ScheduleTable,
  key: { courseId: string; assignmentId: string },
  dueAt: string | null,
  counters: Record<string, number>,
): Promise<void> {
  if (dueAt === null) {
    await tx.deleteFrom(table).where('course_id', '=', key.courseId).where('assignment_id', '=', key.assignmentId).execute();
    return;
  }
  const current = await tx.selectFrom(table).select('due_at').where('course_id', '=', key.courseId).where('assignment_id', '=', key.assignmentId).executeTakeFirst();
  if (current?.due_at === dueAt) return;
  const fresh = { due_at: dueAt, leased_by: null, lease_until: null, done_at: null, ...counters };
  await tx
    .insertInto(table)
    .values({ course_id: key.courseId, assignment_id: key.assignmentId, ...fresh })
    .onConflict((oc) => oc.columns(['course_id', 'assignment_id']).doUpdateSet(fresh))
    .execute();
}

/** Takes one due schedule that nobody holds (or whose holder's lease ran out, or its own); undefined when none. */
export async function claimDueSchedule(ctx: PlatformContext, table: ScheduleTable, runner: string): Promise<ClaimedSchedule | undefined> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const due = await ctx.db
    .selectFrom(table)
    .select(['course_id', 'assignment_id', 'due_at'])
    .where('done_at', 'is', null)
    .where('due_at', '<=', nowIso)
    .where((eb) => eb.or([eb('leased_by', 'is', null), eb('leased_by', '=', runner), eb('lease_until', '<', nowIso)]))
    .orderBy('due_at')
    .limit(10)
    .execute();
  for (const row of due) {
    // Conditional: on PostgreSQL a concurrent claimer waits for the row, then finds it taken. Its
    // own lease too: a run that failed half-way is taken up again at once by its runner.
    const taken = await ctx.db
      .updateTable(table)
      .set({ leased_by: runner, lease_until: new Date(now.getTime() + SCHEDULE_LEASE_MS).toISOString() })
      .where('course_id', '=', row.course_id)
      .where('assignment_id', '=', row.assignment_id)
      .where('due_at', '=', row.due_at)
      .where('done_at', 'is', null)
      .where((eb) => eb.or([eb('leased_by', 'is', null), eb('leased_by', '=', runner), eb('lease_until', '<', nowIso)]))
      .executeTakeFirst();
    if (taken.numUpdatedRows > 0n) return { courseId: row.course_id, assignmentId: row.assignment_id, dueAt: row.due_at };
  }
  return undefined;
}

/** Renews the lease; false when another runner took the schedule over (or it changed). */
export async function renewSchedule(ctx: PlatformContext, table: ScheduleTable, runner: string, claimed: ClaimedSchedule): Promise<boolean> {
  const result = await ctx.db
    .updateTable(table)
    .set({ lease_until: new Date(ctx.now().getTime() + SCHEDULE_LEASE_MS).toISOString() })
    .where('course_id', '=', claimed.courseId)
    .where('assignment_id', '=', claimed.assignmentId)
    .where('due_at', '=', claimed.dueAt)
    .where('leased_by', '=', runner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Marks the claimed schedule done, adding `added` to its counters (a run taken over half-way adds
 * to what its predecessor counted), if `runner` still holds it; false when it was taken over
 * meanwhile. Run it in the transaction that makes the action's effect durable.
 */
export async function markScheduleDone(db: DbExecutor, table: ScheduleTable, runner: string, claimed: ClaimedSchedule, at: string, added: Record<string, number>): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set(() => ({ done_at: at, leased_by: null, lease_until: null, ...Object.fromEntries(Object.entries(added).map(([column, n]) => [column, sql`${sql.ref(column)} + ${n}`])) }))
    .where('course_id', '=', claimed.courseId)
    .where('assignment_id', '=', claimed.assignmentId)
    .where('due_at', '=', claimed.dueAt)
    .where('done_at', 'is', null)
    .where('leased_by', '=', runner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Frees every schedule's lease: for the embedded database, whose one server owns the data
 * directory, whatever was leased belonged to a dead predecessor (as with the job queue).
 */
export async function freeScheduleLeases(db: Db): Promise<number> {
  let freed = 0;
  for (const table of ['completion_schedules', 'release_schedules'] as const) {
    const result = await db.updateTable(table).set({ leased_by: null, lease_until: null }).where('leased_by', 'is not', null).executeTakeFirst();
    freed += Number(result.numUpdatedRows);
  }
  return freed;
}
