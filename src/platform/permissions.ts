/**
 * The permission rules of src/platform/platform.ts, in one place. Every operation first checks
 * the token's scope (a fact about the token, so it leaks nothing), then the caller's role in the
 * course: not a member → 404 (the course's existence is not the caller's business), a role that
 * may not → 403.
 */
import type { DbExecutor } from '../db/database.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from './errors.ts';
import type { Actor, Role, Scope, SubmissionLimits } from './model.ts';

/**
 * Throws Forbidden unless the token carries `scope`. An admin's `manage` token also stands for
 * `submit` and `author` (admins may do everything with a `manage` scope for writes).
 */
export function requireScope(actor: Actor, scope: Scope): void {
  if (hasScope(actor, scope)) return;
  throw new Forbidden(`this token lacks the '${scope}' scope; ask for a token that has it (gradebox tokens issue LOGIN --scopes read,${scope})`);
}

/** Whether the token allows `scope` (see requireScope for the admin rule). */
export function hasScope(actor: Actor, scope: Scope): boolean {
  return actor.scopes.includes(scope) || (actor.isAdmin && scope !== 'read' && actor.scopes.includes('manage'));
}

/** Throws Forbidden unless the caller is an admin. */
export function requireAdmin(actor: Actor, action: string): void {
  if (!actor.isAdmin) throw new Forbidden(`only admins may ${action}`);
}

export interface CourseAccess {
  courseId: string;
  /** The caller's membership; null for an admin who is no member. */
  role: Role | null;
  /** Instructor, TA or admin: sees everything in the course. */
  staff: boolean;
  /** Instructor or admin: may change set-up and publish. */
  instructor: boolean;
}

/** With the assignment asked about: its submission limits too (read in the same query). */
export interface AssignmentAccess extends CourseAccess {
  limits: SubmissionLimits;
}

/**
 * The caller's access to a course; NotFound when it does not exist or the caller is not in it.
 * With `assignmentId`, also NotFound when the course has no such assignment (same query).
 */
export async function courseAccess(db: DbExecutor, actor: Actor, courseId: string): Promise<CourseAccess>;
export async function courseAccess(db: DbExecutor, actor: Actor, courseId: string, assignmentId: string): Promise<AssignmentAccess>;
export async function courseAccess(db: DbExecutor, actor: Actor, courseId: string, assignmentId?: string): Promise<CourseAccess | AssignmentAccess> {
  const row = await db
    .selectFrom('courses')
    .leftJoin('memberships', (join) => join.onRef('memberships.course_id', '=', 'courses.id').on('memberships.login', '=', actor.login))
    .leftJoin('assignments', (join) => join.onRef('assignments.course_id', '=', 'courses.id').on('assignments.id', '=', assignmentId ?? null))
    .select(['courses.id', 'memberships.role', 'assignments.id as assignmentId', 'assignments.max_submissions', 'assignments.min_interval_seconds'])
    .where('courses.id', '=', courseId)
    .executeTakeFirst();
  const role = (row?.role ?? null) as Role | null;
  if (!row || (role === null && !actor.isAdmin)) throw new NotFound(`no course '${courseId}' (or you are not a member of it)`);
  if (assignmentId !== undefined && row.assignmentId === null) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  const access: CourseAccess = {
    courseId,
    role,
    staff: actor.isAdmin || role === 'instructor' || role === 'ta',
    instructor: actor.isAdmin || role === 'instructor',
  };
  if (assignmentId === undefined) return access;
  return { ...access, limits: { maxSubmissions: row.max_submissions, minIntervalSeconds: row.min_interval_seconds } };
}

/**
 * Whose records of an assignment kept per student (completions, extensions) the caller may read:
 * staff every student's (undefined), a student only their own (their login).
 */
export async function readableStudent(db: DbExecutor, actor: Actor, courseId: string, assignmentId: string): Promise<string | undefined> {
  requireScope(actor, 'read');
  const access = await courseAccess(db, actor, courseId, assignmentId);
  return access.staff ? undefined : actor.login;
}

export type Need = 'member' | 'staff' | 'instructor';

/**
 * The caller's access to a course, after checking it is enough for `action` (words that finish
 * "only … may": e.g. "publish graders").
 */
export async function requireCourseRole(db: DbExecutor, actor: Actor, courseId: string, need: Need, action: string): Promise<CourseAccess> {
  const access = await courseAccess(db, actor, courseId);
  if (need === 'staff' && !access.staff) throw new Forbidden(`only instructors and TAs of ${courseId} may ${action}`);
  if (need === 'instructor' && !access.instructor) throw new Forbidden(`only instructors of ${courseId} may ${action}`);
  return access;
}

/** Whose work a completion request names: the caller's own, one student's, or every student's. */
export type CompletionTarget = { kind: 'own' } | { kind: 'student'; login: string } | { kind: 'all' };

/**
 * Who may complete what (docs/course-workflow.md "Who may complete"): a student only their own
 * work, and not once the assignment's completion time has passed (the expiry locked it; staff may
 * still complete or un-complete them); staff any student, one or all. Staff have no own work to
 * complete: they name the student.
 */
export function checkCompletionRights(access: CourseAccess, actor: Actor, target: CompletionTarget, completeAt: string | null, now: Date): void {
  requireScope(actor, 'submit');
  if (target.kind === 'own') {
    if (access.staff) throw new InvalidInput(`you are staff of ${access.courseId}: name the student (--student LOGIN, or login in the body) or complete everyone (--all)`, { field: 'login' });
    if (completeAt !== null && Date.parse(completeAt) <= now.getTime()) {
      throw new Conflict('locked', `this assignment was completed for every student at ${completeAt}; only the staff may complete or un-complete it now`, { completeAt });
    }
    return;
  }
  if (!access.staff) throw new Forbidden(`students may only complete their own work; only instructors and TAs of ${access.courseId} may complete others'`);
}

/** Un-completing (so that completing again grades again) is for staff only. */
export function checkUncompleteRights(access: CourseAccess, actor: Actor): void {
  requireScope(actor, 'submit');
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${access.courseId} may un-complete a student's work`);
}
