/**
 * `submit`: records a submission and its grading jobs and enqueues them, all in one transaction,
 * so a job exists exactly when its submission does (and a failed enqueue leaves nothing behind).
 */
import type { Selectable } from 'kysely';
import type { DbExecutor, DbTransaction } from '../db/database.ts';
import type { AssignmentsTable, GraderVersionsTable, PartsTable } from '../db/tables.ts';
import { runInTransaction } from '../db/transaction.ts';
import { manifestDigest } from '../intake/manifest.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from './errors.ts';
import { refreshAssignmentGrade, type GradeKey } from './assignment-grades.ts';
import { isCompleted } from './completions.ts';
import { queueGrading } from './grading-jobs.ts';
import { newId } from './ids.ts';
import { PRIORITY_ORDER, type Actor, type JobPriority, type Submission, type SubmissionFile, type SubmissionLimits } from './model.ts';
import { courseAccess, requireCourseRole, requireScope } from './permissions.ts';
import type { NewSubmission } from './platform.ts';
import { checkCutoff } from './submission-cutoff.ts';
import { checkSubmissionLimits, serializeSubmitter } from './submission-limits.ts';
import { assembleViews } from './submission-views.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The intake has checked the files thoroughly; these are the facts the database relies on. */
function checkFiles(files: unknown): SubmissionFile[] {
  if (!Array.isArray(files) || files.length === 0) throw new InvalidInput('a submission needs at least one file', { field: 'files' });
  const seen = new Set<string>();
  for (const [i, file] of (files as SubmissionFile[]).entries()) {
    const { path, size, digest } = file ?? {};
    const segments = typeof path === 'string' ? path.split('/') : [];
    if (typeof path !== 'string' || path === '' || path.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new InvalidInput(`files[${i}].path: ${JSON.stringify(path)} is not a relative path inside the submission`, { field: `files[${i}].path` });
    }
    if (!Number.isSafeInteger(size) || size < 0) throw new InvalidInput(`files[${i}].size: must be a byte count`, { field: `files[${i}].size` });
    if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new InvalidInput(`files[${i}].digest: expected sha256:<64 hex digits>`, { field: `files[${i}].digest` });
    if (seen.has(path)) throw new InvalidInput(`files: '${path}' is listed twice`, { field: 'files' });
    seen.add(path);
  }
  return (files as SubmissionFile[]).map(({ path, size, digest }) => ({ path, size, digest }));
}

interface PlannedGrading {
  /** The assignment's deadline (what a view of the submission needs). */
  deadline: string | null;
  limits: SubmissionLimits;
  workflow: Pick<Selectable<AssignmentsTable>, 'trigger' | 'part_feedback'>;
  /** Every part of the assignment. */
  parts: Array<Selectable<PartsTable>>;
  /** The requested parts, each with the grader it runs with (none when it has none yet). */
  planned: Array<{ part: Selectable<PartsTable>; grader: Selectable<GraderVersionsTable> | undefined }>;
}

/** The grader each requested part runs with: the published version, or for a draft run the newest draft (else the published one). */
async function gradersFor(tx: DbTransaction, input: NewSubmission, useDrafts: boolean): Promise<PlannedGrading> {
  const assignment = await tx
    .selectFrom('assignments')
    .select(['deadline', 'max_submissions', 'min_interval_seconds', 'trigger', 'part_feedback'])
    .where('course_id', '=', input.courseId)
    .where('id', '=', input.assignmentId)
    .executeTakeFirst();
  if (!assignment) throw new NotFound(`no assignment ${input.courseId}/${input.assignmentId}`);
  const parts = await tx.selectFrom('parts').selectAll().where('course_id', '=', input.courseId).where('assignment_id', '=', input.assignmentId).orderBy('position').execute();
  if (input.parts !== undefined) {
    const unknown = input.parts.filter((id) => !parts.some((p) => p.id === id));
    if (unknown.length > 0) {
      throw new InvalidInput(`parts: ${input.assignmentId} has no part ${unknown.map((u) => `'${u}'`).join(', ')}; its parts: ${parts.map((p) => p.id).join(', ') || 'none'}`, {
        field: 'parts',
        allowed: parts.map((p) => p.id),
      });
    }
  }
  const versions = await tx
    .selectFrom('grader_versions')
    .selectAll()
    .where('course_id', '=', input.courseId)
    .where('assignment_id', '=', input.assignmentId)
    .where('status', 'in', useDrafts ? ['published', 'draft'] : ['published'])
    .orderBy('number')
    .execute();
  const pinned = input.graderVersionId === undefined ? undefined : await pinnedVersion(tx, input, input.graderVersionId);
  const planned = parts
    .filter((part) => input.parts === undefined || input.parts.includes(part.id))
    .map((part) => {
      if (pinned !== undefined) return { part, grader: pinned };
      const own = versions.filter((v) => v.part_id === part.id);
      const draft = own.filter((v) => v.status === 'draft').at(-1);
      return { part, grader: draft ?? own.find((v) => v.status === 'published') };
    });
  const limits = { maxSubmissions: assignment.max_submissions, minIntervalSeconds: assignment.min_interval_seconds };
  return { deadline: assignment.deadline, limits, workflow: { trigger: assignment.trigger, part_feedback: assignment.part_feedback }, parts, planned };
}

