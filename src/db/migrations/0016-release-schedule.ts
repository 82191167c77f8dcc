import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * `release_schedules`: an assignment's automatic release time (`release_at`) as a durable action,
 * claimed with a lease like `completion_schedules`, so that the release events are recorded once
 * even when no server was up at that moment. The grades themselves become visible by the
 * read-time rule (src/platform/release-state.ts), whether or not this has run yet.
 */
export const releaseScheduleMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('release_schedules')
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('leased_by', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('done_at', 'text')
      .addColumn('events', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('release_schedules_pk', ['course_id', 'assignment_id'])
      .addForeignKeyConstraint('release_schedules_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('release_schedules_due_idx').on('release_schedules').columns(['done_at', 'due_at']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('release_schedules').execute();
  },
};
