/**
 * Completion, Codio's "this is final" mark (docs/course-workflow.md): the student, staff for one
 * student or for all, or the assignment's completion time. Completing freezes the student's
 * newest submission as the one graded (queuing its parts when part feedback waits for completion)
 * and stores the assignment grade; each student is completed once, whoever gets there first: the
 * `completions` primary key decides, on both dialects and across servers.
 */
import type { DbExecutor } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import { newestSubmission, refreshAssignmentGrade, type GradeKey } from './assignment-grades.ts';
import { recordGradeChanges } from './grade-changes.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, InvalidInput, NotFound } from './errors.ts';
import { publishedGraders, queueGrading } from './grading-jobs.ts';
import type { Actor, Completion, CompletionHow, CompletionOutcome } from './model.ts';
import { checkCompletionRights, checkUncompleteRights, courseAccess, readableStudent, requireScope, type CompletionTarget } from './permissions.ts';
import { completionFromRow } from './rows.ts';

/** The request body: nothing (own work), `login` (one student) or `all`. */
export interface CompletionRequest {
  login?: string;
  all?: boolean;
}

interface CompletionAssignment {
  trigger: string;
  part_feedback: string;
  complete_at: string | null;
}

async function completionAssignment(db: DbExecutor, courseId: string, assignmentId: string): Promise<CompletionAssignment> {
  const row = await db.selectFrom('assignments').select(['trigger', 'part_feedback', 'complete_at']).where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirst();
  if (!row) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  if (row.trigger !== 'completion') {
    throw new Conflict('not-completion-trigger', `${courseId}/${assignmentId} is graded on every submission (trigger submit): there is nothing to complete; set trigger: completion in its course file to grade it on completion`);
  }
  return row;
}

/** The course's students, by login. */
export async function courseStudents(db: DbExecutor, courseId: string): Promise<string[]> {
  const rows = await db.selectFrom('memberships').select('login').where('course_id', '=', courseId).where('role', '=', 'student').orderBy('login').execute();
  return rows.map((r) => r.login);
}

/** The course's students with their display names, in login order (the gradebook's and the export's rows). */
export async function courseStudentNames(db: DbExecutor, courseId: string): Promise<Array<{ login: string; displayName: string }>> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.login', 'm.login')
    .select(['m.login', 'u.display_name'])
    .where('m.course_id', '=', courseId)
    .where('m.role', '=', 'student')
    .orderBy('m.login')
    .execute();
  return rows.map((r) => ({ login: r.login, displayName: r.display_name }));
}

/**
 * Completes one student if not completed yet: freezes the newest submission, queues its parts
 * when they wait for completion, stores the grade (pending, no-submission or graded). Undefined
 * when the student was completed already (by anyone, on any server).
 */
export async function completeOne(ctx: PlatformContext, key: GradeKey, how: CompletionHow, by: string, at: string): Promise<Completion | undefined> {
  return runInTransaction(ctx.db, async (tx) => {
    const assignment = await completionAssignment(tx, key.courseId, key.assignmentId);
    const newest = await newestSubmission(tx, key);
    const row = { course_id: key.courseId, assignment_id: key.assignmentId, login: key.login, completed_at: at, completed_by: by, how, submission_id: newest?.id ?? null };
    const inserted = await tx.insertInto('completions').values(row).onConflict((oc) => oc.columns(['course_id', 'assignment_id', 'login']).doNothing()).executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) return undefined;
    const now = ctx.now().toISOString();
    if (newest !== undefined && assignment.part_feedback === 'on-completion') {
      const parts = await publishedGraders(tx, key.courseId, key.assignmentId);
      await queueGrading(tx, ctx.queue, { submission: { id: newest.id, courseId: key.courseId, login: key.login }, parts, priority: 'student', now });
    }
    await refreshAssignmentGrade(tx, ctx.queue, key, now);
    await recordGradeChanges(tx, ctx, { ...key, logins: [key.login] }, 'completion', by, null);
    return completionFromRow(row);
  });
}

