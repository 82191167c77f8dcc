import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The `script` autograde method (docs/course-workflow.md):
 * - `autograde_graders`: an assignment's own grader versions, not tied to a part (so not in
 *   `grader_versions`, whose rows belong to a part): drafts, one published, superseded;
 * - `autograde_jobs`: one run of the published one per student and counting work (submission and
 *   the time that counts), queued in the grading queue under its id; it keeps the grade the script
 *   reported (or why there is none), which the student's `assignment_grades` row then takes.
 */
export const autogradeGradersMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('autograde_graders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('image_id', 'text', (c) => c.notNull())
      .addColumn('protocol', 'text')
      .addColumn('run_as', 'text')
      .addColumn('script_path', 'text')
      .addColumn('script_args', 'text')
      .addColumn('cpus', 'double precision', (c) => c.notNull())
      .addColumn('memory_mib', 'integer', (c) => c.notNull())
      .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('uploaded_by', 'text', (c) => c.notNull().references('users.login'))
      .addColumn('uploaded_at', 'text', (c) => c.notNull())
      .addColumn('published_by', 'text', (c) => c.references('users.login'))
      .addColumn('published_at', 'text')
      .addForeignKeyConstraint('autograde_graders_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .addUniqueConstraint('autograde_graders_number_uq', ['course_id', 'assignment_id', 'number'])
      .execute();

    await db.schema
      .createTable('autograde_jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull().references('users.login'))
      .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id').onDelete('cascade'))
      .addColumn('counts_at', 'text', (c) => c.notNull())
      .addColumn('grader_id', 'text', (c) => c.notNull().references('autograde_graders.id').onDelete('cascade'))
      .addColumn('queued_at', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('system_errors', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      // Set once, when the run ends: `graded` with raw_grade, or `error` with detail.
      .addColumn('status', 'text')
      .addColumn('raw_grade', 'double precision')
      .addColumn('detail', 'text')
      .addColumn('done_at', 'text')
      .addForeignKeyConstraint('autograde_jobs_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .addUniqueConstraint('autograde_jobs_work_uq', ['course_id', 'assignment_id', 'login', 'submission_id', 'counts_at'])
      .execute();
    await db.schema.createIndex('autograde_jobs_submission_idx').on('autograde_jobs').column('submission_id').execute();
    await db.schema.createIndex('autograde_jobs_grader_idx').on('autograde_jobs').column('grader_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('autograde_jobs').execute();
    await db.schema.dropTable('autograde_graders').execute();
  },
};
