/**
 * Where a submission's grading stands, part by part, for the person who submitted it: the phase
 * of each part's newest job and, while it waits, how many jobs wait before it. The readers of the
 * submission (its student, the course's staff) may ask; the same rule as reading the submission.
 */
import type { PlatformContext } from './context.ts';
import type { Actor, JobPhase } from './model.ts';
import { readableSubmission } from './submission-reads.ts';

export interface PartProgress {
  partId: string;
  phase: JobPhase;
  /**
   * While queued: jobs waiting to be claimed that come first by priority and age. An estimate:
   * claims are also fair between courses and students, which may move this job up.
   */
  waitingAhead: number | null;
}

export async function getGradingProgress(ctx: PlatformContext, actor: Actor, submissionId: string): Promise<PartProgress[]> {
  await readableSubmission(ctx, actor, submissionId);
  const jobs = await ctx.db
    .selectFrom('grading_jobs')
    .leftJoin('queue_jobs', 'queue_jobs.id', 'grading_jobs.id')
    .select(['grading_jobs.part_id', 'grading_jobs.phase', 'grading_jobs.queued_at', 'queue_jobs.priority', 'queue_jobs.enqueued_at', 'queue_jobs.leased_by'])
    .where('grading_jobs.submission_id', '=', submissionId)
    .orderBy('grading_jobs.queued_at')
    .execute();
  // The newest job of each part (a regrade adds one) says where it stands.
  const newest = new Map<string, (typeof jobs)[number]>();
  for (const job of jobs) newest.set(job.part_id, job);
  const progress: PartProgress[] = [];
  for (const job of newest.values()) {
    let waitingAhead: number | null = null;
    if (job.phase === 'queued' && job.priority !== null && job.enqueued_at !== null && job.leased_by === null) {
      const { priority, enqueued_at: enqueuedAt } = job;
      const row = await ctx.db
        .selectFrom('queue_jobs')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('leased_by', 'is', null)
        .where((eb) => eb.or([eb('priority', '<', priority), eb.and([eb('priority', '=', priority), eb('enqueued_at', '<', enqueuedAt)])]))
        .executeTakeFirstOrThrow();
      waitingAhead = Number(row.n);
    }
    progress.push({ partId: job.part_id, phase: job.phase as JobPhase, waitingAhead });
  }
  return progress;
}
