/**
 * Migration 0006 on a database that already holds queued jobs: their owner and course come from
 * their submissions, and `queue_owners` counts them, so the fair claim sees them at once.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { openUnmigrated } from '../support/unmigrated-database.ts';

describe.each(['sqlite', 'postgres'] as const)('migration 0006 on %s', (dialect) => {
  it('gives jobs queued before it their owner and course, and counts them per owner', async () => {
    const unmigrated = await openUnmigrated(dialect);
    const { opened, schema } = unmigrated;
    const { db } = opened;
    try {
      const { migrator } = unmigrated;
      const { error } = await migrator.migrateTo('0002-course-images');
      expect(error).toBeUndefined();
      const at = '2020-01-01T00:00:00.000Z';
      // The rows of a submission of alan's with one part, its job queued; and one stray queue row.
      await sql`insert into users (login, display_name, is_admin, created_at) values ('alan', 'Alan', 0, ${at}), ('ada', 'Ada', 0, ${at})`.execute(db);
      await sql`insert into courses (id, title, created_at) values ('cs101', 'CS', ${at})`.execute(db);
      await sql`insert into assignments (course_id, id, title, deadline, position, created_at) values ('cs101', 'hw1', 'HW', null, 0, ${at})`.execute(db);
      await sql`insert into parts (course_id, assignment_id, id, title, points, position) values ('cs101', 'hw1', 'p1', 'P', 1, 0)`.execute(db);
      await sql`insert into grader_versions (id, course_id, assignment_id, part_id, number, status, image_id, protocol, cpus, memory_mib, timeout_seconds, uploaded_by, uploaded_at)
        values ('gv_1', 'cs101', 'hw1', 'p1', 1, 'published', 'sha256:x', null, 1, 1024, 60, 'ada', ${at})`.execute(db);
      await sql`insert into submissions (id, course_id, assignment_id, login, digest, submitted_at, total_bytes, kind)
        values ('sub_1', 'cs101', 'hw1', 'alan', 'sha256:y', ${at}, 1, 'student')`.execute(db);
      await sql`insert into grading_jobs (id, submission_id, part_id, grader_version_id, priority, phase, queued_at, attempts)
        values ('job_1', 'sub_1', 'p1', 'gv_1', 'student', 'queued', ${at}, 0)`.execute(db);
      for (const id of ['job_1', 'job_stray']) {
        await sql`insert into queue_jobs (id, priority, cpus, memory_mib, enqueued_at, not_before, attempts) values (${id}, 0, 1, 1024, ${at}, ${at}, 0)`.execute(db);
      }

      expect(await migrateToLatest(db, { schema })).toContain('0006-fair-queue-owners-and-limits');
      const jobs = await db.selectFrom('queue_jobs').select(['id', 'owner', 'course']).orderBy('id').execute();
      expect(jobs).toEqual([
        { id: 'job_1', owner: 'alan', course: 'cs101' },
        { id: 'job_stray', owner: '', course: '' },
      ]);
      const owners = await db.selectFrom('queue_owners').select(['priority', 'course', 'owner', 'queued']).orderBy('owner').execute();
      expect(owners.map((o) => ({ ...o, queued: Number(o.queued) }))).toEqual([
        { priority: 0, course: '', owner: '', queued: 1 },
        { priority: 0, course: 'cs101', owner: 'alan', queued: 1 },
      ]);
      const assignment = await db.selectFrom('assignments').select(['max_submissions', 'min_interval_seconds']).executeTakeFirstOrThrow();
      expect(assignment).toEqual({ max_submissions: null, min_interval_seconds: null });

      // Both are claimed and completed as usual.
      const queue = new SqlJobQueue(db);
      const machine = { cpus: 2, memoryMiB: 4096 };
      const claimed: string[] = [];
      for (let c = await queue.claim({ workerId: 'w', free: machine, total: machine, leaseMs: 1000 }); c; c = await queue.claim({ workerId: 'w', free: machine, total: machine, leaseMs: 1000 })) {
        claimed.push(c.jobId);
        expect(await queue.complete(c.jobId, 'w')).toBe(true);
      }
      expect(claimed.sort()).toEqual(['job_1', 'job_stray']);
      expect(await db.selectFrom('queue_owners').selectAll().execute()).toEqual([]);
    } finally {
      await unmigrated.remove();
      await opened.close();
    }
  });
});
