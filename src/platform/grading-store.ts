/**
 * The worker's view of the platform (src/worker/grading-store.ts) over the same database: load a
 * claimed job, record its phases, store its result exactly once, and tell waiting clients. An
 * assignment's autograde job (`agj_…`) is loaded and saved by autograde-jobs.ts, a test run of an
 * autograde grader (`agt_…`) by autograde-tests.ts.
 */
import type { Db } from '../db/database.ts';
import { isForeignKeyViolation } from '../db/errors.ts';
import type { StoredResult } from '../grader/stored-result.ts';
import { sortManifest } from '../intake/manifest.ts';
import type { GradingStore, JobContext } from '../worker/grading-store.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { refreshGradeOfSubmission } from './assignment-grades.ts';
import { recordGradeChanges } from './grade-changes.ts';
import { countAutogradeAttempt, isAutogradeJob, loadAutogradeJob, noteAutogradeSystemError, saveAutogradeResult } from './autograde-jobs.ts';
import { countAutogradeTestAttempt, isAutogradeTestJob, loadAutogradeTestJob, noteAutogradeTestSystemError, saveAutogradeTestResult } from './autograde-tests.ts';
import type { JobPhase } from './model.ts';
import { regradeResultStored } from './regrade-results.ts';
import { jobGraderFromRow, PHASE_COLUMNS } from './rows.ts';
import type { SubmissionEvents } from './submission-events.ts';
import { submissionStatus } from './submission-views.ts';

export interface GradingStoreOptions {
  db: Db;
  /** Where refreshed grades queue their autograde jobs. */
  queue: JobQueue;
  events: SubmissionEvents;
  now?: () => Date;
}

