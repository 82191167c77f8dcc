/**
 * Storing students' assignment grades. Whenever what counts for a student changes — a submission
 * (trigger submit), a completion or un-completion, a part result — the student's row in
 * `assignment_grades` is brought up to date: `pending` while parts are graded, then the autograde
 * method's raw grade (autograde-methods.ts). Refreshes of one student run one after another (the
 * row is locked first), so a slow refresh can never overwrite a newer one with an older state.
 */
import type { DbExecutor, DbTransaction, Db } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { GradeStatus } from '../grader/grade-result.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { autogradeMethod, type MethodPart } from './autograde-methods.ts';
import { pointsFor } from './result-views.ts';
import { officialJob } from './official-jobs.ts';
import { newestJobPerPart } from './submission-views.ts';

export interface GradeKey {
  courseId: string;
  assignmentId: string;
  login: string;
}

/** What counts for a student now: the submission (null: none) and the time lateness is measured at. */
export interface CountingWork {
  submissionId: string | null;
  countsAt: string;
}

/** Trigger completion: the completion's frozen submission at completedDate; trigger submit: the newest submission at submittedAt. */
export async function countingWork(db: DbExecutor, key: GradeKey, trigger: string): Promise<CountingWork | undefined> {
  if (trigger === 'completion') {
    const completion = await db
      .selectFrom('completions')
      .select(['submission_id', 'completed_at'])
      .where('course_id', '=', key.courseId)
      .where('assignment_id', '=', key.assignmentId)
      .where('login', '=', key.login)
      .executeTakeFirst();
    return completion && { submissionId: completion.submission_id, countsAt: completion.completed_at };
  }
  const newest = await newestSubmission(db, key);
  return newest && { submissionId: newest.id, countsAt: newest.submitted_at };
}

