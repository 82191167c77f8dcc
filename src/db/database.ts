/**
 * The platform's database: one Kysely schema (./tables.ts) on SQLite (embedded default) or
 * PostgreSQL (scale-out). This is the one file that knows both dialects.
 */
import { Kysely, type Transaction } from 'kysely';
import { createNodeSqliteDialect } from './dialects/node-sqlite/node-sqlite-dialect.ts';
import { createPostgresDialect } from './dialects/postgres/postgres-dialect.ts';
import { migrateToLatest } from './migrate.ts';
import type { Database } from './tables.ts';

export type { Database } from './tables.ts';
export type Db = Kysely<Database>;
/** Where a query may run: the database itself or an open transaction. */
export type DbExecutor = Kysely<Database> | Transaction<Database>;
export type DbTransaction = Transaction<Database>;
export type DialectName = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  db: Db;
  dialect: DialectName;
  /** Closes the connection (SQLite) or ends the pool (PostgreSQL). */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL only: the schema to use (created when missing); default the server's search_path. */
  schema?: string;
  /** PostgreSQL only: pool size (default 10). */
  maxConnections?: number;
  /** Skip migrations (default false: the schema is brought up to date on open). */
  skipMigrations?: boolean;
}

/** Which dialect a URL names, and what to connect to. */
export function parseDatabaseUrl(url: string): { dialect: DialectName; target: string } {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', target: url };
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (path === '') throw new Error(`database URL '${url}' names no file: use a path, sqlite:PATH or postgres://…`);
  return { dialect: 'sqlite', target: path };
}

/**
 * Opens the database named by `url` and migrates it to the latest schema: a file path or
 * `sqlite:PATH` (`:memory:` for a throw-away one) opens SQLite through `node:sqlite`;
 * `postgres://…` or `postgresql://…` opens a `pg` pool.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const { dialect, target } = parseDatabaseUrl(url);
  let db: Db;
  if (dialect === 'sqlite') {
    db = new Kysely<Database>({ dialect: createNodeSqliteDialect(target) });
  } else {
    db = new Kysely<Database>({ dialect: createPostgresDialect(target, options) });
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= db.destroy());
  try {
    // A connection whose search_path names a missing schema still works, so this can run on the pool.
    if (dialect === 'postgres' && options.schema !== undefined) await db.schema.createSchema(options.schema).ifNotExists().execute();
    if (options.skipMigrations !== true) await migrateToLatest(db, dialect === 'postgres' ? { schema: options.schema } : {});
  } catch (error) {
    await close();
    throw error;
  }
  return { db, dialect, close };
}
