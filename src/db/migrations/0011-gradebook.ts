import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { dialectOf } from '../dialect-of.ts';

/**
 * The gradebook (docs/course-workflow.md):
 * - release per assignment: `release_mode` (`immediate`: students see scores once graded, or
 *   `manual`: hidden until released), an automatic `release_at`, and the staff release itself;
 * - `grade_overrides`: a score set by hand, per part (`part_id`) or for the assignment grade
 *   (`part_id` ''), which no regrade overwrites;
 * - `grade_log`: every change of a grade with who, when, old, new and why, in `seq` order, which
 *   is also the feed of release events a later LMS integration sends on.
 */
export const gradebookMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('assignments').addColumn('release_mode', 'text', (c) => c.notNull().defaultTo('immediate')).execute();
    await db.schema.alterTable('assignments').addColumn('release_at', 'text').execute();
    await db.schema.alterTable('assignments').addColumn('released_at', 'text').execute();
    await db.schema.alterTable('assignments').addColumn('released_by', 'text').execute();

    await db.schema
      .createTable('grade_overrides')
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull())
      .addColumn('part_id', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('set_by', 'text', (c) => c.notNull())
      .addColumn('set_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('grade_overrides_pk', ['course_id', 'assignment_id', 'login', 'part_id'])
      .addForeignKeyConstraint('grade_overrides_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();

    // A sequence, not a time: readers of the feed resume after the last `seq` they saw.
    const postgres = dialectOf(db) === 'postgres';
    await db.schema
      .createTable('grade_log')
      .addColumn('seq', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull())
      .addColumn('part_id', 'text', (c) => c.notNull())
      .addColumn('cause', 'text', (c) => c.notNull())
      .addColumn('old_value', 'double precision')
      .addColumn('new_value', 'double precision')
      .addColumn('actor', 'text')
      .addColumn('reason', 'text')
      .addColumn('released', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('at', 'text', (c) => c.notNull())
      .addForeignKeyConstraint('grade_log_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('grade_log_student_idx').on('grade_log').columns(['course_id', 'assignment_id', 'login', 'seq']).execute();
    await db.schema.createIndex('grade_log_released_idx').on('grade_log').columns(['released', 'seq']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('grade_log').execute();
    await db.schema.dropTable('grade_overrides').execute();
    for (const column of ['released_by', 'released_at', 'release_at', 'release_mode']) await db.schema.alterTable('assignments').dropColumn(column).execute();
  },
};
