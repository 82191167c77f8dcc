/**
 * Reading assignment grades with their derivation: each part's points from the counting
 * submission's results, the autograde method, the stored raw grade, and the late adjustment,
 * derived now from the lateness rule (late-rule.ts) at the time that counts — so a policy change
 * or an extension changes grades without running any grader. Staff read every student's, students
 * their own (withheld while a part's result is hidden from them).
 */
import type { Selectable } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import type { AssignmentGradesTable, AssignmentsTable } from '../db/tables.ts';
import { runInTransaction } from '../db/transaction.ts';
import { autogradeMethod, round2, type MethodPart } from './autograde-methods.ts';
import { countingWork, refreshAssignmentGrade, submissionParts, type CountingWork, type GradeKey } from './assignment-grades.ts';
import { courseStudents } from './completions.ts';
import type { PlatformContext } from './context.ts';
import { Forbidden, NotFound } from './errors.ts';
import { lateAdjustment } from './late-policy.ts';
import { loadLateRule } from './late-rule.ts';
import type { Actor, AssignmentGrade, AssignmentGradeStatus, GradeLateness, GradePart, GradeTrigger } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';
import { storedResult, visibleToStudents } from './result-views.ts';
import { completionFromRow } from './rows.ts';
import { officialJob } from './official-jobs.ts';
import { newestJobPerPart } from './submission-views.ts';

type AssignmentRow = Pick<Selectable<AssignmentsTable>, 'trigger' | 'autograde' | 'deadline'> & { parts: Array<{ id: string; points: number }> };

/** Staff: every student's grade (or one `login`'s); students: their own. In login order. */
export async function listGrades(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, filter: { login?: string } = {}): Promise<AssignmentGrade[]> {
  requireScope(actor, 'read');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.staff && filter.login !== undefined && filter.login !== actor.login) throw new Forbidden('students may only read their own grades');
  let logins = access.staff ? await courseStudents(ctx.db, courseId) : [actor.login];
  if (access.staff && filter.login !== undefined) {
    if (!logins.includes(filter.login)) throw new NotFound(`no student '${filter.login}' in ${courseId}`);
    logins = [filter.login];
  }
  const assignment = await ctx.db.selectFrom('assignments').select(['trigger', 'autograde', 'deadline']).where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirstOrThrow();
  const parts = await ctx.db.selectFrom('parts').select(['id', 'points']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).orderBy('position').orderBy('id').execute();
  const grades: AssignmentGrade[] = [];
  for (const login of logins) grades.push(await gradeOf(ctx, { courseId, assignmentId, login }, { ...assignment, parts }, access.staff ? 'staff' : 'student'));
  return grades;
}

async function storedGrade(db: DbExecutor, key: GradeKey): Promise<Selectable<AssignmentGradesTable> | undefined> {
  return db
    .selectFrom('assignment_grades')
    .selectAll()
    .where('course_id', '=', key.courseId)
    .where('assignment_id', '=', key.assignmentId)
    .where('login', '=', key.login)
    .executeTakeFirst();
}

const matches = (row: Selectable<AssignmentGradesTable> | undefined, work: CountingWork): row is Selectable<AssignmentGradesTable> =>
  row !== undefined && row.submission_id === work.submissionId && row.counts_at === work.countsAt;

