import { describe, expect, it } from 'vitest';
import type { DbExecutor } from '../../src/db/database.ts';
import { manifestDigest } from '../../src/intake/manifest.ts';
import { createPlatform } from '../../src/platform/create-platform.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../../src/platform/errors.ts';
import type { EnqueueRequest } from '../../src/queue/job-queue.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, courseFile, file, imageId, type Harness, useHarness } from './helpers.ts';

/** A real queue whose enqueue writes its rows and then fails, as a broken queue would mid-transaction. */
class FailingQueue extends SqlJobQueue {
  override async enqueue(tx: DbExecutor, jobs: readonly EnqueueRequest[]): Promise<void> {
    await super.enqueue(tx, jobs);
    throw new Error('queue unavailable');
  }
}

describe.each(databases)('submissions on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  const target = { courseId: COURSE, assignmentId: ASSIGNMENT };
  useHarness(factory, (world) => ({ t, h } = world));

  it('records the submission, one job per graded part and the queue entries together', async () => {
    await course(h, { bothParts: true });
    const sam = await h.actor('sam', ['read', 'submit']);
    const files = [file('b/main.py', 'print(1)'), file('a.txt', 'hello'), file('Z.md', '#')];
    const woken: number[] = [];
    h.queue.onEnqueued(() => woken.push(1));
    const submission = await h.platform.submit(sam, { ...target, files });
    expect(submission).toMatchObject({
      courseId: COURSE,
      assignmentId: ASSIGNMENT,
      login: 'sam',
      kind: 'student',
      status: 'grading',
      digest: manifestDigest(files),
      totalBytes: 14,
      // Manifest order: by UTF-8 bytes on both dialects ('Z' sorts before 'a').
      files: [files[2], files[1], files[0]],
      submittedAt: h.clock.now.toISOString(),
    });
    expect(submission.id).toMatch(/^sub_/);
    expect(submission.parts).toEqual([
      { partId: 'p1', points: 10, job: null, result: null },
      { partId: 'p2', points: 5, job: null, result: null },
    ]);
    expect(woken).toEqual([1]);

    const jobs = await t.db.selectFrom('grading_jobs').selectAll().where('submission_id', '=', submission.id).orderBy('part_id').execute();
    expect(jobs.map((j) => [j.part_id, j.priority, j.phase])).toEqual([
      ['p1', 'student', 'queued'],
      ['p2', 'student', 'queued'],
    ]);
    const claimed = await h.queue.claim({ workerId: 'w', free: { cpus: 4, memoryMiB: 8192 }, total: { cpus: 4, memoryMiB: 8192 }, leaseMs: 1000 });
    expect(jobs.map((j) => j.id)).toContain(claimed?.jobId);
    expect(claimed).toMatchObject({ priority: 0, cpus: 1, memoryMiB: 1024 });

    const staffView = await h.platform.getSubmission(h.admin, submission.id);
    expect(staffView.parts.map((p) => p.job?.phase)).toEqual(['queued', 'queued']);
    const job = await h.platform.getJob(h.admin, staffView.parts[0]!.job!.id);
    expect(job).toMatchObject({ submissionId: submission.id, partId: 'p1', priority: 'student', phase: 'queued', attempts: 0, lastError: null });
    expect(job.phases).toEqual({ queued: h.clock.now.toISOString() });
  });

  it('answers with the same view a read gives at once, for staff and for the student', async () => {
    await course(h, { bothParts: true });
    const sam = await h.actor('sam', ['read', 'submit']);
    const files = [file('b/main.py', 'print(1)'), file('a.txt', 'hello')];
    const mine = await h.platform.submit(sam, { ...target, files });
    expect(mine).toEqual(await h.platform.getSubmission(sam, mine.id));
    const test = await h.platform.submit(h.admin, { ...target, files, kind: 'author-test', parts: ['p2'] });
    expect(test).toEqual(await h.platform.getSubmission(h.admin, test.id));
    expect(test.parts.map((p) => [p.partId, p.job?.phase])).toEqual([['p2', 'queued']]);
  });

  it('checks a submission target before the files: the course, membership and assignment', async () => {
    await course(h);
    const sam = await h.actor('sam', ['read', 'submit']);
    await expect(h.platform.assertCanSubmit(sam, COURSE, ASSIGNMENT)).resolves.toBeUndefined();
    await expect(h.platform.assertCanSubmit(sam, COURSE, 'nope')).rejects.toThrow(new NotFound(`no assignment ${COURSE}/nope`));
    await expect(h.platform.assertCanSubmit(sam, 'no-course', ASSIGNMENT)).rejects.toBeInstanceOf(NotFound);
    await h.platform.applyCourseFile(h.admin, { course: { id: 'other', title: 'Other' }, members: [{ login: 'eve', role: 'student' }] });
    const stranger = await h.actor('eve', ['read', 'submit']);
    await expect(h.platform.assertCanSubmit(stranger, COURSE, ASSIGNMENT)).rejects.toThrow(/no course 'cs101' \(or you are not a member of it\)/);
    await expect(h.platform.assertCanSubmit(h.admin, COURSE, ASSIGNMENT)).resolves.toBeUndefined();
  });

  it('leaves nothing behind when enqueueing fails', async () => {
    await course(h);
    const platform = createPlatform({ db: t.db, queue: new FailingQueue(t.db) });
    const sam = await h.actor('sam');
    await expect(platform.submit(sam, { ...target, files: [file('a.py')] })).rejects.toThrow('queue unavailable');
    for (const table of ['submissions', 'submission_files', 'grading_jobs', 'queue_jobs'] as const) {
      expect(await t.db.selectFrom(table).selectAll().execute(), table).toEqual([]);
    }
  });

  it('refuses with not-ready when no part has a grader', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    const sam = await h.actor('sam');
    const error = await h.platform.submit(sam, { ...target, files: [file('a.py')] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect((error as Conflict).code).toBe('not-ready');
    // A draft is not enough for students.
    await h.platform.createDraft(h.admin, { ...target, partId: 'p1', imageId: imageId(1) });
    await expect(h.platform.submit(sam, { ...target, files: [file('a.py')] })).rejects.toThrow(/no part of hw1 has no published grader yet/);
    expect(await t.db.selectFrom('submissions').selectAll().execute()).toEqual([]);
  });

  it('grades only the parts asked for, refusing unknown ones and ones without a grader', async () => {
    await course(h);
    const sam = await h.actor('sam');
    const only = await h.platform.submit(sam, { ...target, files: [file('a.py')], parts: ['p1'] });
    expect(only.parts.map((p) => p.partId)).toEqual(['p1']);
    await expect(h.platform.submit(sam, { ...target, files: [file('a.py')], parts: ['p2'] })).rejects.toThrow(/part p2 of hw1 has no/);
    await expect(h.platform.submit(sam, { ...target, files: [file('a.py')], parts: ['zz'] })).rejects.toThrow(/hw1 has no part 'zz'; its parts: p1, p2/);
    // Without a list, parts without a grader are skipped.
    expect((await h.platform.submit(sam, { ...target, files: [file('a.py')] })).parts.map((p) => p.partId)).toEqual(['p1']);
  });

  it('runs author tests with the newest drafts at author-test priority', async () => {
    await course(h);
    const draft = await h.platform.createDraft(h.admin, { ...target, partId: 'p1', imageId: imageId(9), cpus: 2 });
    const p2draft = await h.platform.createDraft(h.admin, { ...target, partId: 'p2', imageId: imageId(8) });
    const tara = await h.actor('tara', ['read', 'author']);
    const run = await h.platform.submit(tara, { ...target, files: [file('a.py')], kind: 'author-test', useDrafts: true });
    expect(run.kind).toBe('author-test');
    expect(run.parts.map((p) => [p.partId, p.job?.graderVersionId, p.job?.priority])).toEqual([
      ['p1', draft.id, 'author-test'],
      ['p2', p2draft.id, 'author-test'],
    ]);
    const queued = await t.db.selectFrom('queue_jobs').select(['priority', 'cpus']).orderBy('cpus').execute();
    expect(queued).toEqual([
      { priority: 1, cpus: 1 },
      { priority: 1, cpus: 2 },
    ]);
    const live = await h.platform.submit(tara, { ...target, files: [file('a.py')], kind: 'author-test' });
    expect(live.parts.map((p) => p.partId)).toEqual(['p1']);
    const bulk = await h.platform.submit(h.admin, { ...target, files: [file('a.py')] }, 'bulk');
    expect(bulk.parts[0]?.job?.priority).toBe('bulk');
  });

  it('pins an author test of one part to a grader version of it, whatever its status', async () => {
    await course(h);
    const first = await h.platform.createDraft(h.admin, { ...target, partId: 'p1', imageId: imageId(7) });
    await h.platform.createDraft(h.admin, { ...target, partId: 'p1', imageId: imageId(9) });
    const other = await h.platform.createDraft(h.admin, { ...target, partId: 'p2', imageId: imageId(8) });
    const tara = await h.actor('tara', ['read', 'author']);
    const pinned = await h.platform.submit(tara, { ...target, files: [file('a.py')], kind: 'author-test', parts: ['p1'], graderVersionId: first.id });
    expect(pinned.parts.map((p) => [p.partId, p.job?.graderVersionId, p.job?.priority])).toEqual([['p1', first.id, 'author-test']]);
    const submit = (input: object) => h.platform.submit(tara, { ...target, files: [file('a.py')], kind: 'author-test', ...input });
    await expect(submit({ parts: ['p1'], graderVersionId: other.id })).rejects.toBeInstanceOf(NotFound);
    await expect(submit({ parts: ['p1', 'p2'], graderVersionId: first.id })).rejects.toThrow(/give exactly one part/);
    await expect(submit({ graderVersionId: first.id })).rejects.toBeInstanceOf(InvalidInput);
    await expect(h.platform.submit(h.admin, { ...target, files: [file('a.py')], parts: ['p1'], graderVersionId: first.id })).rejects.toThrow(/graderVersion is for author tests only/);
  });

  it('keeps students to their own kind, scope and course', async () => {
    await course(h);
    const sam = await h.actor('sam');
    await expect(h.platform.submit(sam, { ...target, files: [file('a.py')], kind: 'author-test' })).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.submit(sam, { ...target, files: [file('a.py')], useDrafts: true })).rejects.toThrow(/useDrafts is for author tests only/);
    await expect(h.platform.submit(await h.actor('sam', ['read']), { ...target, files: [file('a.py')] })).rejects.toThrow(/lacks the 'submit' scope/);
    await h.platform.applyCourseFile(h.admin, { course: { id: 'cs102', title: 'Other' }, assignments: [{ id: ASSIGNMENT, title: 'x', parts: [] }] });
    await expect(h.platform.submit(sam, { courseId: 'cs102', assignmentId: ASSIGNMENT, files: [file('a.py')] })).rejects.toBeInstanceOf(NotFound);
    await expect(h.platform.submit(sam, { courseId: COURSE, assignmentId: 'hw9', files: [file('a.py')] })).rejects.toBeInstanceOf(NotFound);
  });

  it('checks the files it records', async () => {
    await course(h);
    const sam = await h.actor('sam');
    const bad: Array<[unknown, RegExp]> = [
      [[], /at least one file/],
      [[file('../x')], /not a relative path/],
      [[file('/etc/passwd')], /not a relative path/],
      [[file('a//b')], /not a relative path/],
      [[{ ...file('a'), size: -1 }], /byte count/],
      [[{ ...file('a'), digest: 'md5:x' }], /sha256/],
      [[file('a'), file('a')], /listed twice/],
    ];
    for (const [files, message] of bad) {
      const error = await h.platform.submit(sam, { ...target, files: files as never }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInput);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('lists submissions newest first: staff see all, students their own', async () => {
    await course(h);
    const sam = await h.actor('sam');
    const sue = await h.actor('sue');
    const first = await h.platform.submit(sam, { ...target, files: [file('a.py', '1')] });
    h.clock.advance(1000);
    const second = await h.platform.submit(sam, { ...target, files: [file('a.py', '2')] });
    h.clock.advance(1000);
    const sues = await h.platform.submit(sue, { ...target, files: [file('a.py', '3')] });
    expect((await h.platform.listSubmissions(h.admin, COURSE, ASSIGNMENT)).map((s) => s.id)).toEqual([sues.id, second.id, first.id]);
    expect((await h.platform.listSubmissions(h.admin, COURSE, ASSIGNMENT, { login: 'sam' })).map((s) => s.id)).toEqual([second.id, first.id]);
    expect((await h.platform.listSubmissions(sam, COURSE, ASSIGNMENT)).map((s) => s.id)).toEqual([second.id, first.id]);
    expect((await h.platform.listSubmissions(sam, COURSE, ASSIGNMENT, { login: 'sam' })).map((s) => s.id)).toEqual([second.id, first.id]);
    await expect(h.platform.listSubmissions(sam, COURSE, ASSIGNMENT, { login: 'sue' })).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.listSubmissions(sam, COURSE, 'hw9')).rejects.toBeInstanceOf(NotFound);
    expect(first.digest).not.toBe(second.digest);
    await expect(h.platform.getSubmission(sam, 'sub_missing')).rejects.toBeInstanceOf(NotFound);
  });
});
