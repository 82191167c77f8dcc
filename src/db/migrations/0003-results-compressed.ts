import { PostgresAdapter, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Big results stored compressed: `result_gzip` holds a result's JSON gzip-compressed (then
 * `result` is ''), for results of at least 64 KiB of JSON (see src/grader/stored-result.ts).
 */
export const resultsCompressedMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
    await db.schema.alterTable('results').addColumn('result_gzip', bytes).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('results').dropColumn('result_gzip').execute();
  },
};
