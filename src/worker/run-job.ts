import { gradeStored } from '../grader/grade-stored.ts';
import { serviceGradeRequest } from '../grader/service-grade-request.ts';
import { encodeResult, type StoredResult } from '../grader/stored-result.ts';
import type { BlobStore } from '../image/blob-store.ts';
import { ImageError } from '../image/image.ts';
import type { ImageStore } from '../image/image-store.ts';
import { listedSubmission } from '../intake/listed-submission.ts';
import type { ClaimedJob, JobQueue } from '../queue/job-queue.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { failureResult } from './failure-result.ts';
import type { GradingStore, JobContext } from './grading-store.ts';
import { LeaseHeartbeat } from './lease-heartbeat.ts';
import type { WorkerLog } from './worker-log.ts';

export interface JobRunnerDeps {
  queue: JobQueue;
  store: GradingStore;
  /** Where submissions' files are. */
  blobs: BlobStore;
  /** Where grader images are. */
  images: ImageStore;
  sandbox: Sandbox;
  workerId: string;
  leaseMs: number;
  /** System errors tolerated per job; the last one turns into a `grader-error` result. */
  maxAttempts: number;
  /** Delay before the job runs again after the n-th system error (the last entry repeats). */
  retryDelaysMs: readonly number[];
  /** Claims after which a job that never finished (its workers died or stopped each time) is given up. */
  maxClaims: number;
  log: WorkerLog;
}

/** How the pool lets a job's grader start, and learns that it has finished. */
export interface JobGate {
  /** Resolves once the pool has reserved the grader's share; until then the job only prepares. */
  admitted: Promise<void>;
  /** Called once the grader's sandbox is gone and the job is `reporting`, before the result is saved. */
  graded(): void;
}

const OPEN_GATE: JobGate = { admitted: Promise.resolve(), graded: () => undefined };

/** How a run ended for the pool: only `given-back` is not the job's own outcome. */
export type JobEnd = 'completed' | 'retried' | 'failed' | 'given-back' | 'lease-lost' | 'abandoned';

/**
 * Runs one claimed job to its end:
 * - a job that is gone, or already has a result (a duplicate delivery), is only completed;
 * - otherwise: phase `preparing` (image, root filesystem, the submission's files listed from the
 *   blob store), `running` (`grade()`, whose sandbox copies the files straight from their blobs),
 *   `reporting` (save the result), then complete it in the queue;
 * - a missing image, or an image grade() finds unusable, is a `grader-error` result at once;
 * - anything else that throws is a system error: noted, and the job runs again after a backoff,
 *   until the `maxAttempts`-th, which saves a `grader-error` result saying why;
 * - `stop` aborting (the pool stops without draining) gives the job back at once, uncounted;
 * - a lost lease aborts the run and saves nothing: another worker owns the job now.
 * Never throws. The grader starts only once `gate`
 * admits it, and `gate.graded` frees its share for the next job while this one reports (the pool
 * frees it itself on every other path).
 */
export async function runJob(job: ClaimedJob, deps: JobRunnerDeps, stop: AbortSignal, gate: JobGate = OPEN_GATE): Promise<JobEnd> {
  const { queue, store, workerId, log } = deps;
  const lease = new LeaseHeartbeat(queue, job.jobId, workerId, deps.leaseMs, log);
  const signal = AbortSignal.any([stop, lease.signal]);
  let context: JobContext | undefined;
  try {
    context = await store.loadJob(job.jobId);
    if (context === undefined || context.hasResult) {
      log.info({ jobId: job.jobId, attempt: job.attempt }, context === undefined ? 'job no longer exists' : 'job already has a result');
      await queue.complete(job.jobId, workerId);
      return 'completed';
    }
    const result =
      job.attempt > deps.maxClaims
        ? await gradeboxFailed(context, store, `gradebox gave up after the job was claimed ${job.attempt - 1} times without finishing (workers stopped or died while running it)`)
        : await prepareAndGrade(context, deps, signal, gate.admitted);
    signal.throwIfAborted();
    await store.setPhase(job.jobId, 'reporting');
    gate.graded();
    await store.saveResult(job.jobId, result);
    await queue.complete(job.jobId, workerId);
    log.info({ jobId: job.jobId, attempt: job.attempt, status: result.status }, 'job graded');
    return 'completed';
  } catch (error) {
    if (stop.aborted) return giveBack(job, deps);
    if (lease.lost) {
      log.warn({ jobId: job.jobId, attempt: job.attempt, reason: String(lease.signal.reason) }, 'lease lost; the run was abandoned');
      return 'lease-lost';
    }
    return systemError(job, context, error, deps);
  } finally {
    lease.stop();
  }
}

