/**
 * An assignment's submission limits (course file `maxSubmissions`, `minIntervalSeconds`): how
 * many submissions each student may make, and how long they wait between two. Staff are exempt.
 * A submission counts from the moment it is recorded (still being graded included), unless
 * gradebox itself failed it: one of its parts ended in `grader-error` on a job where gradebox noted
 * a failure of its own (system errors used every attempt, workers died on it every claim, its
 * grader image lost from the store: src/worker/run-job.ts notes each), no fault of the student's.
 * A grader that crashes on its own, or cannot run at all (the author's fault), still counts.
 * Checked before the files are received, and again in the submission's transaction.
 * Every refusal is 429: `submission-too-soon` with `Retry-After` and `nextAllowedAt`, or
 * `submission-limit` with `nextAllowedAt: null` and no `Retry-After` (only the staff can help).
 */
import type { DbExecutor } from '../db/database.ts';
import { dialectOf } from '../db/dialect-of.ts';
import { QuotaExhausted, TooManyRequests } from './errors.ts';
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
 * Throws when `who` may not submit now: QuotaExhausted `submission-limit` (429, `nextAllowedAt:
 * null`) once every allowed submission is made, TooManyRequests `submission-too-soon` (429, with
 * when the next is allowed) within the minimum interval. Callers skip it for staff.
 */
export async function checkSubmissionLimits(db: DbExecutor, who: Submitter, limits: SubmissionLimits, now: Date): Promise<void> {
  if (!hasLimits(limits)) return;
  const { used, last } = await countedSubmissions(db, who);
  const { maxSubmissions, minIntervalSeconds } = limits;
  if (maxSubmissions !== null && used >= maxSubmissions) {
    throw new QuotaExhausted(
      'submission-limit',
      `${who.assignmentId} allows ${maxSubmissions} submission${maxSubmissions === 1 ? '' : 's'} and you have made them all; no further submission will be accepted: ask your instructors or TAs if you need another`,
      { maxSubmissions, used, nextAllowedAt: null },
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
