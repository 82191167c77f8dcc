/**
 * An assignment's `completeAt` as a durable scheduled action (Codio's "unit duration expiry"):
 * a row of `completion_schedules`, written by `apply`, that any server finds once it is due —
 * also when that server was down at the moment and starts later. One server at a time holds it
 * (a conditional update takes an expired or free lease; the others' updates then match nothing),
 * and each student is completed once whatever happens (the `completions` primary key), so a
 * server that dies half-way leaves the rest to whichever server takes the lease next.
 */
import type { Db, DbTransaction } from '../db/database.ts';
import { completeOne, courseStudents } from './completions.ts';
import type { PlatformContext } from './context.ts';

/** How long a claim holds a schedule before another server may take it over (renewed per student). */
export const SCHEDULE_LEASE_MS = 60_000;

/** Keeps the schedule in step with the course file: a new time is a new action (done again). */
export async function syncCompletionSchedule(tx: DbTransaction, courseId: string, assignmentId: string, completeAt: string | null): Promise<void> {
  if (completeAt === null) {
    await tx.deleteFrom('completion_schedules').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).execute();
    return;
  }
  const current = await tx
    .selectFrom('completion_schedules')
    .select(['due_at'])
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .executeTakeFirst();
  if (current?.due_at === completeAt) return;
  await tx
    .insertInto('completion_schedules')
    .values({ course_id: courseId, assignment_id: assignmentId, due_at: completeAt, leased_by: null, lease_until: null, done_at: null, completed: 0 })
    .onConflict((oc) =>
      oc.columns(['course_id', 'assignment_id']).doUpdateSet({ due_at: completeAt, leased_by: null, lease_until: null, done_at: null, completed: 0 }),
    )
    .execute();
}

interface Claimed {
  courseId: string;
  assignmentId: string;
  dueAt: string;
}

/** Takes one due schedule that nobody holds (or whose holder's lease ran out); undefined when none. */
async function claimDue(ctx: PlatformContext, runner: string): Promise<Claimed | undefined> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const due = await ctx.db
    .selectFrom('completion_schedules')
    .select(['course_id', 'assignment_id', 'due_at'])
    .where('done_at', 'is', null)
    .where('due_at', '<=', nowIso)
    .where((eb) => eb.or([eb('leased_by', 'is', null), eb('leased_by', '=', runner), eb('lease_until', '<', nowIso)]))
    .orderBy('due_at')
    .limit(10)
    .execute();
  for (const row of due) {
    // Conditional: on PostgreSQL a concurrent claimer waits for the row, then finds it taken.
    const taken = await ctx.db
      .updateTable('completion_schedules')
      .set({ leased_by: runner, lease_until: new Date(now.getTime() + SCHEDULE_LEASE_MS).toISOString() })
      .where('course_id', '=', row.course_id)
      .where('assignment_id', '=', row.assignment_id)
      .where('due_at', '=', row.due_at)
      .where('done_at', 'is', null)
      // Its own lease too: a run that failed half-way is taken up again at once by its runner.
      .where((eb) => eb.or([eb('leased_by', 'is', null), eb('leased_by', '=', runner), eb('lease_until', '<', nowIso)]))
      .executeTakeFirst();
    if (taken.numUpdatedRows > 0n) return { courseId: row.course_id, assignmentId: row.assignment_id, dueAt: row.due_at };
  }
  return undefined;
}

/**
 * Frees every schedule's lease: for the embedded database, whose one server owns the data
 * directory, whatever was leased belonged to a dead predecessor (as with the job queue).
 */
export async function releaseScheduleLeases(db: Db): Promise<number> {
  const result = await db.updateTable('completion_schedules').set({ leased_by: null, lease_until: null }).where('leased_by', 'is not', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Renews the lease; false when another runner took the schedule over (or it changed). */
async function renew(ctx: PlatformContext, runner: string, claimed: Claimed): Promise<boolean> {
  const result = await ctx.db
    .updateTable('completion_schedules')
    .set({ lease_until: new Date(ctx.now().getTime() + SCHEDULE_LEASE_MS).toISOString() })
    .where('course_id', '=', claimed.courseId)
    .where('assignment_id', '=', claimed.assignmentId)
    .where('due_at', '=', claimed.dueAt)
    .where('leased_by', '=', runner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Runs every due completion: each student of the course not completed yet is completed as of the
 * completion time (`how: expiry`, by `gradebox`), then the schedule is marked done. Returns how
 * many students this call completed. `runner` names the caller in leases (unique per process).
 */
export async function runDueCompletions(ctx: PlatformContext, runner: string): Promise<number> {
  let total = 0;
  for (let claimed = await claimDue(ctx, runner); claimed !== undefined; claimed = await claimDue(ctx, runner)) {
    let completed = 0;
    let held = true;
    for (const login of await courseStudents(ctx.db, claimed.courseId)) {
      const made = await completeOne(ctx, { courseId: claimed.courseId, assignmentId: claimed.assignmentId, login }, 'expiry', 'gradebox', claimed.dueAt).catch(
        (error: unknown) => {
          // The assignment's trigger was changed since: nothing left to complete.
          if ((error as { code?: string }).code === 'not-completion-trigger') return undefined;
          throw error;
        },
      );
      if (made) completed++;
      held = await renew(ctx, runner, claimed);
      if (!held) break;
    }
    total += completed;
    if (!held) continue;
    await ctx.db
      .updateTable('completion_schedules')
      .set((eb) => ({ done_at: ctx.now().toISOString(), leased_by: null, lease_until: null, completed: eb('completed', '+', completed) }))
      .where('course_id', '=', claimed.courseId)
      .where('assignment_id', '=', claimed.assignmentId)
      .where('due_at', '=', claimed.dueAt)
      .where('leased_by', '=', runner)
      .execute();
  }
  return total;
}
