/**
 * A database with no migration run yet, for the migration tests: an SQLite file in a temporary
 * folder or a fresh PostgreSQL schema, with a Migrator over it that keeps its bookkeeping in that
 * schema (so the tests can go up and down migration by migration).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { openDatabase, type OpenedDatabase } from '../../src/db/database.ts';
import { migrationProvider } from '../../src/db/migrations/migrations.ts';
import { POSTGRES_TEST_URL } from './databases.ts';

export interface Unmigrated {
  opened: OpenedDatabase;
  schema: string | undefined;
  migrator: Migrator;
  /** Drops the schema or deletes the file (the caller closes `opened` after). */
  remove(): Promise<void>;
}

export async function openUnmigrated(dialect: 'sqlite' | 'postgres'): Promise<Unmigrated> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'gradebox-migration-'));
    const opened = await openDatabase(join(dir, 'db.sqlite'), { skipMigrations: true });
    return { opened, schema: undefined, migrator: migratorOf(opened, undefined), remove: () => rm(dir, { recursive: true, force: true }) };
  }
  const schema = `gbx_test_${randomBytes(6).toString('hex')}`;
  const opened = await openDatabase(POSTGRES_TEST_URL, { schema, skipMigrations: true });
  return { opened, schema, migrator: migratorOf(opened, schema), remove: async () => void (await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(opened.db)) };
}

function migratorOf(opened: OpenedDatabase, schema: string | undefined): Migrator {
  return new Migrator({ db: opened.db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
}

/** The migration that runs just before `name`: going down to it undoes `name` and every later one. */
export async function migrationBefore(name: string): Promise<string> {
  const names = Object.keys(await migrationProvider.getMigrations()).sort();
  const at = names.indexOf(name);
  if (at < 1) throw new Error(`no migration runs before ${name}`);
  return names[at - 1]!;
}
