/**
 * An assignment's `release_at` as a durable scheduled action, like completion-schedule.ts: the
 * grades become visible at that time by the read-time rule (release-state.ts) whether or not any
 * server is up; this records the release events (one per student) once, by whichever server
 * finds the schedule due first — also one that starts long after the time. A server takes a
 * schedule with a lease (a conditional update); the events are written in the same transaction as
 * the conditional "done" mark, so of two servers racing, or a server that died half-way and the
 * one that took over, exactly one writes them.
 */
import type { Db, DbTransaction } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { appendGradeLog } from './grade-log.ts';
import { GRADEBOX_READER, releaseEvents } from './releases.ts';

/** How long a claim holds a schedule before another server may take it over. */
export const RELEASE_LEASE_MS = 60_000;

/** Keeps the schedule in step with the assignment's `release_at`: a new time is a new action. */
export async function syncReleaseSchedule(tx: DbTransaction, courseId: string, assignmentId: string, releaseAt: string | null): Promise<void> {
  if (releaseAt === null) {
    await tx.deleteFrom('release_schedules').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).execute();
    return;
  }
  const current = await tx.selectFrom('release_schedules').select(['due_at']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).executeTakeFirst();
  if (current?.due_at === releaseAt) return;
  const fresh = { due_at: releaseAt, leased_by: null, lease_until: null, done_at: null, events: 0 };
  await tx
    .insertInto('release_schedules')
    .values({ course_id: courseId, assignment_id: assignmentId, ...fresh })
    .onConflict((oc) => oc.columns(['course_id', 'assignment_id']).doUpdateSet(fresh))
    .execute();
}

interface Claimed {
  courseId: string;
  assignmentId: string;
  dueAt: string;
}

async function claimDue(ctx: PlatformContext, runner: string): Promise<Claimed | undefined> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const due = await ctx.db
    .selectFrom('release_schedules')
    .select(['course_id', 'assignment_id', 'due_at'])
    .where('done_at', 'is', null)
    .where('due_at', '<=', nowIso)
    .where((eb) => eb.or([eb('leased_by', 'is', null), eb('leased_by', '=', runner), eb('lease_until', '<', nowIso)]))
    .orderBy('due_at')
    .limit(10)
    .execute();
  for (const row of due) {
    const taken = await ctx.db
      .updateTable('release_schedules')
      .set({ leased_by: runner, lease_until: new Date(now.getTime() + RELEASE_LEASE_MS).toISOString() })
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

/** Frees every lease (the embedded database's one server: whatever was leased belonged to a dead predecessor). */
export async function releaseReleaseLeases(db: Db): Promise<number> {
  const result = await db.updateTable('release_schedules').set({ leased_by: null, lease_until: null }).where('leased_by', 'is not', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Records the events of every due automatic release; returns how many events this call wrote.
 * A schedule whose assignment staff released before the time (or whose time changed since) is
 * marked done without events: that release wrote its own.
 */
export async function runDueReleases(ctx: PlatformContext, runner: string): Promise<number> {
  let total = 0;
  for (let claimed = await claimDue(ctx, runner); claimed !== undefined; claimed = await claimDue(ctx, runner)) {
    const target = { courseId: claimed.courseId, assignmentId: claimed.assignmentId };
    const assignment = await ctx.db
      .selectFrom('assignments')
      .select(['release_at', 'released_at'])
      .where('course_id', '=', claimed.courseId)
      .where('id', '=', claimed.assignmentId)
      .executeTakeFirst();
    const releasedBefore = assignment?.released_at != null && assignment.released_at <= claimed.dueAt;
    const stillDue = assignment !== undefined && assignment.release_at === claimed.dueAt && !releasedBefore;
    const events = stillDue ? await releaseEvents(ctx, GRADEBOX_READER, target, 'release', null, claimed.dueAt) : [];
    total += await runInTransaction(ctx.db, async (tx) => {
      const done = await tx
        .updateTable('release_schedules')
        .set({ done_at: ctx.now().toISOString(), leased_by: null, lease_until: null, events: events.length })
        .where('course_id', '=', claimed.courseId)
        .where('assignment_id', '=', claimed.assignmentId)
        .where('due_at', '=', claimed.dueAt)
        .where('done_at', 'is', null)
        .where('leased_by', '=', runner)
        .executeTakeFirst();
      // Taken over meanwhile (our lease ran out): the other server writes the events.
      if (done.numUpdatedRows === 0n) return 0;
      await appendGradeLog(tx, events);
      return events.length;
    });
  }
  return total;
}
