import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A `script` grader version's grading script (its path in the image) and the arguments it is
 * run with, as a JSON array of strings; both null for other protocols.
 */
export const graderScriptMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('grader_versions').addColumn('script_path', 'text').execute();
    await db.schema.alterTable('grader_versions').addColumn('script_args', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('grader_versions').dropColumn('script_args').execute();
    await db.schema.alterTable('grader_versions').dropColumn('script_path').execute();
  },
};
