import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Who a grader version runs as inside the sandbox (`root`, `UID` or `UID:GID`); null keeps the
 * protocol's default (Gradescope graders as root, Coursera graders as uid 1000).
 */
export const graderRunAsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('grader_versions').addColumn('run_as', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('grader_versions').dropColumn('run_as').execute();
  },
};
