/**
 * Kysely's SQLite dialect over `node:sqlite` (Node 24's built-in SQLite: no native addon to build).
 * One connection per Kysely instance; Kysely serialises its use (the adapter declares no multiple
 * connections), so a transaction holds it from BEGIN to COMMIT.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import { NodeSqliteDatabase } from './node-sqlite-database.ts';

/** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Transactions begin IMMEDIATE: every transaction here writes, and a deferred one that later
 * upgrades to a writer fails at once with SQLITE_BUSY (no busy wait) when another process wrote
 * in between; taking the write lock up front makes the busy timeout apply instead.
 */
class NodeSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #database: NodeSqliteDatabase;

  constructor(database: NodeSqliteDatabase) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): Driver {
    return new NodeSqliteDriver({ database: this.#database });
  }
}

/**
 * Opens (creating if needed) the SQLite file at `path` with the pragmas the platform relies on:
 * WAL (readers never block the writer), foreign keys on, a busy timeout, and synchronous=NORMAL
 * (safe with WAL; durable except for the last transactions on power loss).
 */
export function createNodeSqliteDialect(path: string): SqliteDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  try {
    db.exec(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('pragma journal_mode = WAL');
    db.exec('pragma synchronous = NORMAL');
    db.exec('pragma foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return new NodeSqliteDialect(new NodeSqliteDatabase(db));
}
