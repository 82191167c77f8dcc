import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Golden submissions (docs/course-workflow.md "Golden submissions"):
 * - `golden_submissions`: a submission staff pinned (a student's real one or an author-test
 *   sample), one pin per submission and assignment;
 * - `golden_expectations`: its expected result per part (a status, and points when graded), with
 *   who set it and how (`pinned`, or `accepted` when a publish took a changed result);
 * - `golden_runs`: which grading job graded the golden with which grader version. Each job runs on
 *   an author-test copy of the golden's files, never on a student's own submission.
 */
export const goldenMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('golden_submissions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id'))
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('pinned_by', 'text', (c) => c.notNull())
      .addColumn('pinned_at', 'text', (c) => c.notNull())
      .addForeignKeyConstraint('golden_submissions_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .addUniqueConstraint('golden_submissions_once', ['course_id', 'assignment_id', 'submission_id'])
      .execute();

    await db.schema
      .createTable('golden_expectations')
      .addColumn('golden_id', 'text', (c) => c.notNull().references('golden_submissions.id').onDelete('cascade'))
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('part_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('points', 'double precision')
      .addColumn('how', 'text', (c) => c.notNull())
      .addColumn('set_by', 'text', (c) => c.notNull())
      .addColumn('set_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('golden_expectations_pk', ['golden_id', 'part_id'])
      .addForeignKeyConstraint('golden_expectations_part_fk', ['course_id', 'assignment_id', 'part_id'], 'parts', ['course_id', 'assignment_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();

    await db.schema
      .createTable('golden_runs')
      .addColumn('golden_id', 'text', (c) => c.notNull().references('golden_submissions.id').onDelete('cascade'))
      .addColumn('grader_version_id', 'text', (c) => c.notNull())
      .addColumn('part_id', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull().references('grading_jobs.id').onDelete('cascade'))
      .addColumn('submission_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('golden_runs_pk', ['golden_id', 'grader_version_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('golden_runs').execute();
    await db.schema.dropTable('golden_expectations').execute();
    await db.schema.dropTable('golden_submissions').execute();
  },
};
