/** Reading submissions and jobs: students their own (filtered), staff everything in their course. */
import type { PlatformContext } from './context.ts';
import { Forbidden, NotFound } from './errors.ts';
import type { Actor, GradingJob, Submission } from './model.ts';
import { courseAccess, requireCourseRole, requireScope } from './permissions.ts';
import { jobFromRow } from './rows.ts';
import { submissionViews } from './submission-views.ts';

export async function getSubmission(ctx: PlatformContext, actor: Actor, submissionId: string): Promise<Submission> {
  requireScope(actor, 'read');
  const row = await ctx.db.selectFrom('submissions').selectAll().where('id', '=', submissionId).executeTakeFirst();
  if (!row) throw new NotFound(`no submission '${submissionId}'`);
  // Not in the course: as if it did not exist.
  const access = await courseAccess(ctx.db, actor, row.course_id).catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound(`no submission '${submissionId}'`) : error;
  });
  if (!access.staff && row.login !== actor.login) throw new Forbidden('students may only read their own submissions');
  const [view] = await submissionViews(ctx.db, [row], {
    courseId: row.course_id,
    assignmentId: row.assignment_id,
    viewer: access.staff ? 'staff' : 'student',
    now: ctx.now(),
  });
  return view!;
}

/** Newest first. Staff: everyone's (or one login's); students: their own only. */
export async function listSubmissions(
  ctx: PlatformContext,
  actor: Actor,
  courseId: string,
  assignmentId: string,
  filter: { login?: string } = {},
): Promise<Submission[]> {
  requireScope(actor, 'read');
  const access = await requireCourseRole(ctx.db, actor, courseId, 'member', 'list submissions');
  const assignment = await ctx.db.selectFrom('assignments').select('id').where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirst();
  if (!assignment) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  if (!access.staff && filter.login !== undefined && filter.login !== actor.login) throw new Forbidden("students may only list their own submissions");
  const login = access.staff ? filter.login : actor.login;
  const rows = await ctx.db
    .selectFrom('submissions')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .$if(login !== undefined, (q) => q.where('login', '=', login ?? ''))
    .orderBy('submitted_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return submissionViews(ctx.db, rows, { courseId, assignmentId, viewer: access.staff ? 'staff' : 'student', now: ctx.now() });
}

/** Staff: one grading job with its phases and attempts. */
export async function getJob(ctx: PlatformContext, actor: Actor, jobId: string): Promise<GradingJob> {
  requireScope(actor, 'read');
  const row = await ctx.db
    .selectFrom('grading_jobs')
    .innerJoin('submissions', 'submissions.id', 'grading_jobs.submission_id')
    .selectAll('grading_jobs')
    .select('submissions.course_id')
    .where('grading_jobs.id', '=', jobId)
    .executeTakeFirst();
  if (!row) throw new NotFound(`no job '${jobId}'`);
  await requireCourseRole(ctx.db, actor, row.course_id, 'staff', 'see grading jobs').catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound(`no job '${jobId}'`) : error;
  });
  const { course_id: _course, ...job } = row;
  return jobFromRow(job);
}
