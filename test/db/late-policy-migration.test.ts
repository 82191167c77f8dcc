/**
 * Migration 0009 on a database that already holds assignments: they get no late policy and no
 * cutoff; extensions go with their assignment and their student's membership; and it rolls back.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openUnmigrated } from '../support/unmigrated-database.ts';

describe.each(['sqlite', 'postgres'] as const)('migration 0009 on %s', (dialect) => {
  it('leaves existing assignments without late rules; extensions cascade; down drops it all', async () => {
    const unmigrated = await openUnmigrated(dialect);
    const { opened, schema } = unmigrated;
    const { db } = opened;
    try {
      const { migrator } = unmigrated;
      expect((await migrator.migrateTo('0006-fair-queue-owners-and-limits')).error).toBeUndefined();
      const at = '2026-01-01T00:00:00.000Z';
      await sql`insert into users (login, display_name, is_admin, created_at) values ('alan', 'Alan', 0, ${at}), ('ada', 'Ada', 0, ${at})`.execute(db);
      await sql`insert into courses (id, title, created_at) values ('cs101', 'CS', ${at})`.execute(db);
      await sql`insert into memberships (course_id, login, role, created_at) values ('cs101', 'alan', 'student', ${at}), ('cs101', 'ada', 'student', ${at})`.execute(db);
      for (const id of ['hw1', 'hw2']) {
        await sql`insert into assignments (course_id, id, title, deadline, position, created_at) values ('cs101', ${id}, 'HW', ${at}, 0, ${at})`.execute(db);
      }

      expect(await migrateToLatest(db, { schema })).toContain('0009-late-policy');
      expect(await db.selectFrom('assignments').select(['id', 'late_policy', 'cutoff']).orderBy('id').execute()).toEqual([
        { id: 'hw1', late_policy: null, cutoff: null },
        { id: 'hw2', late_policy: null, cutoff: null },
      ]);
      const extension = { course_id: 'cs101', until: '2026-01-02T00:00:00.000Z', granted_by: 'ada', granted_at: at };
      await db.insertInto('extensions').values([
        { ...extension, assignment_id: 'hw1', login: 'alan' },
        { ...extension, assignment_id: 'hw2', login: 'alan' },
        { ...extension, assignment_id: 'hw2', login: 'ada' },
      ]).execute();
      // Only for members of the course, on its assignments.
      await expect(db.insertInto('extensions').values({ ...extension, assignment_id: 'hw1', login: 'nobody' }).execute()).rejects.toThrow();
      await expect(db.insertInto('extensions').values({ ...extension, assignment_id: 'hw9', login: 'alan' }).execute()).rejects.toThrow();
      await db.deleteFrom('assignments').where('id', '=', 'hw1').execute();
      await db.deleteFrom('memberships').where('login', '=', 'ada').execute();
      expect(await db.selectFrom('extensions').select(['assignment_id', 'login']).execute()).toEqual([{ assignment_id: 'hw2', login: 'alan' }]);

      // Down to the migration before it (later ones go down first).
      expect((await migrator.migrateTo('0008-completion-grades')).error).toBeUndefined();
      await expect(sql`select * from extensions`.execute(db)).rejects.toThrow();
      expect(await sql`select id from assignments`.execute(db)).toMatchObject({ rows: [{ id: 'hw2' }] });
    } finally {
      await unmigrated.remove();
      await opened.close();
    }
  });
});
