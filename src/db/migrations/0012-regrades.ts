import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Regrades (docs/course-workflow.md, "Regrade"): one `regrades` row per regrade of an assignment,
 * and on `grading_jobs` the regrade a job belongs to and a `shadow` flag. A shadow job's result is
 * invisible to every reader of "a submission's newest job per part" (src/platform/official-jobs.ts)
 * until it is made official: at once for a regrade, by `apply` for a dry run.
 * `open` is 1 while a regrade runs or a dry run waits for apply/discard, else null: the unique
 * index (nulls are distinct on both dialects) allows one open regrade per assignment.
 */
export const regradesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('regrades')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('selection', 'text', (c) => c.notNull())
      .addColumn('grader', 'text', (c) => c.notNull())
      .addColumn('versions', 'text', (c) => c.notNull())
      .addColumn('basis', 'text', (c) => c.notNull())
      .addColumn('dry_run', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('open', 'integer')
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('closed_by', 'text')
      .addColumn('closed_at', 'text')
      .addForeignKeyConstraint('regrades_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('regrades_open_idx').on('regrades').columns(['course_id', 'assignment_id', 'open']).unique().execute();
    await db.schema.alterTable('grading_jobs').addColumn('regrade_id', 'text').execute();
    await db.schema.alterTable('grading_jobs').addColumn('shadow', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('grading_jobs_regrade_idx').on('grading_jobs').column('regrade_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('grading_jobs_regrade_idx').execute();
    await db.schema.alterTable('grading_jobs').dropColumn('shadow').execute();
    await db.schema.alterTable('grading_jobs').dropColumn('regrade_id').execute();
    await db.schema.dropTable('regrades').execute();
  },
};
