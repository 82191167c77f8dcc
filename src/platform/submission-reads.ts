/**
 * Reading submissions and jobs: students their own (filtered), staff everything in their course.
 * Each read comes two ways: as objects (`getSubmission`, `listSubmissions`, for code and tests),
 * and as JSON text for the HTTP API (`getSubmissionJson`, `listSubmissionsJson`), whose big
 * results are rendered off the event loop (render-views.ts) and whose lists are written in parts,
 * so that no answer is one giant string.
 */
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { SubmissionsTable } from '../db/tables.ts';
import type { PlatformContext } from './context.ts';
import { Forbidden, NotFound } from './errors.ts';
import type { Actor, GradingJob, Submission, SubmissionFile, SubmissionStatus } from './model.ts';
import { courseAccess, requireCourseRole, requireScope } from './permissions.ts';
import { renderViews } from './render-views.ts';
import { jobFromRow } from './rows.ts';
import { loadViewData, statusFromData, submissionViews, type ViewRequest } from './submission-views.ts';
import { sortManifest } from '../intake/manifest.ts';

/** One submission as the caller may see it, as JSON, with what the server itself needs to know of it. */
export interface SubmissionJson {
  /** The `Submission`, as UTF-8 JSON: the body to send. */
  json: Buffer;
  id: string;
  login: string;
  status: SubmissionStatus;
  files: SubmissionFile[];
  /** Whether the caller sees it as staff (job phases and whole results). */
  staff: boolean;
}

/** Results (as JSON) rendered together in one part of a list: a bounded amount of work and of text. */
const LIST_PART_BYTES = 8 * 1024 * 1024;
/** Submissions rendered together in one part of a list. */
const LIST_PART_ROWS = 100;

export async function getSubmission(ctx: PlatformContext, actor: Actor, submissionId: string): Promise<Submission> {
  const { row, request } = await readableSubmission(ctx, actor, submissionId);
  const [view] = await submissionViews(ctx.db, [row], request);
  return view!;
}

export async function getSubmissionJson(ctx: PlatformContext, actor: Actor, submissionId: string): Promise<SubmissionJson> {
  const { row, request } = await readableSubmission(ctx, actor, submissionId);
  const data = await loadViewData(ctx.db, [row], request);
  const [json] = await renderViews({ rows: [row], data, request });
  const files = sortManifest(data.files.map((f) => ({ path: f.path, size: f.size, digest: f.digest })));
  return { json: json!, id: row.id, login: row.login, status: statusFromData(row, data), files, staff: request.viewer === 'staff' };
}

/** Newest first. Staff: everyone's (or one login's); students: their own only. */
export async function listSubmissions(
  ctx: PlatformContext,
  actor: Actor,
  courseId: string,
  assignmentId: string,
  filter: { login?: string } = {},
): Promise<Submission[]> {
  const { rows, request } = await listableSubmissions(ctx, actor, courseId, assignmentId, filter);
  return submissionViews(ctx.db, rows, request);
}

/**
 * `{"submissions": [...]}` as the list of `listSubmissions`, in parts of UTF-8 JSON to send one
 * after another. Permissions are checked before this resolves; the parts are loaded and rendered as they
 * are read, a bounded number of stored results at a time.
 */
export async function listSubmissionsJson(
  ctx: PlatformContext,
  actor: Actor,
  courseId: string,
  assignmentId: string,
  filter: { login?: string } = {},
): Promise<AsyncIterable<Buffer>> {
  const { rows, request } = await listableSubmissions(ctx, actor, courseId, assignmentId, filter);
  return listBody(ctx, rows, request);
}

async function* listBody(ctx: PlatformContext, rows: ReadonlyArray<Selectable<SubmissionsTable>>, request: ViewRequest): AsyncIterable<Buffer> {
  yield Buffer.from('{"submissions":[');
  let first = true;
  for (const part of await listParts(ctx, rows)) {
    const data = await loadViewData(ctx.db, part, request);
    for (const json of await renderViews({ rows: part, data, request })) {
      if (!first) yield Buffer.from(',');
      yield json;
      first = false;
    }
  }
  yield Buffer.from(']}');
}

/** `rows` in runs of at most LIST_PART_ROWS submissions and, past the first, LIST_PART_BYTES of results' JSON. */
async function listParts(ctx: PlatformContext, rows: ReadonlyArray<Selectable<SubmissionsTable>>): Promise<Selectable<SubmissionsTable>[][]> {
  const sizes = new Map<string, number>();
  for (let i = 0; i < rows.length; i += 500) {
    const ids = rows.slice(i, i + 500).map((r) => r.id);
    const found = await ctx.db
      .selectFrom('results')
      .select(['submission_id', sql<number>`sum(coalesce(result_bytes, length(result)))`.as('bytes')])
      .where('submission_id', 'in', ids)
      .groupBy('submission_id')
      .execute();
    for (const { submission_id, bytes } of found) sizes.set(submission_id, Number(bytes));
  }
  const parts: Selectable<SubmissionsTable>[][] = [];
  let part: Selectable<SubmissionsTable>[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = sizes.get(row.id) ?? 0;
    if (part.length > 0 && (part.length >= LIST_PART_ROWS || bytes + size > LIST_PART_BYTES)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(row);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** The submission, if the caller may read it, and how they see it. */
export async function readableSubmission(ctx: PlatformContext, actor: Actor, submissionId: string): Promise<{ row: Selectable<SubmissionsTable>; request: ViewRequest }> {
  requireScope(actor, 'read');
  const row = await ctx.db.selectFrom('submissions').selectAll().where('id', '=', submissionId).executeTakeFirst();
  if (!row) throw new NotFound(`no submission '${submissionId}'`);
  // Not in the course: as if it did not exist.
  const access = await courseAccess(ctx.db, actor, row.course_id).catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound(`no submission '${submissionId}'`) : error;
  });
  if (!access.staff && row.login !== actor.login) throw new Forbidden('students may only read their own submissions');
  return {
    row,
    request: { courseId: row.course_id, assignmentId: row.assignment_id, viewer: access.staff ? 'staff' : 'student', now: ctx.now() },
  };
}

/** The assignment's submissions the caller may list, newest first, and how they see them. */
async function listableSubmissions(
  ctx: PlatformContext,
  actor: Actor,
  courseId: string,
  assignmentId: string,
  filter: { login?: string },
): Promise<{ rows: Selectable<SubmissionsTable>[]; request: ViewRequest }> {
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
  return { rows, request: { courseId, assignmentId, viewer: access.staff ? 'staff' : 'student', now: ctx.now() } };
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
