/**
 * Every grading job of a submission, for its course's staff: official ones and the rest (a
 * regrade's, a dry run's shadow jobs, author-test runs), each with its phases, attempts, the worker
 * holding it now and its whole result. The staff part of the submission page reads this; students
 * never do (403), so hidden tests and the grader's output cannot reach them through it.
 */
import type { PlatformContext } from './context.ts';
import { Forbidden } from './errors.ts';
import type { Actor, GradingJob, PartResult } from './model.ts';
import { staffResultView } from './result-views.ts';
import { jobFromRow } from './rows.ts';
import { readableSubmission } from './submission-reads.ts';

/** One job as staff see it on a submission's page. */
export interface StaffJob extends GradingJob {
  /** The grader version's number in its part (v3). */
  graderNumber: number | null;
  /** The regrade that queued it; null for the submission's own grading. */
  regradeId: string | null;
  /** A dry run's result, not official (invisible to students and grades). */
  shadow: boolean;
  /** System errors that made it run again. */
  systemErrors: number;
  /** The worker whose lease it holds now, or, once done, the one that took its last attempt; null when none did (or before that was recorded). */
  worker: string | null;
  /** The whole result (staff view), once stored. */
  result: PartResult | null;
}

export interface SubmissionJobs {
  submissionId: string;
  /** Whose submission it is. */
  owner: { login: string; displayName: string };
  /** Oldest first, all parts. */
  jobs: StaffJob[];
}

export async function listSubmissionJobs(ctx: PlatformContext, actor: Actor, submissionId: string): Promise<SubmissionJobs> {
  const { row, request } = await readableSubmission(ctx, actor, submissionId);
  if (request.viewer !== 'staff') throw new Forbidden(`only instructors and TAs of ${row.course_id} may see grading jobs`);
  const [owner, jobs, results] = await Promise.all([
    ctx.db.selectFrom('users').select(['login', 'display_name']).where('login', '=', row.login).executeTakeFirst(),
    ctx.db
      .selectFrom('grading_jobs as j')
      .leftJoin('grader_versions as g', 'g.id', 'j.grader_version_id')
      .leftJoin('queue_jobs as q', 'q.id', 'j.id')
      .leftJoin('parts as p', (join) => join.on('p.course_id', '=', row.course_id).on('p.assignment_id', '=', row.assignment_id).onRef('p.id', '=', 'j.part_id'))
      .selectAll('j')
      .select(['g.number as graderNumber', 'q.leased_by as leasedBy', 'p.points as partPoints'])
      .where('j.submission_id', '=', submissionId)
      .orderBy('j.queued_at')
      .orderBy('j.id')
      .execute(),
    ctx.db.selectFrom('results').selectAll().where('submission_id', '=', submissionId).execute(),
  ]);
  const byJob = new Map(results.map((r) => [r.job_id, r]));
  return {
    submissionId,
    owner: { login: row.login, displayName: owner?.display_name ?? row.login },
    jobs: jobs.map((j) => {
      const { graderNumber, leasedBy, partPoints, ...jobRow } = j;
      const stored = byJob.get(j.id);
      return {
        ...jobFromRow(jobRow),
        graderNumber: graderNumber ?? null,
        regradeId: j.regrade_id,
        shadow: j.shadow === 1,
        systemErrors: j.system_errors,
        worker: j.phase === 'done' ? j.worker : (leasedBy ?? null),
        // Staff see every test (hidden ones too) and the output, as the API gives them.
        result: stored === undefined ? null : staffResultView(stored, { points: partPoints ?? 0, deadline: null, now: request.now }),
      };
    }),
  };
}