/**
 * Phases `preparing` and (once admitted) `running`: everything up to the grader's result, already
 * in its stored form (a big one is read and encoded off the event loop: see grade-stored.ts).
 */
async function prepareAndGrade(context: JobContext, deps: JobRunnerDeps, signal: AbortSignal, admitted: Promise<void>): Promise<StoredResult> {
  const { store, images } = deps;
  await store.setPhase(context.jobId, 'preparing');
  const image = await images.get(context.grader.imageId);
  if (image === undefined) {
    return gradeboxFailed(context, store, `the grader image ${context.grader.imageId} is not in this server's image store; upload the grader again`);
  }
  const rootfs = await images.rootfs(image, { signal });
  const submissionFiles = listedSubmission(deps.blobs, context.files);
  await untilAdmitted(admitted, signal);

  await store.setPhase(context.jobId, 'running');
  const { grader } = context;
  try {
    return await gradeStored(
      {
        image,
        rootfs,
        submissionFiles,
        ...serviceGradeRequest({
          partId: context.partId,
          login: context.login,
          displayName: context.displayName,
          courseId: context.courseId,
          submissionId: context.submissionId,
          submittedAt: context.submittedAt,
          assignment: { id: context.assignmentId, title: context.assignmentTitle, deadline: context.deadline },
          partPoints: context.points,
          grader,
          ...(context.autogradeEnv !== undefined ? { autogradeEnv: context.autogradeEnv } : {}),
        }),
      },
      { sandbox: deps.sandbox },
      signal,
    );
  } catch (error) {
    // An image with nothing to run, or limits no sandbox can honour, fail the same way every time:
    // the author's fault, shown to them now rather than after pointless retries.
    if (!signal.aborted && (error instanceof ImageError || error instanceof RangeError)) {
      return encodeResult(failureResult(context, `the grader cannot run: ${error.message}`));
    }
    throw error;
  }
}

/**
 * The `grader-error` result of a job gradebox itself failed, noted as a system error of the job
 * first: such a submission does not count against the student's submission limit
 * (src/platform/submission-limits.ts), since the student is not to blame.
 */
async function gradeboxFailed(context: JobContext, store: GradingStore, problem: string): Promise<StoredResult> {
  await store.noteSystemError(context.jobId, context.systemErrors + 1, problem);
  return encodeResult(failureResult(context, problem));
}

/** Waits for the pool to admit the job; throws the abort reason if the run is aborted first. */
async function untilAdmitted(admitted: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([admitted, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The pool stops: the job goes back to the queue, runnable at once, not counted as an attempt. */
async function giveBack(job: ClaimedJob, deps: JobRunnerDeps): Promise<JobEnd> {
  try {
    await deps.queue.retry(job.jobId, deps.workerId, 0, 'the worker stopped before the job finished');
    deps.log.info({ jobId: job.jobId, attempt: job.attempt }, 'job given back');
    return 'given-back';
  } catch (err) {
    // The lease runs out by itself and the job is claimed again.
    deps.log.error({ jobId: job.jobId, err }, 'could not give the job back');
    return 'abandoned';
  }
}

/** Notes a system error and retries after a backoff, or, at the last attempt, stores a grader-error result. */
async function systemError(job: ClaimedJob, context: JobContext | undefined, error: unknown, deps: JobRunnerDeps): Promise<JobEnd> {
  const { queue, store, workerId, log } = deps;
  const message = describeError(error);
  // Counted by the platform (given-back runs excluded) when it says, else by the queue's claims.
  const attempt = (context?.systemErrors ?? job.attempt - 1) + 1;
  log.warn({ jobId: job.jobId, attempt, err: error }, 'system error while grading');
  try {
    await store.noteSystemError(job.jobId, attempt, message);
    // Without its context (the database failed to load it) the job cannot get a result: keep retrying.
    if (context !== undefined && attempt >= deps.maxAttempts) {
      const why = `gradebox could not run the grader after ${attempt} attempt${attempt === 1 ? '' : 's'}; the last error: ${message}`;
      await store.saveResult(job.jobId, encodeResult(failureResult(context, why)));
      await queue.complete(job.jobId, workerId);
      return 'failed';
    }
    const delays = deps.retryDelaysMs;
    const delay = delays[Math.min(attempt, delays.length) - 1] ?? 0;
    await queue.retry(job.jobId, workerId, delay, message);
    return 'retried';
  } catch (err) {
    log.error({ jobId: job.jobId, err }, 'could not record a system error; the lease will run out and the job run again');
    return 'abandoned';
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const hint = (error as { hint?: unknown }).hint;
  return `${error.name}: ${error.message}${typeof hint === 'string' ? ` (${hint})` : ''}`;
}
