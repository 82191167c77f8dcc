import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * `robustness_cases`: the hostile cases of a robustness check run on the server (the web page's
 * "Check robustness", src/grader-check/server-check.ts), one row per case of a check. The report
 * is derived from the cases' author-test submissions and their results, read through Platform;
 * this table only says which submission carried which case (or why a case was skipped), so any
 * server on the database can show the report. Whether full marks could be right depends on the
 * sample, which is not kept, so it is decided when the check starts.
 */
export const robustnessCasesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('robustness_cases')
      .addColumn('check_id', 'text', (c) => c.notNull())
      .addColumn('case_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('part_id', 'text', (c) => c.notNull())
      .addColumn('grader_version_id', 'text', (c) => c.notNull().references('grader_versions.id').onDelete('cascade'))
      .addColumn('requested_by', 'text', (c) => c.notNull().references('users.login'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      // The author-test submission that carried the case; null when the case was skipped.
      .addColumn('submission_id', 'text', (c) => c.references('submissions.id').onDelete('cascade'))
      .addColumn('skipped', 'text')
      .addColumn('full_marks_possible', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('robustness_cases_pk', ['check_id', 'case_id'])
      .addForeignKeyConstraint('robustness_cases_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('robustness_cases_assignment_idx').on('robustness_cases').columns(['course_id', 'assignment_id', 'created_at']).execute();
    await db.schema.createIndex('robustness_cases_submission_idx').on('robustness_cases').column('submission_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('robustness_cases').execute();
  },
};
