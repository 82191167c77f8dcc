/**
 * The `script` autograde method's runs: once every part of a student's counting work has its
 * result, one job runs the assignment's published autograde grader (autograde-graders.ts) with
 * CODIO_AUTOGRADE_ENV built from those results. The job goes through the grading queue and the
 * workers like a part's job (the worker sees a JobContext; `agj_` ids tell the grading store which
 * kind it loads and saves); its outcome is kept on its `autograde_jobs` row, which the student's
 * grade takes when it is refreshed, so a re-completion (new counting work) runs it again and a
 * result for superseded work changes nothing.
 */
import type { Db, DbExecutor, DbTransaction } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import { buildAutogradeEnv } from '../grader/autograde-env.ts';
import type { GradeResult } from '../grader/grade-result.ts';
import { storedJson, type StoredResult } from '../grader/stored-result.ts';
import { sortManifest } from '../intake/manifest.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { JobContext } from '../worker/grading-store.ts';
import { refreshAssignmentGrade, submissionParts } from './assignment-grades.ts';
import { recordGradeChanges } from './grade-changes.ts';
import { round2, type MethodInput, type MethodOutcome } from './autograde-methods.ts';
import { publishedAutogradeGrader } from './autograde-graders.ts';
import { newId } from './ids.ts';
import { PRIORITY_ORDER } from './model.ts';
import { jobGraderFromRow, type JobGraderColumns } from './rows.ts';

/** Autograde jobs' ids (`newId('agj')`): the grading store tells them from parts' jobs by it. */
const AUTOGRADE_JOB_PREFIX = 'agj_';

/** The label a run's result and environment use where a part's job has its part id. */
const AUTOGRADE_LABEL = 'autograde';

/** Points the script's report is out of: `send_partial(points)` reports points of 100, like a grade. */
const AUTOGRADE_POINTS = 100;

/** A script's feedback kept with the grade, at most this long (the whole is in the job's result for authors). */
const MAX_DETAIL = 64 * 1024;

export const isAutogradeJob = (jobId: string): boolean => jobId.startsWith(AUTOGRADE_JOB_PREFIX);

/**
 * The method: the outcome of this work's run when it has ended, else `deferred` (queuing the run
 * the first time, inside the caller's transaction). Without a published autograde grader the grade
 * is an error saying how to add one; publishing one refreshes the assignment's grades.
 */
/** The run of this work, if queued. */
function runOf(db: DbExecutor, input: Omit<MethodInput, 'parts'>) {
  return db
    .selectFrom('autograde_jobs')
    .select(['status', 'raw_grade', 'detail'])
    .where('course_id', '=', input.courseId)
    .where('assignment_id', '=', input.assignmentId)
    .where('login', '=', input.login)
    .where('submission_id', '=', input.submissionId)
    .where('counts_at', '=', input.countsAt)
    .executeTakeFirst();
}

/** A run is queued for this work and has not ended. */
export async function scriptMethodAwaiting(db: DbExecutor, input: Omit<MethodInput, 'parts'>): Promise<boolean> {
  const run = await runOf(db, input);
  return run !== undefined && run.status === null;
}

export async function scriptMethodGrade(tx: DbTransaction, queue: JobQueue, input: MethodInput, now: string): Promise<MethodOutcome> {
  const run = await runOf(tx, input);
  if (run !== undefined) {
    if (run.status === 'graded' && run.raw_grade !== null) return { status: 'graded', rawGrade: run.raw_grade, detail: run.detail };
    if (run.status === 'error') return { status: 'error', detail: run.detail ?? 'the autograde script failed' };
    return { status: 'deferred' };
  }
  const grader = await publishedAutogradeGrader(tx, input.courseId, input.assignmentId);
  if (grader === undefined) {
    const where = `${input.courseId} ${input.assignmentId}`;
    return {
      status: 'error',
      detail: `autograde script: ${input.courseId}/${input.assignmentId} has no published autograde grader; upload one (gradebox upload IMAGE ${where} --autograde --script PATH) and publish it (gradebox publish ${where}): waiting grades are then computed`,
    };
  }
  const id = newId('agj');
  await tx
    .insertInto('autograde_jobs')
    .values({
      id,
      course_id: input.courseId,
      assignment_id: input.assignmentId,
      login: input.login,
      submission_id: input.submissionId,
      counts_at: input.countsAt,
      grader_id: grader.id,
      queued_at: now,
      last_error: null,
      status: null,
      raw_grade: null,
      detail: null,
      done_at: null,
    })
    .execute();
  await queue.enqueue(tx, [{ jobId: id, priority: PRIORITY_ORDER.student, owner: input.login, course: input.courseId, cpus: grader.cpus, memoryMiB: grader.memory_mib }]);
  return { status: 'deferred' };
}

