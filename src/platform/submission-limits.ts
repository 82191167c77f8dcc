/**
 * An assignment's submission limits (course file `maxSubmissions`, `minIntervalSeconds`): how
 * many submissions each student may make, and how long they wait between two. Staff are exempt.
 * A submission counts unless gradebox itself failed it: one of its parts ended in `grader-error`
 * after system errors (the sandbox could not start, …), which is no fault of the student's.
 * Checked before the files are received, and again in the submission's transaction.
 */
import type { DbExecutor } from '../db/database.ts';
import { dialectOf } from '../db/dialect-of.ts';
import { Conflict, TooManyRequests } from './errors.ts';
import { officialJob } from './official-jobs.ts';
import type { SubmissionLimits } from './model.ts';

const hasLimits = (limits: SubmissionLimits): boolean => limits.maxSubmissions !== null || limits.minIntervalSeconds !== null;

interface Submitter {
  courseId: string;
  assignmentId: string;
  login: string;
}

/** The student's submissions that count: how many, and when the newest was made. */
async function countedSubmissions(db: DbExecutor, who: Submitter): Promise<{ used: number; last: string | null }> {
  const row = await db
    .selectFrom('submissions as s')
    .select((eb) => [eb.fn.countAll<number | string>().as('used'), eb.fn.max('s.submitted_at').as('last')])
    .where('s.course_id', '=', who.courseId)
    .where('s.assignment_id', '=', who.assignmentId)
    .where('s.login', '=', who.login)
    .where('s.kind', '=', 'student')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('grading_jobs as j')
            .innerJoin('results as r', 'r.job_id', 'j.id')
            .select('j.id')
            .whereRef('j.submission_id', '=', 's.id')
            .where(officialJob('j'))
            .where('r.status', '=', 'grader-error')
            .where('j.system_errors', '>', 0),
        ),
      ),
    )
    .executeTakeFirstOrThrow();
  return { used: Number(row.used), last: row.last ?? null };
}

/**
 * Throws when `who` may not submit now: Conflict `submission-limit` (409) once every allowed
 * submission is made, TooManyRequests `submission-too-soon` (429, with when the next is allowed)
 * within the minimum interval. Callers skip it for staff.
 */
export async function checkSubmissionLimits(db: DbExecutor, who: Submitter, limits: SubmissionLimits, now: Date): Promise<void> {
  if (!hasLimits(limits)) return;
  const { used, last } = await countedSubmissions(db, who);
  const { maxSubmissions, minIntervalSeconds } = limits;
  if (maxSubmissions !== null && used >= maxSubmissions) {
    throw new Conflict(
      'submission-limit',
      `${who.assignmentId} allows ${maxSubmissions} submission${maxSubmissions === 1 ? '' : 's'} and you have made them all; ask your instructors if you need another`,
      { maxSubmissions, used },
    );
  }
  if (minIntervalSeconds !== null && last !== null) {
    const nextAt = new Date(Date.parse(last) + minIntervalSeconds * 1000);
    const waitMs = nextAt.getTime() - now.getTime();
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      throw new TooManyRequests(
        'submission-too-soon',
        `${who.assignmentId} allows one submission every ${minIntervalSeconds} s; submit again in ${retryAfterSeconds} s (at ${nextAt.toISOString()})`,
        retryAfterSeconds,
        { minIntervalSeconds, nextAllowedAt: nextAt.toISOString(), ...(maxSubmissions === null ? {} : { maxSubmissions, used }) },
      );
    }
  }
}

/**
 * In the submission's transaction: makes concurrent submissions of one student wait for each
 * other before they count (PostgreSQL locks the membership row; SQLite has one writer already),
 * so two uploads at once cannot both take the last allowed submission.
 */
export async function serializeSubmitter(tx: DbExecutor, who: Submitter): Promise<void> {
  if (dialectOf(tx) !== 'postgres') return;
  await tx.selectFrom('memberships').select('login').where('course_id', '=', who.courseId).where('login', '=', who.login).forUpdate().execute();
}