/** The grader version an author test asked for by id: one of the one part's versions, any status. */
async function pinnedVersion(tx: DbTransaction, input: NewSubmission, id: string): Promise<Selectable<GraderVersionsTable>> {
  const [part] = input.parts ?? [];
  if (input.parts?.length !== 1 || part === undefined) {
    throw new InvalidInput('graderVersion names one part\'s grader version: give exactly one part with it', { field: 'graderVersion' });
  }
  const version = await tx
    .selectFrom('grader_versions')
    .selectAll()
    .where('course_id', '=', input.courseId)
    .where('assignment_id', '=', input.assignmentId)
    .where('part_id', '=', part)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!version) throw new NotFound(`part ${input.assignmentId}/${part} has no grader version ${id}`);
  return version;
}

/**
 * Checks, before any file is received, that the course and assignment exist and the caller is
 * in the course (NotFound otherwise, as for reading them), and that a student is before their
 * cutoff (409 `past-cutoff`) and within the assignment's submission limits (429: with when to come
 * back, or `nextAllowedAt: null` once every submission is made); `submit` checks everything again.
 */
export async function assertCanSubmit(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<void> {
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.staff) {
    const who = { courseId, assignmentId, login: actor.login };
    await checkCutoff(ctx.db, who, ctx.now());
    await refuseCompleted(ctx.db, who);
    await checkSubmissionLimits(ctx.db, who, access.limits, ctx.now());
  }
  // Moved here from the submission route (pages and API check the same): after the checks above, as before.
  requireScope(actor, 'submit');
}

/** A completed student's work is locked until staff un-complete it (docs/course-workflow.md). */
async function refuseCompleted(db: DbExecutor, key: GradeKey): Promise<void> {
  if (await isCompleted(db, key)) {
    throw new Conflict('completed', `your work on ${key.courseId}/${key.assignmentId} is completed, so it is final: ask the staff to un-complete it if you must submit again`);
  }
}

export async function submit(ctx: PlatformContext, actor: Actor, input: NewSubmission, priority?: JobPriority): Promise<Submission> {
  const kind = input.kind ?? 'student';
  if (kind !== 'student' && kind !== 'author-test') throw new InvalidInput(`kind: must be student or author-test (got ${JSON.stringify(kind)})`, { field: 'kind' });
  requireScope(actor, kind === 'student' ? 'submit' : 'author');
  const access = await requireCourseRole(ctx.db, actor, input.courseId, 'member', 'submit');
  if (kind === 'author-test' && !access.staff) throw new Forbidden(`only instructors and TAs of ${input.courseId} may run author tests`);
  if (input.useDrafts === true && kind !== 'author-test') throw new InvalidInput('useDrafts is for author tests only (kind author-test)', { field: 'useDrafts' });
  if (input.graderVersionId !== undefined && kind !== 'author-test') throw new InvalidInput('graderVersion is for author tests only (kind author-test)', { field: 'graderVersion' });
  const jobPriority = priority ?? (kind === 'student' ? 'student' : 'author-test');
  if (!(jobPriority in PRIORITY_ORDER)) throw new InvalidInput(`priority: unknown priority '${jobPriority}'`, { field: 'priority' });
  const files = checkFiles(input.files);
  const now = ctx.now().toISOString();

  const recorded = await runInTransaction(ctx.db, async (tx) => {
    const { deadline, limits, workflow, parts, planned } = await gradersFor(tx, input, input.useDrafts === true);
    const who = { courseId: input.courseId, assignmentId: input.assignmentId, login: actor.login };
    if (!access.staff) {
      await serializeSubmitter(tx, who);
      await checkCutoff(tx, who, ctx.now());
      await refuseCompleted(tx, who);
      await checkSubmissionLimits(tx, who, limits, ctx.now());
    }
    // Part feedback on completion: stored now, graded when the work is completed.
    const held = kind === 'student' && workflow.trigger === 'completion' && workflow.part_feedback === 'on-completion';
    const missing = planned.filter((p) => p.grader === undefined).map((p) => p.part.id);
    const graded = planned.flatMap(({ part, grader }) => (grader ? [{ part, grader }] : []));
    if (!held && (graded.length === 0 || (input.parts !== undefined && missing.length > 0))) {
      const which = input.parts !== undefined && missing.length > 0 ? `part ${missing.join(', ')} of ${input.assignmentId} has` : `no part of ${input.assignmentId} has`;
      throw new Conflict('not-ready', `${which} no ${input.useDrafts === true ? 'grader draft or ' : ''}published grader yet; try again once the staff publish one`, {
        parts: missing,
      });
    }
    const submission = {
      id: newId('sub'),
      course_id: input.courseId,
      assignment_id: input.assignmentId,
      login: actor.login,
      digest: manifestDigest(files),
      submitted_at: now,
      total_bytes: files.reduce((sum, f) => sum + f.size, 0),
      kind,
    };
    await tx.insertInto('submissions').values(submission).execute();
    const fileRows = files.map((f) => ({ submission_id: submission.id, ...f }));
    await tx.insertInto('submission_files').values(fileRows).execute();
    const jobRows = held
      ? []
      : await queueGrading(tx, ctx.queue, { submission: { id: submission.id, courseId: input.courseId, login: actor.login }, parts: graded, priority: jobPriority, now });
    // Trigger submit: the newest submission counts, so the student's grade is pending again.
    if (kind === 'student' && workflow.trigger === 'submit') await refreshAssignmentGrade(tx, ctx.queue, who, now);
    return { submission, data: { deadline, parts, files: fileRows, jobs: jobRows, results: [] } };
  });
  // Everything the view shows was just written: no need to read it back.
  const [view] = assembleViews([recorded.submission], recorded.data, {
    courseId: input.courseId,
    assignmentId: input.assignmentId,
    viewer: access.staff ? 'staff' : 'student',
    now: ctx.now(),
  });
  return view!;
}
