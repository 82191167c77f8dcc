import { beforeEach, describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { createGradingStore } from '../../src/platform/grading-store.ts';
import type { Submission, SubmissionEvent } from '../../src/platform/model.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

describe.each(databases)('GradingStore on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  let submission: Submission;
  let jobs: string[];
  useHarness(factory, (world) => ({ t, h } = world));
  beforeEach(async () => {
    await course(h, { bothParts: true });
    submission = await h.platform.submit(await h.actor('sam'), { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('b.py'), file('a.py')] });
    jobs = (await h.platform.getSubmission(h.admin, submission.id)).parts.map((p) => p.job!.id);
  });

  it('loads everything a worker needs for a job', async () => {
    const context = await h.store.loadJob(jobs[0]!);
    const p1 = (await h.platform.getAssignment(h.admin, COURSE, ASSIGNMENT)).parts[0]!.published!;
    expect(context).toEqual({
      jobId: jobs[0],
      submissionId: submission.id,
      files: [file('a.py'), file('b.py')],
      submittedAt: new Date(submission.submittedAt),
      login: 'sam',
      displayName: 'sam',
      courseId: COURSE,
      assignmentId: ASSIGNMENT,
      assignmentTitle: 'Homework 1',
      deadline: new Date('2030-01-01T00:00:00Z'),
      partId: 'p1',
      points: 10,
      grader: { versionId: p1.id, imageId: imageId(1), protocol: null, runAs: null, script: null, cpus: 1, memoryMiB: 1024, timeoutSeconds: 1200 },
      hasResult: false,
      systemErrors: 0,
    });
    expect(await h.store.loadJob('job_missing')).toBeUndefined();
  });

  it('records phases with their times and tells listeners', async () => {
    const heard: SubmissionEvent[] = [];
    const stop = h.events.subscribe(submission.id, (event) => heard.push(event));
    await h.store.setPhase(jobs[0]!, 'preparing');
    h.clock.advance(1000);
    await h.store.setPhase(jobs[0]!, 'running');
    stop();
    await h.store.setPhase(jobs[0]!, 'reporting');
    expect(heard).toEqual([
      { submissionId: submission.id, status: 'grading', partId: 'p1', phase: 'preparing' },
      { submissionId: submission.id, status: 'grading', partId: 'p1', phase: 'running' },
    ]);
    const job = await h.platform.getJob(h.admin, jobs[0]!);
    expect(job.phase).toBe('reporting');
    expect(job.attempts).toBe(1);
    expect(Object.keys(job.phases)).toEqual(['queued', 'preparing', 'running', 'reporting']);
    expect(Date.parse(job.phases.running!) - Date.parse(job.phases.preparing!)).toBe(1000);
  });

  it('stores a result once; a second delivery keeps the first', async () => {
    const heard: SubmissionEvent[] = [];
    h.events.subscribe(submission.id, (event) => heard.push(event));
    expect(await h.store.saveResult(jobs[0]!, encodeResult(gradeResult({ score: 0.5 })))).toBe(true);
    expect(await h.store.saveResult(jobs[0]!, encodeResult(gradeResult({ score: 1 })))).toBe(false);
    expect(await t.db.selectFrom('results').select(['job_id', 'score']).execute()).toEqual([{ job_id: jobs[0], score: 0.5 }]);
    expect((await h.store.loadJob(jobs[0]!))?.hasResult).toBe(true);
    expect(heard).toEqual([{ submissionId: submission.id, status: 'grading', partId: 'p1', phase: 'done' }]);

    // A late phase from a duplicate delivery does not reopen the job.
    await h.store.setPhase(jobs[0]!, 'running');
    expect((await h.platform.getJob(h.admin, jobs[0]!)).phase).toBe('done');

    expect(await h.store.saveResult(jobs[1]!, encodeResult(gradeResult({ status: 'timeout', score: null })))).toBe(true);
    expect(heard.at(-1)).toEqual({ submissionId: submission.id, status: 'graded', partId: 'p2', phase: 'done' });
    const view = await h.platform.getSubmission(h.admin, submission.id);
    expect(view.status).toBe('graded');
    expect(view.parts.map((p) => [p.job?.phase, p.result?.status, p.result?.points])).toEqual([
      ['done', 'graded', 5],
      ['done', 'timeout', null],
    ]);
    expect(await h.store.saveResult('job_missing', encodeResult(gradeResult()))).toBe(false);
  });

  it('stores exactly one result when two deliveries race on separate connections', async () => {
    const other = await t.connectAgain();
    const second = createGradingStore({ db: other.db, queue: new SqlJobQueue(other.db), events: new SubmissionEvents() });
    for (const jobId of jobs) {
      const outcomes = await Promise.all([h.store.saveResult(jobId, encodeResult(gradeResult({ score: 0.25 }))), second.saveResult(jobId, encodeResult(gradeResult({ score: 0.75 })))]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
    const rows = await t.db.selectFrom('results').select('job_id').execute();
    expect(rows.map((r) => r.job_id).sort()).toEqual([...jobs].sort());
  });

  it('notes system errors and the attempt for instructors', async () => {
    await h.store.setPhase(jobs[0]!, 'preparing');
    await h.store.noteSystemError(jobs[0]!, 1, 'runc: container init died');
    await h.store.setPhase(jobs[0]!, 'preparing');
    await h.store.noteSystemError(jobs[0]!, 3, 'disk full');
    const job = await h.platform.getJob(h.admin, jobs[0]!);
    expect(job).toMatchObject({ attempts: 3, lastError: 'disk full' });
    await h.store.noteSystemError(jobs[0]!, 2, 'late news');
    expect((await h.platform.getJob(h.admin, jobs[0]!)).attempts).toBe(3);
    // Only the failures count against the job, not the deliveries.
    expect((await h.store.loadJob(jobs[0]!))?.systemErrors).toBe(3);
  });
});