export function createGradingStore(options: GradingStoreOptions): GradingStore {
  const { db, events, queue } = options;
  const now = options.now ?? (() => new Date());

  async function tell(submissionId: string, partId: string, phase: JobPhase): Promise<void> {
    // Only a finished job can finish its submission; before that it is grading for sure.
    const status = phase === 'done' ? await submissionStatus(db, submissionId) : 'grading';
    events.emit({ submissionId, partId, phase, status });
  }

  return {
    async loadJob(jobId: string): Promise<JobContext | undefined> {
      if (isAutogradeJob(jobId)) return loadAutogradeJob(db, jobId);
      if (isAutogradeTestJob(jobId)) return loadAutogradeTestJob(db, jobId);
      const row = await db
        .selectFrom('grading_jobs as j')
        .innerJoin('submissions as s', 's.id', 'j.submission_id')
        .innerJoin('users as u', 'u.login', 's.login')
        .innerJoin('assignments as a', (join) => join.onRef('a.course_id', '=', 's.course_id').onRef('a.id', '=', 's.assignment_id'))
        .innerJoin('parts as p', (join) => join.onRef('p.course_id', '=', 's.course_id').onRef('p.assignment_id', '=', 's.assignment_id').onRef('p.id', '=', 'j.part_id'))
        .innerJoin('grader_versions as g', 'g.id', 'j.grader_version_id')
        .leftJoin('results as r', 'r.job_id', 'j.id')
        .select([
          'j.id as jobId',
          's.id as submissionId',
          's.submitted_at',
          's.login',
          'u.display_name',
          's.course_id',
          's.assignment_id',
          'a.title as assignmentTitle',
          'a.deadline',
          'j.part_id',
          'p.points',
          'g.id as versionId',
          'g.image_id',
          'g.protocol',
          'g.run_as',
          'g.script_path',
          'g.script_args',
          'g.cpus',
          'g.memory_mib',
          'g.timeout_seconds',
          'r.job_id as resultJobId',
          'j.system_errors',
        ])
        .where('j.id', '=', jobId)
        .executeTakeFirst();
      if (!row) return undefined;
      const files = sortManifest(await db.selectFrom('submission_files').select(['path', 'size', 'digest']).where('submission_id', '=', row.submissionId).execute());
      return {
        jobId: row.jobId,
        submissionId: row.submissionId,
        files,
        submittedAt: new Date(row.submitted_at),
        login: row.login,
        displayName: row.display_name,
        courseId: row.course_id,
        assignmentId: row.assignment_id,
        assignmentTitle: row.assignmentTitle,
        deadline: row.deadline === null ? null : new Date(row.deadline),
        partId: row.part_id,
        points: row.points,
        grader: jobGraderFromRow(row.versionId, row),
        hasResult: row.resultJobId !== null,
        systemErrors: row.system_errors,
      };
    },

    async setPhase(jobId: string, phase: JobPhase): Promise<void> {
      if (isAutogradeJob(jobId)) {
        if (phase === 'preparing') await countAutogradeAttempt(db, jobId);
        return;
      }
      if (isAutogradeTestJob(jobId)) {
        if (phase === 'preparing') await countAutogradeTestAttempt(db, jobId);
        return;
      }
      // A done job stays done: a late or duplicate delivery must not make it look unfinished.
      const row = await db
        .updateTable('grading_jobs')
        .set((eb) => ({
          phase,
          [PHASE_COLUMNS[phase]]: now().toISOString(),
          // Every delivery starts by preparing: that counts the attempts, and the lease names its worker.
          ...(phase === 'preparing' ? { attempts: eb('attempts', '+', 1), worker: eb.selectFrom('queue_jobs').select('leased_by').where('id', '=', jobId) } : {}),
        }))
        .where('id', '=', jobId)
        .where('phase', '!=', 'done')
        .returning(['submission_id', 'part_id', 'shadow'])
        .executeTakeFirst();
      // A shadow job's phases are nobody's business but the regrade's (its progress is read from the jobs).
      if (row && row.shadow === 0) await tell(row.submission_id, row.part_id, phase);
    },

    async saveResult(jobId: string, result: StoredResult): Promise<boolean> {
      const at = now().toISOString();
      if (isAutogradeJob(jobId)) return saveAutogradeResult(db, queue, jobId, result, at);
      if (isAutogradeTestJob(jobId)) return saveAutogradeTestResult(db, jobId, result, at);
      const job = await db.selectFrom('grading_jobs').select(['submission_id', 'part_id', 'regrade_id']).where('id', '=', jobId).executeTakeFirst();
      if (!job) return false;
      // One statement, no transaction: ON CONFLICT DO NOTHING makes a concurrent duplicate insert
      // nothing on both dialects (on PostgreSQL it waits for the first, then does nothing), and
      // no transaction is held across awaits (two SQLite connections in one thread would stall).
      const inserted = await db
        .insertInto('results')
        .values({
          job_id: jobId,
          submission_id: job.submission_id,
          status: result.status,
          score: result.score,
          result: result.json,
          result_gzip: result.gzip,
          result_bytes: result.bytes,
          created_at: at,
        })
        .onConflict((oc) => oc.column('job_id').doNothing())
        .executeTakeFirst()
        .catch((error: unknown) => {
          // The job was removed meanwhile: nothing to store it for.
          if (isForeignKeyViolation(error)) return undefined;
          throw error;
        });
      const stored = inserted !== undefined && (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
      // Also on a duplicate: a worker that died between the insert and this update left the phase behind.
      const moved = await db.updateTable('grading_jobs').set({ phase: 'done', done_at: at }).where('id', '=', jobId).where('phase', '!=', 'done').executeTakeFirst();
      if (job.regrade_id !== null) {
        // A regrade's job: official now, or a dry run's shadow result nobody is told of (regrade-results.ts).
        if (stored || moved.numUpdatedRows > 0n) {
          if (await regradeResultStored(db, queue, { id: jobId, submission_id: job.submission_id, regrade_id: job.regrade_id }, at)) await tell(job.submission_id, job.part_id, 'done');
        }
        return stored;
      }
      if (stored || moved.numUpdatedRows > 0n) {
        // The student's assignment grade may now be complete (a duplicate delivery refreshes it too:
        // the first may have died before it did).
        await refreshGradeOfSubmission(db, queue, job.submission_id, at, (tx, key) =>
          recordGradeChanges(tx, { now: () => new Date(at) }, { ...key, logins: [key.login] }, 'grader-result', null, null).then(() => undefined),
        );
        await tell(job.submission_id, job.part_id, 'done');
      }
      return stored;
    },

    async noteSystemError(jobId: string, attempt: number, error: string): Promise<void> {
      if (isAutogradeJob(jobId)) return noteAutogradeSystemError(db, jobId, attempt, error);
      if (isAutogradeTestJob(jobId)) return noteAutogradeTestSystemError(db, jobId, attempt, error);
      await db
        .updateTable('grading_jobs')
        .set((eb) => ({
          last_error: error,
          attempts: eb.case().when('attempts', '<', attempt).then(attempt).else(eb.ref('attempts')).end(),
          system_errors: eb('system_errors', '+', 1),
        }))
        .where('id', '=', jobId)
        .execute();
    },
  };
}
