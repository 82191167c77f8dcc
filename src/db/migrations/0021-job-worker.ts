import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * `grading_jobs.worker`: the worker that took the job's last attempt (its queue lease's holder
 * when the attempt started), kept once the job is done and its lease gone, so that staff can
 * tell where a result was computed. Null for jobs finished before it was recorded.
 */
export const jobWorkerMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('grading_jobs').addColumn('worker', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('grading_jobs').dropColumn('worker').execute();
  },
};