function targetOf(actor: Actor, request: CompletionRequest, staff: boolean): CompletionTarget {
  if (request.all === true && request.login !== undefined) throw new InvalidInput('name one student (login) or all students (all), not both', { field: 'all' });
  if (request.all === true) return { kind: 'all' };
  return request.login === undefined || (request.login === actor.login && !staff) ? { kind: 'own' } : { kind: 'student', login: request.login };
}

export async function complete(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, request: CompletionRequest = {}): Promise<CompletionOutcome> {
  requireScope(actor, 'submit');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  const assignment = await completionAssignment(ctx.db, courseId, assignmentId);
  const now = ctx.now();
  const target = targetOf(actor, request, access.staff);
  checkCompletionRights(access, actor, target, assignment.complete_at, now);
  const at = now.toISOString();
  if (target.kind === 'all') {
    const done: Completion[] = [];
    for (const login of await courseStudents(ctx.db, courseId)) {
      const made = await completeOne(ctx, { courseId, assignmentId, login }, 'all', actor.login, at);
      if (made) done.push(made);
    }
    return { completions: done, changed: done.length };
  }
  const login = target.kind === 'own' ? actor.login : target.login;
  if (target.kind === 'student' && !(await courseStudents(ctx.db, courseId)).includes(login)) {
    throw new NotFound(`no student '${login}' in ${courseId}; \`gradebox grades ${courseId} ${assignmentId}\` lists the students`);
  }
  const made = await completeOne(ctx, { courseId, assignmentId, login }, target.kind === 'own' ? 'student' : 'staff', actor.login, at);
  if (made === undefined) {
    const whose = target.kind === 'own' ? 'your work' : `${login}'s work`;
    throw new Conflict('already-completed', `${whose} on ${courseId}/${assignmentId} is completed already; to grade it again, staff un-complete it first (gradebox uncomplete ${courseId} ${assignmentId} --student ${login})`, { login });
  }
  return { completions: [made], changed: 1 };
}

/** Staff: removes a student's completion (and stored grade), so they may submit again and completing grades afresh. */
export async function uncomplete(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, login: string): Promise<CompletionOutcome> {
  requireScope(actor, 'submit');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  checkUncompleteRights(access, actor);
  await completionAssignment(ctx.db, courseId, assignmentId);
  const removed = await runInTransaction(ctx.db, async (tx) => {
    const row = await tx
      .deleteFrom('completions')
      .where('course_id', '=', courseId)
      .where('assignment_id', '=', assignmentId)
      .where('login', '=', login)
      .returningAll()
      .executeTakeFirst();
    if (row) {
      await refreshAssignmentGrade(tx, ctx.queue, { courseId, assignmentId, login }, ctx.now().toISOString());
      await recordGradeChanges(tx, ctx, { courseId, assignmentId, logins: [login] }, 'completion', actor.login, 'un-completed');
    }
    return row;
  });
  if (!removed) throw new Conflict('not-completed', `${login}'s work on ${courseId}/${assignmentId} is not completed: nothing to un-complete`, { login });
  return { completions: [completionFromRow(removed)], changed: 1 };
}

/** Staff: every completion of the assignment; students: their own (none or one). */
export async function listCompletions(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<Completion[]> {
  const student = await readableStudent(ctx.db, actor, courseId, assignmentId);
  const rows = await ctx.db
    .selectFrom('completions')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .$if(student !== undefined, (q) => q.where('login', '=', student ?? ''))
    .orderBy('login')
    .execute();
  return rows.map(completionFromRow);
}

/** Whether the student's work is completed (a completed student may not submit again until un-completed). */
export async function isCompleted(db: DbExecutor, key: GradeKey): Promise<boolean> {
  const row = await db
    .selectFrom('completions')
    .select('login')
    .where('course_id', '=', key.courseId)
    .where('assignment_id', '=', key.assignmentId)
    .where('login', '=', key.login)
    .executeTakeFirst();
  return row !== undefined;
}
