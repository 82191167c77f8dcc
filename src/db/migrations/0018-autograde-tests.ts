import { PostgresAdapter, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * `autograde_tests`: staff's test runs of an assignment's autograde grader (Codio's "Test Autograde
 * Script"): one version run on a sample (an `author-test` submission) with part results the author
 * simulates, queued in the grading queue under its `agt_…` id. Kept apart from `autograde_jobs`,
 * which students' grades read, so a test can never become anyone's grade. It keeps the simulated
 * results, the script's grade (or why none) and its whole result (stdout and stderr included,
 * stored like `results`: JSON, gzip-compressed when big).
 */
export const autogradeTestsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
    await db.schema
      .createTable('autograde_tests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id').onDelete('cascade'))
      .addColumn('grader_id', 'text', (c) => c.notNull().references('autograde_graders.id').onDelete('cascade'))
      .addColumn('requested_by', 'text', (c) => c.notNull().references('users.login'))
      // JSON: [{ part, points, earned }] as the script is told (earned null: not answered).
      .addColumn('part_results', 'text', (c) => c.notNull())
      .addColumn('queued_at', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('system_errors', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      // Set once, when the run ends: `graded` with raw_grade, or `error` with detail.
      .addColumn('status', 'text')
      .addColumn('raw_grade', 'double precision')
      .addColumn('detail', 'text')
      .addColumn('result', 'text')
      .addColumn('result_gzip', bytes)
      .addColumn('done_at', 'text')
      .addForeignKeyConstraint('autograde_tests_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('autograde_tests_submission_idx').on('autograde_tests').column('submission_id').execute();
    await db.schema.createIndex('autograde_tests_grader_idx').on('autograde_tests').column('grader_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('autograde_tests').execute();
  },
};