/** What a worker needs to run an autograde job; undefined when it is gone. */
export async function loadAutogradeJob(db: DbExecutor, jobId: string): Promise<JobContext | undefined> {
  const row = await db
    .selectFrom('autograde_jobs as j')
    .innerJoin('submissions as s', 's.id', 'j.submission_id')
    .innerJoin('users as u', 'u.login', 'j.login')
    .innerJoin('assignments as a', (join) => join.onRef('a.course_id', '=', 'j.course_id').onRef('a.id', '=', 'j.assignment_id'))
    .innerJoin('autograde_graders as g', 'g.id', 'j.grader_id')
    .select([
      'j.id as jobId',
      'j.submission_id',
      'j.counts_at',
      'j.status as runStatus',
      'j.system_errors',
      's.submitted_at',
      'j.login',
      'u.display_name',
      'j.course_id',
      'j.assignment_id',
      'a.title as assignmentTitle',
      'a.deadline',
      'g.id as graderId',
      'g.image_id',
      'g.protocol',
      'g.run_as',
      'g.script_path',
      'g.script_args',
      'g.cpus',
      'g.memory_mib',
      'g.timeout_seconds',
    ])
    .where('j.id', '=', jobId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { parts } = await submissionParts(db, { courseId: row.course_id, assignmentId: row.assignment_id }, row.submission_id);
  const simulated = parts.map((part) => ({ name: part.partId, points: part.points, earned: part.earned }));
  return autogradeRunContext(db, row, simulated, new Date(row.counts_at));
}

/** The columns of a claimed autograde run (a student's or a staff test's) that its job needs. */
export interface AutogradeRunRow extends JobGraderColumns {
  jobId: string;
  submission_id: string;
  submitted_at: string;
  runStatus: string | null;
  system_errors: number;
  login: string;
  display_name: string;
  course_id: string;
  assignment_id: string;
  assignmentTitle: string;
  deadline: string | null;
  graderId: string;
}

/** What a worker needs to run an autograde script: the run's files, grader and CODIO_AUTOGRADE_ENV from `parts`. */
export async function autogradeRunContext(
  db: DbExecutor,
  row: AutogradeRunRow,
  parts: Array<{ name: string; points: number; earned: number | null }>,
  completedDate: Date,
): Promise<JobContext> {
  const files = sortManifest(await db.selectFrom('submission_files').select(['path', 'size', 'digest']).where('submission_id', '=', row.submission_id).execute());
  const deadline = row.deadline === null ? null : new Date(row.deadline);
  const autogradeEnv = buildAutogradeEnv({
    parts,
    student: { id: row.login, username: row.login, fullName: row.display_name, email: '' },
    course: { id: row.course_id },
    assignment: { id: row.assignment_id, name: row.assignmentTitle, end: deadline },
    completedDate,
  });
  return {
    jobId: row.jobId,
    submissionId: row.submission_id,
    files,
    submittedAt: new Date(row.submitted_at),
    login: row.login,
    displayName: row.display_name,
    courseId: row.course_id,
    assignmentId: row.assignment_id,
    assignmentTitle: row.assignmentTitle,
    deadline,
    partId: AUTOGRADE_LABEL,
    points: AUTOGRADE_POINTS,
    grader: jobGraderFromRow(row.graderId, row),
    autogradeEnv,
    hasResult: row.runStatus !== null,
    systemErrors: row.system_errors,
  };
}

/** The run's outcome from the script's result: its grade (0–100) and feedback, or why there is none. */
export function runOutcome(result: GradeResult): { status: 'graded' | 'error'; raw_grade: number | null; detail: string | null } {
  if (result.status === 'graded' && result.score !== null) {
    const feedback = result.feedback.text;
    const detail = feedback === '' ? null : feedback.length > MAX_DETAIL ? `${feedback.slice(0, MAX_DETAIL)}\n[feedback cut at ${MAX_DETAIL} characters]` : feedback;
    return { status: 'graded', raw_grade: round2(result.score * 100), detail };
  }
  const why = result.errors.length > 0 ? result.errors.join('; ') : 'no grade was reported';
  return { status: 'error', raw_grade: null, detail: `autograde script: ${result.status}: ${why}` };
}

/**
 * Keeps a run's outcome once (a duplicate delivery keeps the first) and refreshes the student's
 * grade, which takes it only while the run's work still counts. True when this call stored it.
 */
export async function saveAutogradeResult(db: Db, queue: JobQueue, jobId: string, stored: StoredResult, at: string): Promise<boolean> {
  const outcome = runOutcome(JSON.parse(storedJson(stored)) as GradeResult);
  const updated = await db
    .updateTable('autograde_jobs')
    .set({ ...outcome, done_at: at })
    .where('id', '=', jobId)
    .where('status', 'is', null)
    .returning(['course_id', 'assignment_id', 'login'])
    .executeTakeFirst();
  const job = updated ?? (await db.selectFrom('autograde_jobs').select(['course_id', 'assignment_id', 'login']).where('id', '=', jobId).executeTakeFirst());
  // Also on a duplicate: the first delivery may have died before refreshing.
  if (job) {
    const key = { courseId: job.course_id, assignmentId: job.assignment_id, login: job.login };
    await runInTransaction(db, async (tx) => {
      await refreshAssignmentGrade(tx, queue, key, at);
      await recordGradeChanges(tx, { now: () => new Date(at) }, { ...key, logins: [key.login] }, 'grader-result', null, null);
    });
  }
  return updated !== undefined;
}

/** Counts a delivery (phase `preparing`). */
export async function countAutogradeAttempt(db: DbExecutor, jobId: string): Promise<void> {
  await db
    .updateTable('autograde_jobs')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', jobId)
    .execute();
}

export async function noteAutogradeSystemError(db: DbExecutor, jobId: string, attempt: number, error: string): Promise<void> {
  await db
    .updateTable('autograde_jobs')
    .set((eb) => ({
      last_error: error,
      attempts: eb.case().when('attempts', '<', attempt).then(attempt).else(eb.ref('attempts')).end(),
      system_errors: eb('system_errors', '+', 1),
    }))
    .where('id', '=', jobId)
    .execute();
}
