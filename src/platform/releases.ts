/**
 * Releasing and withdrawing an assignment's grades (docs/course-workflow.md "Release and
 * visibility"), and the feed of released grade events a later LMS integration reads.
 *
 * - release: sets `released_at`/`released_by`; students then see scores and `after_published`
 *   tests. 409 `already-released` when the grades are published already (by staff or by the
 *   release time): nothing changes and no second set of events is written.
 * - withdraw: mode `manual`, release and release time cleared, so scores are hidden again.
 *   409 `not-released` when students see no scores and nothing is published.
 * Each writes one grade-log event per student (`release`/`withdraw`, the student's current final
 * grade, `released` = 1: the LMS learns of both). The change of the assignment is conditional on
 * what was read, so of two racing releases exactly one writes events.
 */
import type { Selectable } from 'kysely';
import type { DbTransaction } from '../db/database.ts';
import type { AssignmentsTable } from '../db/tables.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, Forbidden, InvalidInput } from './errors.ts';
import { appendGradeLog, type GradeCause, type GradeLogEntry, type LoggedGradeChange } from './grade-log.ts';
import { listGrades } from './grade-reads.ts';
import type { Actor } from './model.ts';
import { courseAccess, requireCourseRole, requireScope } from './permissions.ts';
import { isPublished, releaseFromRow, scoresVisible, type AssignmentRelease } from './release-state.ts';

export interface ReleaseOutcome {
  courseId: string;
  assignmentId: string;
  release: AssignmentRelease;
  /** Grade-log events written: one per student of the course. */
  events: number;
}

type ReleaseRow = Pick<Selectable<AssignmentsTable>, 'release_mode' | 'release_at' | 'released_at' | 'released_by'>;

/**
 * Who the events name as actor when gradebox releases by itself (an automatic release): an admin
 * with read only, to read every student's grade through `listGrades`.
 */
export const GRADEBOX_READER: Actor = Object.freeze({ login: 'gradebox', isAdmin: true, scopes: ['read' as const], tokenId: '' });

/** Instructors and admins with `manage` (TAs and students: 403). */
async function requireReleaseRights(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, verb: string): Promise<void> {
  requireScope(actor, 'manage');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.instructor) throw new Forbidden(`only instructors of ${courseId} may ${verb} grades`);
}

async function releaseRow(ctx: PlatformContext, courseId: string, assignmentId: string): Promise<ReleaseRow> {
  return ctx.db
    .selectFrom('assignments')
    .select(['release_mode', 'release_at', 'released_at', 'released_by'])
    .where('course_id', '=', courseId)
    .where('id', '=', assignmentId)
    .executeTakeFirstOrThrow();
}

/** One event per student of the assignment, with their current final grade (read as staff see it). */
export async function releaseEvents(
  ctx: PlatformContext,
  reader: Actor,
  target: { courseId: string; assignmentId: string },
  cause: Extract<GradeCause, 'release' | 'withdraw'>,
  actor: string | null,
  at: string,
): Promise<GradeLogEntry[]> {
  const grades = await listGrades(ctx, reader, target.courseId, target.assignmentId);
  return grades.map((grade) => ({
    courseId: target.courseId,
    assignmentId: target.assignmentId,
    login: grade.login,
    partId: null,
    cause,
    oldValue: null,
    newValue: grade.finalGrade,
    actor,
    reason: null,
    released: true,
    at,
  }));
}

