import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Late rules per assignment: the policy (JSON of `LatePolicy`, src/platform/late-policy.ts) and a
 * hard cutoff; and per-student extensions, which go with their assignment or membership.
 */
export const latePolicyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('assignments').addColumn('late_policy', 'text').execute();
    await db.schema.alterTable('assignments').addColumn('cutoff', 'text').execute();
    await db.schema
      .createTable('extensions')
      .addColumn('course_id', 'text', (c) => c.notNull())
      .addColumn('assignment_id', 'text', (c) => c.notNull())
      .addColumn('login', 'text', (c) => c.notNull())
      .addColumn('until', 'text', (c) => c.notNull())
      .addColumn('granted_by', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('extensions_pk', ['course_id', 'assignment_id', 'login'])
      .addForeignKeyConstraint('extensions_assignment_fk', ['course_id', 'assignment_id'], 'assignments', ['course_id', 'id'], (fk) => fk.onDelete('cascade'))
      .addForeignKeyConstraint('extensions_member_fk', ['course_id', 'login'], 'memberships', ['course_id', 'login'], (fk) => fk.onDelete('cascade'))
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('extensions').execute();
    await db.schema.alterTable('assignments').dropColumn('cutoff').execute();
    await db.schema.alterTable('assignments').dropColumn('late_policy').execute();
  },
};
