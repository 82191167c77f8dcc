import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, parseDatabaseUrl } from '../../src/db/database.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../src/db/errors.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { TABLES_CHILD_FIRST } from '../../src/db/tables.ts';
import { afterCommit, runInTransaction } from '../../src/db/transaction.ts';
import { databases, type TestDatabase } from '../support/databases.ts';

describe('parseDatabaseUrl', () => {
  it('tells SQLite paths from PostgreSQL URLs', () => {
    expect(parseDatabaseUrl('/var/lib/gradebox/db.sqlite')).toEqual({ dialect: 'sqlite', target: '/var/lib/gradebox/db.sqlite' });
    expect(parseDatabaseUrl('sqlite:data/x.db')).toEqual({ dialect: 'sqlite', target: 'data/x.db' });
    expect(parseDatabaseUrl('postgres://u@h/db').dialect).toBe('postgres');
    expect(parseDatabaseUrl('postgresql://u@h/db').dialect).toBe('postgres');
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/names no file/);
  });
});

describe('SQLite file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradebox-db-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is created with its directory, in WAL mode with foreign keys on, and reopens without migrating again', async () => {
    const path = join(dir, 'nested', 'gradebox.sqlite');
    const first = await openDatabase(path);
    const pragmas = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(first.db);
    expect(pragmas.rows[0]?.journal_mode).toBe('wal');
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(first.db);
    expect(fk.rows[0]?.foreign_keys).toBe(1);
    await first.close();
    await first.close(); // idempotent
    const second = await openDatabase(`sqlite:${path}`);
    expect(await migrateToLatest(second.db)).toEqual([]);
    await second.close();
  });
});

describe.each(databases)('schema on $name', (factory) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await factory.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('has every table, empty', async () => {
    for (const table of TABLES_CHILD_FIRST) {
      const rows = await t.db.selectFrom(table).selectAll().execute();
      expect(rows, table).toEqual([]);
    }
    expect(t.dialect).toBe(factory.name);
  });

  it('migrates a second database next to the first (another schema of the same PostgreSQL)', async () => {
    const second = await factory.create();
    try {
      await second.db.insertInto('courses').values({ id: 'only-here', title: 'T', created_at: new Date().toISOString() }).execute();
      expect(await t.db.selectFrom('courses').selectAll().execute()).toEqual([]);
    } finally {
      await second.drop();
    }
  });

  it('enforces unique and foreign keys, recognised the same way on both dialects', async () => {
    const user = { login: 'alice', display_name: 'Alice', is_admin: 0, created_at: new Date().toISOString() };
    await t.db.insertInto('users').values(user).execute();
    const duplicate = await t.db.insertInto('users').values(user).execute().catch((e: unknown) => e);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const orphan = await t.db
      .insertInto('memberships')
      .values({ course_id: 'nope', login: 'alice', role: 'student', created_at: user.created_at })
      .execute()
      .catch((e: unknown) => e);
    expect(isForeignKeyViolation(orphan)).toBe(true);
    expect(isUniqueViolation(orphan)).toBe(false);
    await t.empty();
  });

  it('runs after-commit callbacks only after a commit', async () => {
    const heard: string[] = [];
    await runInTransaction(t.db, async (tx) => {
      afterCommit(tx, () => heard.push('committed'));
      expect(heard).toEqual([]);
    });
    expect(heard).toEqual(['committed']);
    await expect(
      runInTransaction(t.db, async (tx) => {
        afterCommit(tx, () => heard.push('rolled back'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    afterCommit(t.db, () => heard.push('auto-commit'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(['committed', 'auto-commit']);
  });

  it('rolls a failed transaction back', async () => {
    const now = new Date().toISOString();
    await expect(
      runInTransaction(t.db, async (tx) => {
        await tx.insertInto('courses').values({ id: 'c1', title: 'C', created_at: now }).execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await t.db.selectFrom('courses').selectAll().execute()).toEqual([]);
  });

  it('keeps doubles exact enough for scores and CPU counts', async () => {
    const now = new Date().toISOString();
    await t.db.insertInto('queue_jobs').values({ id: 'j', priority: 0, owner: 'ada', course: 'c1', cpus: 1.5, memory_mib: 1024, enqueued_at: now, not_before: now, attempts: 0 }).execute();
    const row = await t.db.selectFrom('queue_jobs').select(['cpus', 'memory_mib', 'attempts']).executeTakeFirstOrThrow();
    expect(row).toEqual({ cpus: 1.5, memory_mib: 1024, attempts: 0 });
    await t.empty();
  });
});
