/**
 * An assignment's `release_at` as a durable scheduled action (durable-schedules.ts): the grades
 * become visible at that time by the read-time rule (release-state.ts) whether or not any server
 * is up; this records the release events (one per student) once, by whichever server finds the
 * schedule due first — also one that starts long after the time. The events are written in the
 * same transaction as the conditional "done" mark, so of two servers racing, or a server that died
 * half-way and the one that took over, exactly one writes them.
 */
import type { DbTransaction } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { claimDueSchedule, markScheduleDone, syncSchedule } from './durable-schedules.ts';
import { appendGradeLog } from './grade-log.ts';
import { GRADEBOX_READER, releaseEvents } from './releases.ts';

/** Keeps the schedule in step with the assignment's `release_at`: a new time is a new action. */
export async function syncReleaseSchedule(tx: DbTransaction, courseId: string, assignmentId: string, releaseAt: string | null): Promise<void> {
  await syncSchedule(tx, 'release_schedules', { courseId, assignmentId }, releaseAt, { events: 0 });
}

/**
 * Records the events of every due automatic release; returns how many events this call wrote.
 * A schedule whose assignment staff released before the time (or whose time changed since) is
 * marked done without events: that release wrote its own.
 */
export async function runDueReleases(ctx: PlatformContext, runner: string): Promise<number> {
  let total = 0;
  for (let claimed = await claimDueSchedule(ctx, 'release_schedules', runner); claimed !== undefined; claimed = await claimDueSchedule(ctx, 'release_schedules', runner)) {
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
      const done = await markScheduleDone(tx, 'release_schedules', runner, claimed, ctx.now().toISOString(), { events: events.length });
      // Taken over meanwhile (our lease ran out): the other server writes the events.
      if (!done) return 0;
      await appendGradeLog(tx, events);
      return events.length;
    });
  }
  return total;
}
