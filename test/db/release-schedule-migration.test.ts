/**
 * Migration 0016: existing assignments keep `release: immediate` (0011) and get no release
 * schedule; a schedule goes with its assignment; and it rolls back.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openUnmigrated } from '../support/unmigrated-database.ts';

describe.each(['sqlite', 'postgres'] as const)('migration 0016 on %s', (dialect) => {
  it('keeps existing assignments immediate without a schedule; schedules cascade; down drops the table', async () => {
    const unmigrated = await openUnmigrated(dialect);
    const { opened, schema } = unmigrated;
    const { db } = opened;
    try {
      const { migrator } = unmigrated;
      expect((await migrator.migrateTo('0010-autograde-graders')).error).toBeUndefined();
      const at = '2026-01-01T00:00:00.000Z';
      await sql`insert into courses (id, title, created_at) values ('cs101', 'CS', ${at})`.execute(db);
      for (const id of ['hw1', 'hw2']) await sql`insert into assignments (course_id, id, title, position, created_at) values ('cs101', ${id}, 'HW', 0, ${at})`.execute(db);

      expect(await migrateToLatest(db, { schema })).toContain('0016-release-schedule');
      expect(await db.selectFrom('assignments').select(['id', 'release_mode', 'release_at', 'released_at']).orderBy('id').execute()).toEqual([
        { id: 'hw1', release_mode: 'immediate', release_at: null, released_at: null },
        { id: 'hw2', release_mode: 'immediate', release_at: null, released_at: null },
      ]);
      expect(await db.selectFrom('release_schedules').selectAll().execute()).toEqual([]);
      const schedule = { course_id: 'cs101', due_at: at, leased_by: null, lease_until: null, done_at: null, events: 0 };
      await db.insertInto('release_schedules').values([{ ...schedule, assignment_id: 'hw1' }, { ...schedule, assignment_id: 'hw2' }]).execute();
      await expect(db.insertInto('release_schedules').values({ ...schedule, assignment_id: 'hw9' }).execute()).rejects.toThrow();
      await db.deleteFrom('assignments').where('id', '=', 'hw1').execute();
      expect(await db.selectFrom('release_schedules').select('assignment_id').execute()).toEqual([{ assignment_id: 'hw2' }]);

      expect((await migrator.migrateTo('0011-gradebook')).error).toBeUndefined();
      await expect(sql`select * from release_schedules`.execute(db)).rejects.toThrow();
      expect(await sql`select id from assignments`.execute(db)).toMatchObject({ rows: [{ id: 'hw2' }] });
    } finally {
      await unmigrated.remove();
      await opened.close();
    }
  });
});
