/**
 * Robustness checks run on the server (the web page's "Check robustness"): which author-test
 * submission carried which hostile case of `gradebox check-grader`, or why a case was skipped.
 * The runner (src/grader-check/server-check.ts) submits the cases through `submit` and records
 * them here; the report is then derived from those submissions' results, so it survives restarts
 * and any server on the database can show it. Staff with `author` record; staff read.
 */
import { randomBytes } from 'node:crypto';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { InvalidInput, NotFound } from './errors.ts';
import type { Actor } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';

/** One case as recorded: its submission, or why it was skipped. */
export interface RobustnessCase {
  caseId: string;
  submissionId: string | null;
  skipped: string | null;
  fullMarksPossible: boolean;
}

export interface RobustnessCheck {
  /** `rbc_…` */
  id: string;
  courseId: string;
  assignmentId: string;
  partId: string;
  graderVersionId: string;
  requestedBy: string;
  createdAt: string;
  cases: RobustnessCase[];
}

export interface NewRobustnessCheck {
  courseId: string;
  assignmentId: string;
  partId: string;
  graderVersionId: string;
  cases: RobustnessCase[];
}

const MAX_CASES = 100;
/** The newest checks an assignment lists. */
const LISTED = 20;

/** A new check id; ids.ts's prefixes are for the core records, this one is the check's own. */
const newCheckId = (): string => `rbc_${randomBytes(15).toString('base64url')}`;

/** Staff with `author`: records the cases of a check whose submissions the caller just made. */
export async function recordRobustnessCheck(ctx: PlatformContext, actor: Actor, input: NewRobustnessCheck): Promise<RobustnessCheck> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, input.courseId, 'staff', 'check the robustness of graders');
  if (input.cases.length === 0 || input.cases.length > MAX_CASES) throw new InvalidInput(`cases: 1 to ${MAX_CASES} cases`, { field: 'cases' });
  const id = newCheckId();
  const createdAt = ctx.now().toISOString();
  await runInTransaction(ctx.db, async (tx) => {
    const version = await tx
      .selectFrom('grader_versions')
      .select('id')
      .where('id', '=', input.graderVersionId)
      .where('course_id', '=', input.courseId)
      .where('assignment_id', '=', input.assignmentId)
      .where('part_id', '=', input.partId)
      .executeTakeFirst();
    if (!version) throw new NotFound(`no grader version ${input.graderVersionId} of ${input.courseId}/${input.assignmentId} part ${input.partId}`);
    const carried = input.cases.flatMap((c) => (c.submissionId === null ? [] : [c.submissionId]));
    if (carried.length > 0) {
      const rows = await tx.selectFrom('submissions').select(['id', 'course_id', 'assignment_id', 'kind']).where('id', 'in', carried).execute();
      const fits = rows.filter((r) => r.course_id === input.courseId && r.assignment_id === input.assignmentId && r.kind === 'author-test');
      if (fits.length !== new Set(carried).size) throw new InvalidInput(`cases: every submission must be an author test of ${input.courseId}/${input.assignmentId}`, { field: 'cases' });
    }
    await tx
      .insertInto('robustness_cases')
      .values(
        input.cases.map((c, position) => ({
          check_id: id,
          case_id: c.caseId,
          position,
          course_id: input.courseId,
          assignment_id: input.assignmentId,
          part_id: input.partId,
          grader_version_id: input.graderVersionId,
          requested_by: actor.login,
          created_at: createdAt,
          submission_id: c.submissionId,
          skipped: c.submissionId === null ? (c.skipped ?? 'not run') : null,
          full_marks_possible: c.fullMarksPossible ? 1 : 0,
        })),
      )
      .execute();
  });
  return { id, ...input, requestedBy: actor.login, createdAt, cases: input.cases.map((c) => ({ ...c, skipped: c.submissionId === null ? (c.skipped ?? 'not run') : null })) };
}

/** Staff of the check's course: the check with its cases; NotFound for an unknown id. */
export async function getRobustnessCheck(ctx: PlatformContext, actor: Actor, checkId: string): Promise<RobustnessCheck> {
  const rows = await ctx.db.selectFrom('robustness_cases').selectAll().where('check_id', '=', checkId).orderBy('position').execute();
  const first = rows[0];
  if (first === undefined) throw new NotFound(`no robustness check ${checkId}`);
  await requireCourseRole(ctx.db, actor, first.course_id, 'staff', 'read robustness checks');
  return {
    id: first.check_id,
    courseId: first.course_id,
    assignmentId: first.assignment_id,
    partId: first.part_id,
    graderVersionId: first.grader_version_id,
    requestedBy: first.requested_by,
    createdAt: first.created_at,
    cases: rows.map((r) => ({ caseId: r.case_id, submissionId: r.submission_id, skipped: r.skipped, fullMarksPossible: r.full_marks_possible === 1 })),
  };
}

/** Staff: the assignment's newest checks (without their cases), newest first. */
export async function listRobustnessChecks(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<Array<Omit<RobustnessCheck, 'cases'> & { caseCount: number }>> {
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'read robustness checks');
  const rows = await ctx.db
    .selectFrom('robustness_cases')
    .select(['check_id', 'part_id', 'grader_version_id', 'requested_by', 'created_at'])
    .select((eb) => eb.fn.countAll<number>().as('cases'))
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .groupBy(['check_id', 'part_id', 'grader_version_id', 'requested_by', 'created_at'])
    .orderBy('created_at', 'desc')
    .limit(LISTED)
    .execute();
  return rows.map((r) => ({
    id: r.check_id,
    courseId,
    assignmentId,
    partId: r.part_id,
    graderVersionId: r.grader_version_id,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    caseCount: Number(r.cases),
  }));
}
