/**
 * An assignment's `completeAt` as a durable scheduled action (Codio's "unit duration expiry"),
 * a row of `completion_schedules` (durable-schedules.ts). Each student is completed once whatever
 * happens (the `completions` primary key), so a server that dies half-way leaves the rest to
 * whichever server takes the lease next.
 */
import type { DbTransaction } from '../db/database.ts';
import { completeOne, courseStudents } from './completions.ts';
import type { PlatformContext } from './context.ts';
import { claimDueSchedule, markScheduleDone, renewSchedule, syncSchedule } from './durable-schedules.ts';

/** Keeps the schedule in step with the course file: a new time is a new action (done again). */
export async function syncCompletionSchedule(tx: DbTransaction, courseId: string, assignmentId: string, completeAt: string | null): Promise<void> {
  await syncSchedule(tx, 'completion_schedules', { courseId, assignmentId }, completeAt, { completed: 0 });
}

/**
 * Runs every due completion: each student of the course not completed yet is completed as of the
 * completion time (`how: expiry`, by `gradebox`), then the schedule is marked done. Returns how
 * many students this call completed. `runner` names the caller in leases (unique per process).
 */
export async function runDueCompletions(ctx: PlatformContext, runner: string): Promise<number> {
  let total = 0;
  for (let claimed = await claimDueSchedule(ctx, 'completion_schedules', runner); claimed !== undefined; claimed = await claimDueSchedule(ctx, 'completion_schedules', runner)) {
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
      held = await renewSchedule(ctx, 'completion_schedules', runner, claimed);
      if (!held) break;
    }
    total += completed;
    if (!held) continue;
    await markScheduleDone(ctx.db, 'completion_schedules', runner, claimed, ctx.now().toISOString(), { completed });
  }
  return total;
}