/** The student's newest own (not author-test) submission. */
export async function newestSubmission(db: DbExecutor, key: GradeKey): Promise<{ id: string; submitted_at: string } | undefined> {
  return db
    .selectFrom('submissions')
    .select(['id', 'submitted_at'])
    .where('course_id', '=', key.courseId)
    .where('assignment_id', '=', key.assignmentId)
    .where('login', '=', key.login)
    .where('kind', '=', 'student')
    .orderBy('submitted_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * Each part of the assignment with what the submission earned on it (its newest job's result),
 * and whether every job has finished. A part without a job (no grader when it was queued) earns
 * nothing and waits for nothing.
 */
export async function submissionParts(db: DbExecutor, key: Omit<GradeKey, 'login'>, submissionId: string): Promise<{ parts: MethodPart[]; finished: boolean }> {
  const parts = await db
    .selectFrom('parts')
    .select(['id', 'points'])
    .where('course_id', '=', key.courseId)
    .where('assignment_id', '=', key.assignmentId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  const jobs = await db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.part_id', 'j.queued_at', 'r.status', 'r.score', 'r.job_id as resultJobId'])
    .where('j.submission_id', '=', submissionId)
    .where(officialJob('j'))
    .execute();
  const newest = new Map(newestJobPerPart(jobs).map((job) => [job.part_id, job]));
  let finished = true;
  const out = parts.map((part): MethodPart => {
    const job = newest.get(part.id);
    if (job === undefined) return { partId: part.id, points: part.points, earned: null, status: null };
    if (job.resultJobId === null) {
      finished = false;
      return { partId: part.id, points: part.points, earned: null, status: null };
    }
    const status = job.status as GradeStatus;
    return { partId: part.id, points: part.points, earned: pointsFor(status, job.score, part.points), status };
  });
  return { parts: out, finished };
}

/** Brings one student's stored grade up to date, inside `tx` (see the file comment). */
export async function refreshAssignmentGrade(tx: DbTransaction, queue: JobQueue, key: GradeKey, now: string): Promise<void> {
  const where = { course_id: key.courseId, assignment_id: key.assignmentId, login: key.login };
  // The lock: refreshes of one student wait here for each other.
  await tx
    .insertInto('assignment_grades')
    .values({ ...where, submission_id: null, method: '', status: 'pending', raw_grade: null, detail: null, counts_at: null, updated_at: now })
    .onConflict((oc) => oc.columns(['course_id', 'assignment_id', 'login']).doUpdateSet({ updated_at: now }))
    .execute();
  const remove = () =>
    tx.deleteFrom('assignment_grades').where('course_id', '=', key.courseId).where('assignment_id', '=', key.assignmentId).where('login', '=', key.login).execute();
  const set = (values: { submission_id: string | null; method: string; status: string; raw_grade: number | null; detail: string | null; counts_at: string }) =>
    tx
      .updateTable('assignment_grades')
      .set({ ...values, updated_at: now })
      .where('course_id', '=', key.courseId)
      .where('assignment_id', '=', key.assignmentId)
      .where('login', '=', key.login)
      .execute();

  const assignment = await tx
    .selectFrom('assignments')
    .select(['trigger', 'autograde'])
    .where('course_id', '=', key.courseId)
    .where('id', '=', key.assignmentId)
    .executeTakeFirst();
  const work = assignment && (await countingWork(tx, key, assignment.trigger));
  if (!assignment || !work) {
    await remove();
    return;
  }
  const base = { submission_id: work.submissionId, method: assignment.autograde, counts_at: work.countsAt };
  if (work.submissionId === null) {
    await set({ ...base, status: 'no-submission', raw_grade: 0, detail: 'no submission' });
    return;
  }
  const { parts, finished } = await submissionParts(tx, key, work.submissionId);
  if (!finished) {
    await set({ ...base, status: 'pending', raw_grade: null, detail: null });
    return;
  }
  const method = autogradeMethod(assignment.autograde);
  if (method === undefined) {
    await set({ ...base, status: 'error', raw_grade: null, detail: `this server knows no autograde method '${assignment.autograde}'` });
    return;
  }
  const outcome = await method.grade(tx, { ...key, submissionId: work.submissionId, countsAt: work.countsAt, parts }, { queue, now });
  if (outcome.status === 'graded') await set({ ...base, status: 'graded', raw_grade: outcome.rawGrade, detail: outcome.detail });
  else if (outcome.status === 'error') await set({ ...base, status: 'error', raw_grade: null, detail: outcome.detail });
  else await set({ ...base, status: 'pending', raw_grade: null, detail: null });
}

/**
 * After a part result was stored: refreshes the grade of the student whose work it graded, when
 * that submission is the one that counts (author tests and superseded submissions change nothing).
 * `afterRefresh` runs in the refresh's transaction (the grade log's writer: grade-changes.ts).
 */
export async function refreshGradeOfSubmission(
  db: Db,
  queue: JobQueue,
  submissionId: string,
  now: string,
  afterRefresh?: (tx: DbTransaction, key: GradeKey) => Promise<void>,
): Promise<void> {
  const submission = await db
    .selectFrom('submissions as s')
    .innerJoin('assignments as a', (join) => join.onRef('a.course_id', '=', 's.course_id').onRef('a.id', '=', 's.assignment_id'))
    .select(['s.course_id', 's.assignment_id', 's.login', 's.kind', 'a.trigger'])
    .where('s.id', '=', submissionId)
    .executeTakeFirst();
  if (!submission || submission.kind !== 'student') return;
  const key = { courseId: submission.course_id, assignmentId: submission.assignment_id, login: submission.login };
  const counting = await countingWork(db, key, submission.trigger);
  if (counting?.submissionId !== submissionId) return;
  await runInTransaction(db, async (tx) => {
    await refreshAssignmentGrade(tx, queue, key, now);
    await afterRefresh?.(tx, key);
  });
}

/** Every stored grade of an assignment, brought up to date (its parts' points or its method changed). */
export async function refreshAssignmentGrades(tx: DbTransaction, queue: JobQueue, courseId: string, assignmentId: string, now: string): Promise<void> {
  const rows = await tx.selectFrom('assignment_grades').select('login').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).execute();
  for (const { login } of rows) await refreshAssignmentGrade(tx, queue, { courseId, assignmentId, login }, now);
}
