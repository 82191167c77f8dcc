/**
 * The first schema, written once with Kysely's schema builder so the same code runs on SQLite and
 * PostgreSQL: only `text`, `integer` and `double precision` columns, app-generated ids, ISO-8601
 * text times, 0/1 booleans and JSON as text.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('login', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('login', 'text', (c) => c.notNull().references('users.login').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_login_idx').on('api_tokens').column('login').execute();

  await db.schema
    .createTable('courses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('login', 'text', (c) => c.notNull().references('users.login').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['course_id', 'login'])
    .execute();
  await db.schema.createIndex('memberships_login_idx').on('memberships').column('login').execute();

  await db.schema
    .createTable('assignments')
    .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text')
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('assignments_pk', ['course_id', 'id'])
    .execute();

  await db.schema
    .createTable('parts')
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('assignment_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('points', 'double precision', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('parts_pk', ['course_id', 'assignment_id', 'id'])
    .addForeignKeyConstraint('parts_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('grader_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('assignment_id', 'text', (c) => c.notNull())
    .addColumn('part_id', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('image_id', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text')
    .addColumn('cpus', 'double precision', (c) => c.notNull())
    .addColumn('memory_mib', 'integer', (c) => c.notNull())
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull().references('users.login'))
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('published_by', 'text', (c) => c.references('users.login'))
    .addColumn('published_at', 'text')
    .addForeignKeyConstraint(
      'grader_versions_part_fk',
      ['course_id', 'assignment_id', 'part_id'],
      'parts',
      ['course_id', 'assignment_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addUniqueConstraint('grader_versions_number_uq', ['course_id', 'assignment_id', 'part_id', 'number'])
    .execute();
  await db.schema.createIndex('grader_versions_image_idx').on('grader_versions').columns(['course_id', 'image_id']).execute();

  await db.schema
    .createTable('submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('assignment_id', 'text', (c) => c.notNull())
    .addColumn('login', 'text', (c) => c.notNull().references('users.login'))
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addColumn('total_bytes', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // No cascade: set-up changes must never delete students' work (apply refuses instead).
    .addForeignKeyConstraint('submissions_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'])
    .execute();
  await db.schema
    .createIndex('submissions_assignment_idx')
    .on('submissions')
    .columns(['course_id', 'assignment_id', 'login', 'submitted_at'])
    .execute();
  await db.schema.createIndex('submissions_login_idx').on('submissions').columns(['login', 'course_id']).execute();

  await db.schema
    .createTable('submission_files')
    .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('submission_files_pk', ['submission_id', 'path'])
    .execute();

  await db.schema
    .createTable('grading_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id').onDelete('cascade'))
    .addColumn('part_id', 'text', (c) => c.notNull())
    .addColumn('grader_version_id', 'text', (c) => c.notNull().references('grader_versions.id'))
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'text', (c) => c.notNull())
    .addColumn('preparing_at', 'text')
    .addColumn('running_at', 'text')
    .addColumn('reporting_at', 'text')
    .addColumn('done_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Failures of gradebox itself; runs stopped by a shutdown or a dead worker do not count.
    .addColumn('system_errors', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('grading_jobs_submission_idx').on('grading_jobs').column('submission_id').execute();
  await db.schema.createIndex('grading_jobs_grader_idx').on('grading_jobs').column('grader_version_id').execute();

  await db.schema
    .createTable('results')
    .addColumn('job_id', 'text', (c) => c.primaryKey().references('grading_jobs.id').onDelete('cascade'))
    .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision')
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('results_submission_idx').on('results').column('submission_id').execute();

  // The queue's own table: no foreign key, so the queue stays independent of the platform's tables.
  await db.schema
    .createTable('queue_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('cpus', 'double precision', (c) => c.notNull())
    .addColumn('memory_mib', 'integer', (c) => c.notNull())
    .addColumn('enqueued_at', 'text', (c) => c.notNull())
    .addColumn('not_before', 'text', (c) => c.notNull())
    .addColumn('leased_by', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('queue_jobs_order_idx').on('queue_jobs').columns(['priority', 'enqueued_at', 'id']).execute();
  await db.schema.createIndex('queue_jobs_lease_idx').on('queue_jobs').columns(['leased_by', 'lease_until']).execute();
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'queue_jobs',
    'results',
    'grading_jobs',
    'submission_files',
    'submissions',
    'grader_versions',
    'parts',
    'assignments',
    'memberships',
    'courses',
    'api_tokens',
    'users',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

export const initialMigration: Migration = { up, down };
