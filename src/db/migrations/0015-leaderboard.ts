import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Leaderboards (docs/course-workflow.md "Leaderboard"): per assignment whether the instructor
 * shows one (`assignments.leaderboard`, 0/1), and per course and member the pseudonym students
 * appear under: chosen by the student, or generated at random (`chosen` 0). `pseudonym_key` is the
 * name folded so that look-alikes are equal (src/platform/pseudonym-names.ts); it is unique in the
 * course, so two students can never show under names that look the same.
 */
export const leaderboardMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('assignments').addColumn('leaderboard', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('pseudonyms')
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull())
      .addColumn('pseudonym', 'text', (c) => c.notNull())
      .addColumn('pseudonym_key', 'text', (c) => c.notNull())
      .addColumn('chosen', 'integer', (c) => c.notNull())
      .addColumn('set_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('pseudonyms_pk', ['course_id', 'login'])
      .addUniqueConstraint('pseudonyms_key_unique', ['course_id', 'pseudonym_key'])
      .addForeignKeyConstraint('pseudonyms_member_fk', ['course_id', 'login'], 'memberships', ['course_id', 'login'], (fk) => fk.onDelete('cascade'))
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('pseudonyms').execute();
    await db.schema.alterTable('assignments').dropColumn('leaderboard').execute();
  },
};