/** Updates the assignment only if its release columns are still `seen`; true when it did. */
async function changeIfUnchanged(tx: DbTransaction, target: { courseId: string; assignmentId: string }, seen: ReleaseRow, values: Partial<ReleaseRow>): Promise<boolean> {
  const result = await tx
    .updateTable('assignments')
    .set(values)
    .where('course_id', '=', target.courseId)
    .where('id', '=', target.assignmentId)
    .where('release_mode', '=', seen.release_mode)
    .where((eb) => (seen.release_at === null ? eb('release_at', 'is', null) : eb('release_at', '=', seen.release_at)))
    .where((eb) => (seen.released_at === null ? eb('released_at', 'is', null) : eb('released_at', '=', seen.released_at)))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function releaseGrades(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<ReleaseOutcome> {
  await requireReleaseRights(ctx, actor, courseId, assignmentId, 'release');
  const target = { courseId, assignmentId };
  const now = ctx.now();
  const at = now.toISOString();
  const seen = await releaseRow(ctx, courseId, assignmentId);
  if (isPublished(seen, now)) throw alreadyReleased(courseId, assignmentId, seen);
  const events = await releaseEvents(ctx, actor, target, 'release', actor.login, at);
  const changed = await runInTransaction(ctx.db, async (tx) => {
    if (!(await changeIfUnchanged(tx, target, seen, { released_at: at, released_by: actor.login }))) return false;
    // A release time still to come has nothing left to record.
    await tx.updateTable('release_schedules').set({ done_at: at, leased_by: null, lease_until: null }).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).where('done_at', 'is', null).execute();
    await appendGradeLog(tx, events);
    return true;
  });
  const after = await releaseRow(ctx, courseId, assignmentId);
  if (!changed) throw alreadyReleased(courseId, assignmentId, after);
  return { courseId, assignmentId, release: releaseFromRow(after, ctx.now()), events: events.length };
}

export async function withdrawGrades(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<ReleaseOutcome> {
  await requireReleaseRights(ctx, actor, courseId, assignmentId, 'withdraw');
  const target = { courseId, assignmentId };
  const now = ctx.now();
  const at = now.toISOString();
  const seen = await releaseRow(ctx, courseId, assignmentId);
  if (!scoresVisible(seen, now) && !isPublished(seen, now)) {
    throw new Conflict('not-released', `the grades of ${courseId}/${assignmentId} are not released: students see no scores; nothing to withdraw`, {
      release: releaseFromRow(seen, now),
    });
  }
  const events = await releaseEvents(ctx, actor, target, 'withdraw', actor.login, at);
  const changed = await runInTransaction(ctx.db, async (tx) => {
    const cleared = { release_mode: 'manual', release_at: null, released_at: null, released_by: null };
    if (!(await changeIfUnchanged(tx, target, seen, cleared))) return false;
    // The release time is cleared with it: nothing left to run.
    await tx.deleteFrom('release_schedules').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).execute();
    await appendGradeLog(tx, events);
    return true;
  });
  if (!changed) throw new Conflict('changed', `the release of ${courseId}/${assignmentId} changed meanwhile; look again (gradebox assignments ${courseId}) and retry`);
  return { courseId, assignmentId, release: releaseFromRow(await releaseRow(ctx, courseId, assignmentId), ctx.now()), events: events.length };
}

function alreadyReleased(courseId: string, assignmentId: string, row: ReleaseRow): Conflict {
  const how = row.released_at !== null ? `by ${row.released_by ?? 'gradebox'} at ${row.released_at}` : `automatically at ${row.release_at ?? '?'}`;
  return new Conflict('already-released', `the grades of ${courseId}/${assignmentId} are already released (${how}); nothing changed`, {
    releasedAt: row.released_at,
    releasedBy: row.released_by,
    releaseAt: row.release_at,
  });
}

/** The largest page of the feed. */
export const MAX_GRADE_EVENTS = 1000;
export const DEFAULT_GRADE_EVENTS = 100;

/**
 * Staff (instructors, TAs) and admins: the course's released grade-log rows after `after` (a
 * `seq`), in `seq` order, at most `limit`; the last row's `seq` is where to resume.
 */
export async function listGradeEvents(ctx: PlatformContext, actor: Actor, courseId: string, page: { after?: number; limit?: number } = {}): Promise<LoggedGradeChange[]> {
  requireScope(actor, 'read');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'read grade events');
  const after = page.after ?? 0;
  const limit = page.limit ?? DEFAULT_GRADE_EVENTS;
  if (!Number.isSafeInteger(after) || after < 0) throw new InvalidInput(`after must be a whole number ≥ 0 (a seq from an earlier page), got ${after}`, { field: 'after' });
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_GRADE_EVENTS) throw new InvalidInput(`limit must be a whole number from 1 to ${MAX_GRADE_EVENTS}, got ${limit}`, { field: 'limit' });
  const rows = await ctx.db
    .selectFrom('grade_log')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('released', '=', 1)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    courseId: row.course_id,
    assignmentId: row.assignment_id,
    login: row.login,
    partId: row.part_id === '' ? null : row.part_id,
    cause: row.cause as GradeCause,
    oldValue: row.old_value,
    newValue: row.new_value,
    actor: row.actor,
    reason: row.reason,
    released: true,
    at: row.at,
  }));
}