async function gradeOf(ctx: PlatformContext, key: GradeKey, assignment: AssignmentRow, viewer: 'staff' | 'student'): Promise<AssignmentGrade> {
  const trigger = assignment.trigger as GradeTrigger;
  const completionRow = await ctx.db
    .selectFrom('completions')
    .selectAll()
    .where('course_id', '=', key.courseId)
    .where('assignment_id', '=', key.assignmentId)
    .where('login', '=', key.login)
    .executeTakeFirst();
  const work = await countingWork(ctx.db, key, trigger);
  const possibleParts = assignment.parts;
  const base = {
    ...key,
    trigger,
    method: assignment.autograde,
    completion: completionRow ? completionFromRow(completionRow) : null,
    pointsPossible: round2(possibleParts.reduce((sum, p) => sum + p.points, 0)),
    withheld: false,
  };
  if (work === undefined) {
    const parts = possibleParts.map((p): GradePart => ({ partId: p.id, points: p.points, earned: null, status: null }));
    const status: AssignmentGradeStatus = trigger === 'completion' ? 'not-completed' : 'not-submitted';
    return { ...base, status, submissionId: null, parts, pointsEarned: null, rawGrade: null, detail: null, late: null, finalGrade: null };
  }
  const fromParts = work.submissionId === null ? { parts: [] as MethodPart[], finished: true } : await submissionParts(ctx.db, key, work.submissionId);
  let row = await storedGrade(ctx.db, key);
  // A refresh lost to a crash between a result and its refresh is made good on the first read
  // (a method whose own job is still running for this work is left to it).
  const method = autogradeMethod(assignment.autograde);
  const stalled = async (): Promise<boolean> =>
    row?.status === 'pending' && (work.submissionId === null || method === undefined || !(await method.awaiting(ctx.db, { ...key, submissionId: work.submissionId, countsAt: work.countsAt })));
  if (fromParts.finished && (!matches(row, work) || (await stalled()))) {
    await runInTransaction(ctx.db, (tx) => refreshAssignmentGrade(tx, ctx.queue, key, ctx.now().toISOString()));
    row = await storedGrade(ctx.db, key);
  }
  const stored = matches(row, work) ? row : undefined;
  const status = (stored?.status ?? 'pending') as AssignmentGradeStatus;
  const parts: GradePart[] =
    work.submissionId === null
      ? possibleParts.map((p) => ({ partId: p.id, points: p.points, earned: null, status: null }))
      : fromParts.parts.map((p) => ({ partId: p.partId, points: p.points, earned: p.earned, status: p.status }));
  const withheld = viewer === 'student' && work.submissionId !== null && (await hiddenFromStudent(ctx, work.submissionId, assignment.deadline));
  const late = await lateness(ctx.db, key, work.countsAt);
  const raw = status === 'graded' || status === 'no-submission' ? (stored?.raw_grade ?? null) : null;
  const earned = status === 'pending' && !fromParts.finished ? null : round2(parts.reduce((sum, p) => sum + (p.earned ?? 0), 0));
  return {
    ...base,
    status,
    submissionId: work.submissionId,
    parts: withheld ? parts.map((p) => ({ ...p, earned: null })) : parts,
    pointsEarned: withheld ? null : earned,
    rawGrade: withheld ? null : raw,
    detail: withheld ? null : viewer === 'student' && status === 'error' ? ERROR_FOR_STUDENTS : (stored?.detail ?? null),
    late,
    finalGrade: withheld || raw === null ? null : round2(raw * late.factor),
    withheld,
  };
}

/** An error's precise message (a script's report refused, no autograde grader, …) is for staff. */
const ERROR_FOR_STUDENTS = 'your assignment grade could not be computed because of a problem on the grading side, not in your work; your instructors can see the details';

async function lateness(db: DbExecutor, key: GradeKey, countsAt: string): Promise<GradeLateness> {
  const adjustment = lateAdjustment(await loadLateRule(db, key.courseId, key.assignmentId, key.login), new Date(countsAt));
  return {
    at: countsAt,
    secondsLate: adjustment.secondsLate,
    factor: adjustment.factor,
    rule: adjustment.rule,
    deadline: adjustment.deadline === null ? null : adjustment.deadline.toISOString(),
  };
}

/** Whether a part result of the submission is not visible to its student now (then the grade would give it away). */
async function hiddenFromStudent(ctx: PlatformContext, submissionId: string, deadline: string | null): Promise<boolean> {
  const jobs = await ctx.db.selectFrom('grading_jobs').select(['id', 'part_id', 'queued_at']).where('submission_id', '=', submissionId).where(officialJob()).execute();
  const newest = new Set(newestJobPerPart(jobs).map((j) => j.id));
  const results = await ctx.db.selectFrom('results').selectAll().where('submission_id', '=', submissionId).execute();
  return results.some((row) => newest.has(row.job_id) && !visibleToStudents(storedResult(row).visibility, { deadline, now: ctx.now() }));
}
