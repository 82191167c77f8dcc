/**
 * Migration 0014 on both dialects: a golden belongs to its assignment and pins an existing
 * submission once; its expectations belong to it and to an existing part, its runs to it and an
 * existing job, and they go with it; and it rolls back.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { migrationBefore, openUnmigrated } from '../support/unmigrated-database.ts';

describe.each(['sqlite', 'postgres'] as const)('migration 0014 on %s', (dialect) => {
  it('goldens, their expectations and runs hang together; going down drops them', async () => {
    const unmigrated = await openUnmigrated(dialect);
    const { opened, schema } = unmigrated;
    const { db } = opened;
    try {
      const { migrator } = unmigrated;
      expect(await migrateToLatest(db, { schema })).toContain('0014-golden');
      const at = '2026-01-01T00:00:00.000Z';
      await db.insertInto('users').values({ login: 'sam', display_name: 'Sam', is_admin: 0, created_at: at }).execute();
      await db.insertInto('courses').values({ id: 'cs101', title: 'CS', created_at: at }).execute();
      await sql`insert into assignments (course_id, id, title, position, created_at) values ('cs101', 'hw1', 'HW', 0, ${at})`.execute(db);
      await db.insertInto('parts').values({ course_id: 'cs101', assignment_id: 'hw1', id: 'p1', title: 'P1', points: 10, position: 0 }).execute();
      await sql`insert into submissions (id, course_id, assignment_id, login, digest, kind, submitted_at, total_bytes) values ('sub_1', 'cs101', 'hw1', 'sam', 'sha256:x', 'student', ${at}, 0)`.execute(db);
      await sql`insert into grader_versions (id, course_id, assignment_id, part_id, number, status, image_id, cpus, memory_mib, timeout_seconds, uploaded_by, uploaded_at) values ('gv_1', 'cs101', 'hw1', 'p1', 1, 'draft', 'sha256:i', 1, 1024, 60, 'sam', ${at})`.execute(db);
      await sql`insert into grading_jobs (id, submission_id, part_id, grader_version_id, priority, phase, queued_at, attempts) values ('job_1', 'sub_1', 'p1', 'gv_1', 'author-test', 'queued', ${at}, 0)`.execute(db);

      const golden = { id: 'gold_1', course_id: 'cs101', assignment_id: 'hw1', submission_id: 'sub_1', label: 'sam', pinned_by: 'sam', pinned_at: at };
      await expect(db.insertInto('golden_submissions').values({ ...golden, submission_id: 'sub_9' }).execute()).rejects.toThrow();
      await expect(db.insertInto('golden_submissions').values({ ...golden, assignment_id: 'nope' }).execute()).rejects.toThrow();
      await db.insertInto('golden_submissions').values(golden).execute();
      // One pin per submission.
      await expect(db.insertInto('golden_submissions').values({ ...golden, id: 'gold_2' }).execute()).rejects.toThrow();

      const expectation = { golden_id: 'gold_1', course_id: 'cs101', assignment_id: 'hw1', part_id: 'p1', status: 'graded', points: 7.5, how: 'pinned', set_by: 'sam', set_at: at };
      await expect(db.insertInto('golden_expectations').values({ ...expectation, part_id: 'p9' }).execute()).rejects.toThrow();
      await db.insertInto('golden_expectations').values(expectation).execute();
      await expect(db.insertInto('golden_expectations').values(expectation).execute()).rejects.toThrow();
      expect(await db.selectFrom('golden_expectations').select('points').execute()).toEqual([{ points: 7.5 }]);

      const run = { golden_id: 'gold_1', grader_version_id: 'gv_1', part_id: 'p1', job_id: 'job_1', submission_id: 'sub_1', created_at: at };
      await expect(db.insertInto('golden_runs').values({ ...run, job_id: 'job_9' }).execute()).rejects.toThrow();
      await db.insertInto('golden_runs').values(run).execute();
      await expect(db.insertInto('golden_runs').values(run).execute()).rejects.toThrow();

      // Expectations and runs go with their golden.
      await db.deleteFrom('golden_submissions').execute();
      expect(await db.selectFrom('golden_expectations').selectAll().execute()).toEqual([]);
      expect(await db.selectFrom('golden_runs').selectAll().execute()).toEqual([]);

      expect((await migrator.migrateTo(await migrationBefore('0014-golden'))).error).toBeUndefined();
      for (const table of ['golden_runs', 'golden_expectations', 'golden_submissions']) await expect(sql`select * from ${sql.table(table)}`.execute(db)).rejects.toThrow();
    } finally {
      await unmigrated.remove();
      await opened.close();
    }
  });
});
