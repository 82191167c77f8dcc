/**
 * The databases every store suite runs on (DESIGN: one shared suite per implementation):
 * `describe.each(databases)('… on %s', (factory) => …)`. Each `create()` gives a fresh, migrated
 * database — a SQLite file in its own temp directory, or a schema of its own on the real
 * PostgreSQL (GRADEBOX_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) —
 * and `drop()` removes it: pools closed, schema dropped, directory deleted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { openDatabase, type DialectName, type OpenedDatabase } from '../../src/db/database.ts';
import { TABLES_CHILD_FIRST } from '../../src/db/tables.ts';

export const POSTGRES_TEST_URL = process.env.GRADEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase extends OpenedDatabase {
  /** Another connection (SQLite) or pool (PostgreSQL) to the same database, closed by `drop`. */
  connectAgain(): Promise<OpenedDatabase>;
  /** Deletes every row, for tests that share one database. */
  empty(): Promise<void>;
  /** Closes every connection and removes the database. */
  drop(): Promise<void>;
}

export interface DatabaseFactory {
  name: DialectName;
  create(): Promise<TestDatabase>;
}

async function emptyTables(opened: OpenedDatabase): Promise<void> {
  for (const table of TABLES_CHILD_FIRST) await opened.db.deleteFrom(table).execute();
}

function testDatabase(first: OpenedDatabase, open: () => Promise<OpenedDatabase>, remove: () => Promise<void>): TestDatabase {
  const others: OpenedDatabase[] = [];
  return {
    ...first,
    async connectAgain() {
      const other = await open();
      others.push(other);
      return other;
    },
    empty: () => emptyTables(first),
    async drop() {
      for (const other of others) await other.close();
      await first.close();
      await remove();
    },
  };
}

const sqliteFactory: DatabaseFactory = {
  name: 'sqlite',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'gradebox-db-'));
    const url = `sqlite:${join(dir, 'gradebox.sqlite')}`;
    const open = (): Promise<OpenedDatabase> => openDatabase(url);
    return testDatabase(await open(), open, () => rm(dir, { recursive: true, force: true }));
  },
};

async function dropSchema(schema: string): Promise<void> {
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 }) }) });
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin);
  } finally {
    await admin.destroy();
  }
}

const postgresFactory: DatabaseFactory = {
  name: 'postgres',
  async create() {
    const schema = `gbx_test_${randomBytes(6).toString('hex')}`;
    const open = (): Promise<OpenedDatabase> => openDatabase(POSTGRES_TEST_URL, { schema, maxConnections: 4 });
    try {
      return testDatabase(await open(), open, () => dropSchema(schema));
    } catch (error) {
      await dropSchema(schema);
      throw error;
    }
  },
};

export const databases: readonly DatabaseFactory[] = [sqliteFactory, postgresFactory];

/**
 * The hooks most store suites repeat: one database of `factory` for the suite (dropped after it),
 * emptied before each test; `ready` gets it before each test, before the suite's own beforeEach.
 */
export function useEmptyDatabase(factory: DatabaseFactory, ready: (t: TestDatabase) => void | Promise<void>): void {
  let t: TestDatabase | undefined;
  beforeAll(async () => {
    t = await factory.create();
  });
  afterAll(async () => {
    await t?.drop();
  });
  beforeEach(async () => {
    if (t === undefined) throw new Error('the test database was not created');
    await t.empty();
    await ready(t);
  });
}
