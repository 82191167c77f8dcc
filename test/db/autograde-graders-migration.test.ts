/**
 * Migration 0010 on both dialects: an assignment's autograde graders belong to it (and go with
 * it), a run to an existing submission (going with it) and grader, each piece of work has one run;
 * and it rolls back.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openUnmigrated } from '../support/unmigrated-database.ts';

describe.each(['sqlite', 'postgres'] as const)('migration 0010 on %s', (dialect) => {
  it('autograde graders and runs belong to their assignment, submission and grader; going down past it drops them', async () => {
    const unmigrated = await openUnmigrated(dialect);
    const { opened, schema } = unmigrated;
    const { db } = opened;
    try {
      const { migrator } = unmigrated;
      expect(await migrateToLatest(db, { schema })).toContain('0010-autograde-graders');
      const at = '2026-01-01T00:00:00.000Z';
      await db.insertInto('users').values({ login: 'sam', display_name: 'Sam', is_admin: 0, created_at: at }).execute();
      await db.insertInto('courses').values({ id: 'cs101', title: 'CS', created_at: at }).execute();
      await sql`insert into assignments (course_id, id, title, position, created_at) values ('cs101', 'hw1', 'HW', 0, ${at})`.execute(db);
      await sql`insert into submissions (id, course_id, assignment_id, login, digest, kind, submitted_at, total_bytes) values ('sub_1', 'cs101', 'hw1', 'sam', 'sha256:x', 'student', ${at}, 0)`.execute(db);
      const grader = {
        id: 'agv_1', course_id: 'cs101', assignment_id: 'hw1', number: 1, status: 'published', image_id: 'sha256:i', protocol: 'script', run_as: null,
        script_path: '/grader/a.py', script_args: '[]', cpus: 1, memory_mib: 1024, timeout_seconds: 180, uploaded_by: 'sam', uploaded_at: at, published_by: null, published_at: null,
      };
      await expect(db.insertInto('autograde_graders').values({ ...grader, assignment_id: 'nope' }).execute()).rejects.toThrow();
      await db.insertInto('autograde_graders').values(grader).execute();
      await expect(db.insertInto('autograde_graders').values({ ...grader, id: 'agv_2' }).execute()).rejects.toThrow();
      const job = { id: 'agj_1', course_id: 'cs101', assignment_id: 'hw1', login: 'sam', submission_id: 'sub_1', counts_at: at, grader_id: 'agv_1', queued_at: at, last_error: null, status: null, raw_grade: null, detail: null, done_at: null };
      await expect(db.insertInto('autograde_jobs').values({ ...job, submission_id: 'sub_9' }).execute()).rejects.toThrow();
      await expect(db.insertInto('autograde_jobs').values({ ...job, grader_id: 'agv_9' }).execute()).rejects.toThrow();
      await db.insertInto('autograde_jobs').values(job).execute();
      // One run per piece of work.
      await expect(db.insertInto('autograde_jobs').values({ ...job, id: 'agj_2' }).execute()).rejects.toThrow();
      expect(await db.selectFrom('autograde_jobs').select(['id', 'attempts', 'system_errors']).execute()).toEqual([{ id: 'agj_1', attempts: 0, system_errors: 0 }]);
      // A run goes with its submission, a grader with its assignment.
      await db.deleteFrom('submissions').execute();
      expect(await db.selectFrom('autograde_jobs').selectAll().execute()).toEqual([]);
      await db.deleteFrom('assignments').execute();
      expect(await db.selectFrom('autograde_graders').selectAll().execute()).toEqual([]);

      expect((await migrator.migrateTo('0009-late-policy')).error).toBeUndefined();
      await expect(sql`select * from autograde_jobs`.execute(db)).rejects.toThrow();
      await expect(sql`select * from autograde_graders`.execute(db)).rejects.toThrow();
    } finally {
      await unmigrated.remove();
      await opened.close();
    }
  });
});
