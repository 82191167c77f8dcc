/**
 * Release events for what `apply` changes: a course file that switches an assignment from
 * `manual` to `immediate` shows students their scores (a release), one that hides scores students
 * could see (`immediate` → `manual`, or a passed `releaseAt` moved or removed) withdraws them. Both
 * are recorded like `gradebox release`/`withdraw`, with the applier as actor, so the LMS hears of
 * them. Scores shown because a new `releaseAt` has already passed are left to the release
 * schedule (release-schedule.ts), which records them once.
 */
import type { DbExecutor } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { appendGradeLog } from './grade-log.ts';
import type { Actor } from './model.ts';
import { scoresVisible, type ReleaseColumns } from './release-state.ts';
import { releaseEvents } from './releases.ts';

export type ReleaseSnapshot = Map<string, ReleaseColumns>;

/** The course's assignments' release columns (read in apply's transaction, before and after). */
export async function releaseSnapshot(db: DbExecutor, courseId: string): Promise<ReleaseSnapshot> {
  const rows = await db.selectFrom('assignments').select(['id', 'release_mode', 'release_at', 'released_at']).where('course_id', '=', courseId).execute();
  return new Map(rows.map(({ id, ...columns }) => [id, columns]));
}

export interface VisibilityChange {
  assignmentId: string;
  cause: 'release' | 'withdraw';
}

/** What apply changed for students, from the snapshots before and after it. */
export function visibilityChanges(before: ReleaseSnapshot, after: ReleaseSnapshot, now: Date): VisibilityChange[] {
  const changes: VisibilityChange[] = [];
  for (const [assignmentId, was] of before) {
    const is = after.get(assignmentId);
    if (is === undefined) continue;
    const visibleBefore = scoresVisible(was, now);
    const visibleAfter = scoresVisible(is, now);
    if (visibleBefore && !visibleAfter) changes.push({ assignmentId, cause: 'withdraw' });
    else if (!visibleBefore && visibleAfter && is.release_mode === 'immediate') changes.push({ assignmentId, cause: 'release' });
  }
  return changes;
}

/** Records the events of `changes` (after apply committed: grades are read outside its transaction); returns how many. */
export async function recordVisibilityChanges(ctx: PlatformContext, actor: Actor, courseId: string, changes: readonly VisibilityChange[], at: string): Promise<number> {
  let total = 0;
  for (const change of changes) {
    const events = await releaseEvents(ctx, actor, { courseId, assignmentId: change.assignmentId }, change.cause, actor.login, at);
    await runInTransaction(ctx.db, (tx) => appendGradeLog(tx, events));
    total += events.length;
  }
  return total;
}
