/**
 * Reading the grade log (grade-log.ts), per assignment or for the whole course, per student:
 * staff read every entry; a student only their own entries that were released when written
 * (an unreleased change would give the score away).
 */
import type { PlatformContext } from './context.ts';
import { Forbidden } from './errors.ts';
import type { GradeCause, LoggedGradeChange } from './grade-log.ts';
import type { Actor } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';

export interface GradeLogFilter {
  /** Omitted: every assignment of the course. */
  assignmentId?: string;
  /** Staff: only this student; students: only their own (another login is 403). */
  login?: string;
}

/** In log order (`seq`). */
export async function listGradeLog(ctx: PlatformContext, actor: Actor, courseId: string, filter: GradeLogFilter = {}): Promise<LoggedGradeChange[]> {
  requireScope(actor, 'read');
  const access = filter.assignmentId === undefined ? await courseAccess(ctx.db, actor, courseId) : await courseAccess(ctx.db, actor, courseId, filter.assignmentId);
  if (!access.staff && filter.login !== undefined && filter.login !== actor.login) throw new Forbidden('students may only read their own grade log');
  const login = access.staff ? filter.login : actor.login;
  const rows = await ctx.db
    .selectFrom('grade_log')
    .selectAll()
    .where('course_id', '=', courseId)
    .$if(filter.assignmentId !== undefined, (q) => q.where('assignment_id', '=', filter.assignmentId ?? ''))
    .$if(login !== undefined, (q) => q.where('login', '=', login ?? ''))
    .$if(!access.staff, (q) => q.where('released', '=', 1))
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    courseId: r.course_id,
    assignmentId: r.assignment_id,
    login: r.login,
    partId: r.part_id === '' ? null : r.part_id,
    cause: r.cause as GradeCause,
    oldValue: r.old_value,
    newValue: r.new_value,
    actor: r.actor,
    reason: r.reason,
    released: r.released === 1,
    at: r.at,
  }));
}
