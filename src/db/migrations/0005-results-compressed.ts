import { PostgresAdapter, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Big results stored compressed: `result_gzip` holds a result's JSON gzip-compressed (then
 * `result` is ''), for results of at least 64 KiB of JSON (see src/grader/stored-result.ts), and
 * `result_bytes` the JSON's length, so that readers know what a row will cost before reading it.
 */
export const resultsCompressedMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
    await db.schema.alterTable('results').addColumn('result_gzip', bytes).execute();
    await db.schema.alterTable('results').addColumn('result_bytes', 'integer').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('results').dropColumn('result_bytes').execute();
    await db.schema.alterTable('results').dropColumn('result_gzip').execute();
  },
};
