/**
 * Grades set by hand (docs/course-workflow.md "Overrides"): staff — instructors and TAs, with a
 * `manage` token as for extensions — set a part's points or the assignment grade, with a reason.
 * A part override replaces that part's points in the derivation (which still shows what the
 * grader gave); an assignment override replaces the final grade. Regrades never touch them; each
 * change is logged (grade-changes.ts).
 */
import type { DbExecutor } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import { courseStudents } from './completions.ts';
import type { PlatformContext } from './context.ts';
import { Forbidden, InvalidInput, NotFound } from './errors.ts';
import { recordGradeChanges } from './grade-changes.ts';
import type { Actor, GradeOverride } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';

/** Long enough for a sentence or two; a reason is a note, not a document. */
export const MAX_OVERRIDE_REASON = 1000;

export interface OverrideRequest {
  /** The part whose points are set; absent, null or '': the assignment grade (0–100). */
  partId?: string | null;
  value: unknown;
  reason: unknown;
}

export interface OverrideOutcome {
  courseId: string;
  assignmentId: string;
  login: string;
  /** Null: the assignment grade. */
  partId: string | null;
  override: GradeOverride;
  /** Accepted, but worth a second look (extra credit above the maximum). */
  warnings: string[];
}

async function requireStaff(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, action: string): Promise<void> {
  requireScope(actor, 'manage');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${courseId} may ${action}`);
}

async function requireStudent(db: DbExecutor, courseId: string, login: string): Promise<void> {
  if (!(await courseStudents(db, courseId)).includes(login)) throw new NotFound(`no student '${login}' in ${courseId}; \`gradebox grades ${courseId} ASSIGNMENT\` lists the students`);
}

/** The part's points possible; NotFound for a part the assignment does not have. */
async function partPoints(db: DbExecutor, courseId: string, assignmentId: string, partId: string): Promise<number> {
  const part = await db.selectFrom('parts').select('points').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).where('id', '=', partId).executeTakeFirst();
  if (!part) throw new NotFound(`no part '${partId}' in ${courseId}/${assignmentId}`);
  return part.points;
}

export function checkedReason(reason: unknown, required: boolean): string | null {
  if (reason === undefined || reason === null) {
    if (required) throw new InvalidInput('reason: say why the grade is set by hand (it is logged and shown with the grade)', { field: 'reason' });
    return null;
  }
  if (typeof reason !== 'string') throw new InvalidInput('reason: must be text', { field: 'reason' });
  const trimmed = reason.trim();
  if (trimmed === '') {
    if (required) throw new InvalidInput('reason: must not be empty: say why the grade is set by hand', { field: 'reason' });
    return null;
  }
  if (trimmed.length > MAX_OVERRIDE_REASON) throw new InvalidInput(`reason: at most ${MAX_OVERRIDE_REASON} characters (got ${trimmed.length})`, { field: 'reason', max: MAX_OVERRIDE_REASON });
  return trimmed;
}

function checkedValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidInput('value: must be a finite number of points (or 0–100 for the assignment grade)', { field: 'value' });
  if (value < 0) throw new InvalidInput(`value: must not be negative (got ${value})`, { field: 'value', min: 0 });
  return value;
}

const partKey = (partId: string | null | undefined): string => partId ?? '';

/** Staff with `manage`: sets a student's part points or assignment grade by hand (replacing an earlier override). */
export async function setGradeOverride(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, login: string, request: OverrideRequest): Promise<OverrideOutcome> {
  await requireStaff(ctx, actor, courseId, assignmentId, 'override grades');
  const value = checkedValue(request.value);
  const reason = checkedReason(request.reason, true) ?? '';
  await requireStudent(ctx.db, courseId, login);
  const partId = partKey(request.partId);
  const warnings: string[] = [];
  if (partId !== '') {
    const points = await partPoints(ctx.db, courseId, assignmentId, partId);
    if (value > points) warnings.push(`${value} is above the ${points} points of part ${partId}: extra credit`);
  } else if (value > 100) {
    warnings.push(`${value} is above 100: extra credit`);
  }
  const setAt = ctx.now().toISOString();
  const row = { course_id: courseId, assignment_id: assignmentId, login, part_id: partId, value, reason, set_by: actor.login, set_at: setAt };
  await runInTransaction(ctx.db, async (tx) => {
    await tx
      .insertInto('grade_overrides')
      .values(row)
      .onConflict((oc) => oc.columns(['course_id', 'assignment_id', 'login', 'part_id']).doUpdateSet({ value, reason, set_by: actor.login, set_at: setAt }))
      .execute();
    await recordGradeChanges(tx, ctx, { courseId, assignmentId, logins: [login] }, 'override', actor.login, reason);
  });
  return { courseId, assignmentId, login, partId: partId === '' ? null : partId, override: { value, reason, setBy: actor.login, setAt }, warnings };
}

/** Staff with `manage`: removes an override (the derived value holds again); NotFound when there is none. */
export async function removeGradeOverride(
  ctx: PlatformContext,
  actor: Actor,
  courseId: string,
  assignmentId: string,
  login: string,
  request: { partId?: string | null; reason?: unknown } = {},
): Promise<OverrideOutcome> {
  await requireStaff(ctx, actor, courseId, assignmentId, 'remove grade overrides');
  const reason = checkedReason(request.reason, false);
  const partId = partKey(request.partId);
  const removed = await runInTransaction(ctx.db, async (tx) => {
    const row = await tx
      .deleteFrom('grade_overrides')
      .where('course_id', '=', courseId)
      .where('assignment_id', '=', assignmentId)
      .where('login', '=', login)
      .where('part_id', '=', partId)
      .returningAll()
      .executeTakeFirst();
    if (row) await recordGradeChanges(tx, ctx, { courseId, assignmentId, logins: [login] }, 'override-removed', actor.login, reason);
    return row;
  });
  const what = partId === '' ? 'assignment grade' : `points of part ${partId}`;
  if (!removed) throw new NotFound(`'${login}' has no override of the ${what} on ${courseId}/${assignmentId}`);
  return {
    courseId,
    assignmentId,
    login,
    partId: partId === '' ? null : partId,
    override: { value: removed.value, reason: removed.reason, setBy: removed.set_by, setAt: removed.set_at },
    warnings: [],
  };
}
