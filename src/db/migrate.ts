import { Migrator } from 'kysely/migration';
import type { Db } from './database.ts';
import { migrationProvider } from './migrations/migrations.ts';

/**
 * Brings the schema up to date. Kysely's Migrator takes a lock (a lock table on SQLite, an
 * advisory lock on PostgreSQL), so several processes starting at once migrate only once.
 * Throws the first failure with the migration's name. `schema`: the PostgreSQL schema in use.
 */
export async function migrateToLatest(db: Db, options: { schema?: string } = {}): Promise<string[]> {
  // With a schema, Kysely's bookkeeping tables are looked for there only: otherwise a
  // `kysely_migration` table of another schema in the same database would count as ours.
  const migrator = new Migrator({ db, provider: migrationProvider, ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined) {
    const name = failed ? ` (migration ${failed.migrationName})` : '';
    throw new Error(`database migration failed${name}: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
