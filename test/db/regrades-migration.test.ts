/**
 * Migration 0012 on a database that already holds grading jobs: they stay official (shadow 0, no
 * regrade); one open regrade per assignment, any number of closed ones; and it rolls back.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/db/errors.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openUnmigrated } from '../support/unmigrated-database.ts';

describe.each(['sqlite', 'postgres'] as const)('migration 0012 on %s', (dialect) => {
  it('keeps existing jobs official; allows one open regrade per assignment; down drops it all', async () => {
    const unmigrated = await openUnmigrated(dialect);
    const { opened, schema } = unmigrated;
    const { db } = opened;
    try {
      const { migrator } = unmigrated;
      expect((await migrator.migrateTo('0011-gradebook')).error).toBeUndefined();
      const at = '2026-01-01T00:00:00.000Z';
      await sql`insert into users (login, display_name, is_admin, created_at) values ('alan', 'Alan', 0, ${at})`.execute(db);
      await sql`insert into courses (id, title, created_at) values ('cs101', 'CS', ${at})`.execute(db);
      await sql`insert into assignments (course_id, id, title, deadline, position, created_at) values ('cs101', 'hw1', 'HW', ${at}, 0, ${at})`.execute(db);
      await sql`insert into parts (course_id, assignment_id, id, title, points, position) values ('cs101', 'hw1', 'p1', 'P1', 10, 0)`.execute(db);
      await sql`insert into grader_versions (id, course_id, assignment_id, part_id, number, status, image_id, cpus, memory_mib, timeout_seconds, uploaded_by, uploaded_at) values ('gv_1', 'cs101', 'hw1', 'p1', 1, 'published', 'sha256:x', 1, 1024, 60, 'alan', ${at})`.execute(db);
      await sql`insert into submissions (id, course_id, assignment_id, login, digest, submitted_at, total_bytes, kind) values ('sub_1', 'cs101', 'hw1', 'alan', 'sha256:y', ${at}, 1, 'student')`.execute(db);
      await sql`insert into grading_jobs (id, submission_id, part_id, grader_version_id, priority, phase, queued_at, attempts) values ('job_1', 'sub_1', 'p1', 'gv_1', 'student', 'done', ${at}, 1)`.execute(db);

      expect(await migrateToLatest(db, { schema })).toContain('0012-regrades');
      expect(await db.selectFrom('grading_jobs').select(['id', 'regrade_id', 'shadow']).execute()).toEqual([{ id: 'job_1', regrade_id: null, shadow: 0 }]);
      const regrade = (id: string, open: number | null) => ({
        id, course_id: 'cs101', assignment_id: 'hw1', selection: '{}', grader: '{}', versions: '{}', basis: '{}', dry_run: 1, state: 'finished', open, total: 1,
        created_by: 'alan', created_at: at, finished_at: null, closed_by: null, closed_at: null,
      });
      await db.insertInto('regrades').values([regrade('rg_1', 1), regrade('rg_2', null), regrade('rg_3', null)]).execute();
      const second = await db.insertInto('regrades').values(regrade('rg_4', 1)).execute().catch((error: unknown) => error);
      expect(isUniqueViolation(second)).toBe(true);

      expect((await migrator.migrateTo('0011-gradebook')).error).toBeUndefined();
      await expect(sql`select * from regrades`.execute(db)).rejects.toThrow();
      await expect(sql`select shadow from grading_jobs`.execute(db)).rejects.toThrow();
      expect(await sql`select id from grading_jobs`.execute(db)).toMatchObject({ rows: [{ id: 'job_1' }] });
    } finally {
      await unmigrated.remove();
      await opened.close();
    }
  });
});
