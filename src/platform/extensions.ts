/**
 * Per-student extensions of an assignment's deadline (the cutoff moves with it), granted and
 * revoked by staff (instructors and TAs, with a `manage` token) or set by the course file.
 * Students read only their own.
 */
import type { Selectable } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import type { ExtensionsTable } from '../db/tables.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { Forbidden, InvalidInput, NotFound } from './errors.ts';
import { recordGradeChanges } from './grade-changes.ts';
import type { Actor, Extension } from './model.ts';
import { courseAccess, readableStudent, requireScope } from './permissions.ts';
import { parseZonedTime, zonedTimeProblem } from './zoned-time.ts';

export function extensionFromRow(row: Selectable<ExtensionsTable>): Extension {
  return { courseId: row.course_id, assignmentId: row.assignment_id, login: row.login, until: row.until, grantedBy: row.granted_by, grantedAt: row.granted_at };
}

/** Why `login` cannot have an extension in the course (no such member, or staff); undefined when they can. */
export async function extensionStudentProblem(db: DbExecutor, courseId: string, login: string): Promise<{ unknown: boolean; message: string } | undefined> {
  const member = await db.selectFrom('memberships').select('role').where('course_id', '=', courseId).where('login', '=', login).executeTakeFirst();
  if (!member) return { unknown: true, message: `'${login}' is not a member of ${courseId}: add them as a student first` };
  if (member.role !== 'student') return { unknown: false, message: `'${login}' is a ${member.role} of ${courseId}: extensions are for students (staff are never refused)` };
  return undefined;
}

/** Inserts or moves `login`'s extension; whether it was new, moved or already so. */
export async function upsertExtension(
  db: DbExecutor,
  row: Selectable<ExtensionsTable>,
): Promise<'create' | 'update' | 'unchanged'> {
  const have = await db
    .selectFrom('extensions')
    .select('until')
    .where('course_id', '=', row.course_id)
    .where('assignment_id', '=', row.assignment_id)
    .where('login', '=', row.login)
    .executeTakeFirst();
  if (have?.until === row.until) return 'unchanged';
  await db
    .insertInto('extensions')
    .values(row)
    .onConflict((oc) => oc.columns(['course_id', 'assignment_id', 'login']).doUpdateSet({ until: row.until, granted_by: row.granted_by, granted_at: row.granted_at }))
    .execute();
  return have === undefined ? 'create' : 'update';
}

/** Staff: every extension of the assignment; students: their own (none or one). */
export async function listExtensions(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<Extension[]> {
  const student = await readableStudent(ctx.db, actor, courseId, assignmentId);
  const rows = await ctx.db
    .selectFrom('extensions')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .$if(student !== undefined, (q) => q.where('login', '=', student ?? ''))
    .orderBy('login')
    .execute();
  return rows.map(extensionFromRow);
}

async function requireStaffManager(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, action: string): Promise<void> {
  requireScope(actor, 'manage');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${courseId} may ${action}`);
}

/** Sets `login`'s deadline on the assignment to `until` (a time with a zone, after the deadline). */
export async function grantExtension(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, login: string, until: unknown): Promise<Extension> {
  await requireStaffManager(ctx, actor, courseId, assignmentId, 'grant extensions');
  const time = parseZonedTime(until);
  if (time === undefined) throw new InvalidInput(`until: ${zonedTimeProblem(until)}`, { field: 'until' });
  const assignment = await ctx.db.selectFrom('assignments').select('deadline').where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirstOrThrow();
  if (assignment.deadline === null) {
    throw new InvalidInput(`${assignmentId} has no deadline, so there is nothing to extend: set one in the course file first`, { field: 'until' });
  }
  if (time <= assignment.deadline) {
    throw new InvalidInput(`until: ${time} is not after the deadline of ${assignmentId}, ${assignment.deadline}: an extension moves the deadline later`, {
      field: 'until',
      deadline: assignment.deadline,
    });
  }
  const problem = await extensionStudentProblem(ctx.db, courseId, login);
  if (problem?.unknown === true) throw new NotFound(problem.message);
  if (problem !== undefined) throw new InvalidInput(problem.message, { field: 'login' });
  const row = { course_id: courseId, assignment_id: assignmentId, login, until: time, granted_by: actor.login, granted_at: ctx.now().toISOString() };
  await runInTransaction(ctx.db, async (tx) => {
    await upsertExtension(tx, row);
    await recordGradeChanges(tx, ctx, { courseId, assignmentId, logins: [login] }, 'extension', actor.login, `extended to ${time}`);
  });
  return extensionFromRow(row);
}

/** Takes `login`'s extension away (the assignment's deadline holds again); NotFound when they have none. */
export async function revokeExtension(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, login: string): Promise<Extension> {
  await requireStaffManager(ctx, actor, courseId, assignmentId, 'revoke extensions');
  const row = await runInTransaction(ctx.db, async (tx) => {
    const removed = await tx
      .deleteFrom('extensions')
      .where('course_id', '=', courseId)
      .where('assignment_id', '=', assignmentId)
      .where('login', '=', login)
      .returningAll()
      .executeTakeFirst();
    if (removed) await recordGradeChanges(tx, ctx, { courseId, assignmentId, logins: [login] }, 'extension', actor.login, 'extension revoked');
    return removed;
  });
  if (!row) throw new NotFound(`'${login}' has no extension on ${courseId}/${assignmentId}`);
  return extensionFromRow(row);
}
