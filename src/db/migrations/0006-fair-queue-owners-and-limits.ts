import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Fair scheduling and submission limits:
 * - each queued job names its owner (the submitting user's login) and course; jobs queued before
 *   this migration get them from their submission;
 * - `queue_owners` has one row per priority, course and owner with jobs in the queue (and how
 *   many), so a claim ranks owners, not jobs: a flood of one owner's jobs costs one row;
 * - `queue_service` remembers when each course and each owner last had a job claimed;
 * - an assignment may cap a student's submissions and space them out.
 */
export const fairQueueMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('queue_jobs').addColumn('owner', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('queue_jobs').addColumn('course', 'text', (c) => c.notNull().defaultTo('')).execute();
    // Correlated subqueries: the one UPDATE form both dialects run.
    await sql`
      update queue_jobs set
        owner = coalesce((select s.login from grading_jobs j join submissions s on s.id = j.submission_id where j.id = queue_jobs.id), ''),
        course = coalesce((select s.course_id from grading_jobs j join submissions s on s.id = j.submission_id where j.id = queue_jobs.id), '')
    `.execute(db);
    // An owner's oldest job first, and each owner's next job found without scanning the others'.
    await db.schema.createIndex('queue_jobs_owner_idx').on('queue_jobs').columns(['priority', 'course', 'owner', 'enqueued_at', 'id']).execute();

    await db.schema
      .createTable('queue_owners')
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('course', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('queued', 'integer', (c) => c.notNull())
      .addColumn('since', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('queue_owners_pk', ['priority', 'course', 'owner'])
      .execute();
    await sql`
      insert into queue_owners (priority, course, owner, queued, since)
      select priority, course, owner, count(*), min(enqueued_at) from queue_jobs group by priority, course, owner
    `.execute(db);

    await db.schema
      .createTable('queue_service')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('served_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('queue_service_pk', ['kind', 'name'])
      .execute();

    await db.schema.alterTable('assignments').addColumn('max_submissions', 'integer').execute();
    await db.schema.alterTable('assignments').addColumn('min_interval_seconds', 'integer').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('assignments').dropColumn('min_interval_seconds').execute();
    await db.schema.alterTable('assignments').dropColumn('max_submissions').execute();
    await db.schema.dropTable('queue_service').execute();
    await db.schema.dropTable('queue_owners').execute();
    await db.schema.dropIndex('queue_jobs_owner_idx').execute();
    await db.schema.alterTable('queue_jobs').dropColumn('course').execute();
    await db.schema.alterTable('queue_jobs').dropColumn('owner').execute();
  },
};
