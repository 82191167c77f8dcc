/**
 * An assignment's submission limits (maxSubmissions, minIntervalSeconds), on both databases:
 * refused before the files are received (assertCanSubmit) and in submit itself, per student,
 * staff exempt, gradebox's own failures not counted, exact under concurrent submissions.
 */
import { describe, expect, it } from 'vitest';
import { QuotaExhausted, TooManyRequests } from '../../src/platform/errors.ts';
import type { Actor, CourseFile } from '../../src/platform/model.ts';
import { failureResult } from '../../src/worker/failure-result.ts';
import { databases } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';
import { encodeResult } from '../../src/grader/stored-result.ts';

const target = { courseId: COURSE, assignmentId: ASSIGNMENT };

/** cs101 with hw1 limited as given (p1 graded) and hw2 unlimited. */
function limitedCourse(limits: { maxSubmissions?: number | null; minIntervalSeconds?: number | null }): CourseFile {
  const base = courseFile();
  const [hw1] = base.assignments ?? [];
  return { ...base, assignments: [{ ...hw1!, ...limits }, { id: 'hw2', title: 'Homework 2', parts: [{ id: 'p1', points: 1 }] }] };
}

async function setUp(h: Harness, limits: Parameters<typeof limitedCourse>[0]): Promise<void> {
  await h.platform.applyCourseFile(h.admin, limitedCourse(limits));
  for (const assignmentId of [ASSIGNMENT, 'hw2']) {
    await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId, partId: 'p1', imageId: imageId(1) });
    await h.platform.publish(h.admin, COURSE, assignmentId);
  }
}

async function submit(h: Harness, actor: Actor, assignmentId = ASSIGNMENT) {
  await h.platform.assertCanSubmit(actor, COURSE, assignmentId);
  return h.platform.submit(actor, { courseId: COURSE, assignmentId, files: [file('a.py', `print(${Math.random()})`)] });
}

describe.each(databases)('submission limits on $name', (factory) => {
  let h: Harness;
  useHarness(factory, (world) => ({ h } = world));

  it('are shown in the assignment, null when the course file sets none', async () => {
    await setUp(h, { maxSubmissions: 3, minIntervalSeconds: 600 });
    const sam = await h.actor('sam', ['read', 'submit']);
    const [hw1, hw2] = await h.platform.listAssignments(sam, COURSE);
    expect(hw1).toMatchObject({ id: ASSIGNMENT, maxSubmissions: 3, minIntervalSeconds: 600 });
    expect(hw2).toMatchObject({ id: 'hw2', maxSubmissions: null, minIntervalSeconds: null });
  });

  it('cap the submissions of each student, before the files and in submit, staff exempt', async () => {
    await setUp(h, { maxSubmissions: 2 });
    const [sam, sue, tara, ines] = await Promise.all(['sam', 'sue', 'tara', 'ines'].map((login) => h.actor(login)));
    await submit(h, sam!);
    await submit(h, sam!);
    const refused = await h.platform.assertCanSubmit(sam!, COURSE, ASSIGNMENT).catch((e: unknown) => e);
    // 429 like every refusal of the limits, but with nothing to wait for: only the staff can help.
    expect(refused).toBeInstanceOf(QuotaExhausted);
    expect(refused).toMatchObject({ status: 429, code: 'submission-limit', retryAfterSeconds: undefined, details: { maxSubmissions: 2, used: 2, nextAllowedAt: null } });
    expect((refused as Error).message).toMatch(/allows 2 submissions and you have made them all; no further submission will be accepted: ask your instructors/);
    // submit checks again on its own (a caller that skipped assertCanSubmit, or a race).
    await expect(h.platform.submit(sam!, { ...target, files: [file('a.py')] })).rejects.toMatchObject({ code: 'submission-limit' });
    // Other students, other assignments, staff and admins are not held back.
    await submit(h, sue!);
    await submit(h, sam!, 'hw2');
    for (const actor of [tara!, ines!, h.admin, tara!, tara!]) await submit(h, actor);
    expect(await h.platform.listSubmissions(ines!, COURSE, ASSIGNMENT, { login: 'sam' })).toHaveLength(2);
  });

  it('space a student’s submissions out, telling when the next one is allowed', async () => {
    await setUp(h, { minIntervalSeconds: 60 });
    const [sam, sue] = await Promise.all(['sam', 'sue'].map((login) => h.actor(login)));
    const first = await submit(h, sam!);
    h.clock.advance(20_500);
    const refused = await submit(h, sam!).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyRequests);
    const nextAllowedAt = new Date(Date.parse(first.submittedAt) + 60_000).toISOString();
    expect(refused).toMatchObject({ status: 429, code: 'submission-too-soon', retryAfterSeconds: 40, details: { minIntervalSeconds: 60, nextAllowedAt, retryAfterSeconds: 40 } });
    expect((refused as Error).message).toContain(`submit again in 40 s (at ${nextAllowedAt})`);
    // A second is never rounded down to nothing.
    h.clock.advance(39_400);
    await expect(submit(h, sam!)).rejects.toMatchObject({ retryAfterSeconds: 1 });
    await submit(h, sue!);
    h.clock.advance(100);
    await submit(h, sam!);
  });

  it('do not count a submission gradebox itself failed, but count one its grader failed', async () => {
    await setUp(h, { maxSubmissions: 1, minIntervalSeconds: 3600 });
    const sam = await h.actor('sam');
    const failed = await submit(h, sam);
    const job = await jobOf(h, failed.id);
    // System errors used every attempt: the worker stores a grader-error saying so.
    for (let attempt = 1; attempt <= 3; attempt++) await h.store.noteSystemError(job, attempt, 'Error: the sandbox could not start');
    const context = await h.store.loadJob(job);
    await h.store.saveResult(job, encodeResult(failureResult(context!, 'gradebox could not run the grader after 3 attempts')));
    const graded = await submit(h, sam);
    // This one's grader crashed on its own: the student's attempt counts.
    await h.store.saveResult(await jobOf(h, graded.id), encodeResult(gradeResult({ status: 'grader-error', score: null, errors: ['invalid output'] })));
    h.clock.advance(3600_000);
    await expect(submit(h, sam)).rejects.toMatchObject({ code: 'submission-limit', details: { used: 1 } });
  });

  it('count a submission still being graded, and refuse with 429 without Retry-After once all are made', async () => {
    await setUp(h, { maxSubmissions: 1 });
    const sam = await h.actor('sam');
    const waiting = await submit(h, sam);
    expect(waiting.status).toBe('grading');
    const refused = await submit(h, sam).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 429, code: 'submission-limit', retryAfterSeconds: undefined, details: { used: 1, nextAllowedAt: null } });
    // A system error noted along the way does not free the slot while the job may still grade.
    await h.store.noteSystemError(await jobOf(h, waiting.id), 1, 'Error: the sandbox could not start');
    await expect(submit(h, sam)).rejects.toMatchObject({ code: 'submission-limit' });
  });

  it('let exactly as many concurrent submissions through as remain', async () => {
    await setUp(h, { maxSubmissions: 3 });
    const sam = await h.actor('sam');
    await submit(h, sam);
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => h.platform.submit(sam, { ...target, files: [file('a.py')] })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'submission-limit' });
  });

  it('change with the course file: shown by apply, lifted by leaving them out', async () => {
    await setUp(h, { maxSubmissions: 1 });
    const sam = await h.actor('sam');
    await submit(h, sam);
    await expect(submit(h, sam)).rejects.toMatchObject({ code: 'submission-limit' });
    const changes = await h.platform.applyCourseFile(h.admin, limitedCourse({ maxSubmissions: 2, minIntervalSeconds: 30 }));
    expect(changes).toContainEqual({ action: 'update', kind: 'assignment', target: `${COURSE}/${ASSIGNMENT}`, detail: 'maxSubmissions, minIntervalSeconds' });
    h.clock.advance(30_000);
    await submit(h, sam);
    await expect(submit(h, sam)).rejects.toMatchObject({ code: 'submission-limit' });
    const lifted = await h.platform.applyCourseFile(h.admin, limitedCourse({}));
    expect(lifted).toContainEqual({ action: 'update', kind: 'assignment', target: `${COURSE}/${ASSIGNMENT}`, detail: 'maxSubmissions, minIntervalSeconds' });
    await submit(h, sam);
    await submit(h, sam);
    expect(await h.platform.applyCourseFile(h.admin, limitedCourse({}))).toContainEqual({ action: 'unchanged', kind: 'assignment', target: `${COURSE}/${ASSIGNMENT}` });
  });
});

/** The id of the job grading `submissionId`. */
async function jobOf(h: Harness, submissionId: string): Promise<string> {
  const ines = await h.actor('ines');
  const submission = await h.platform.getSubmission(ines, submissionId);
  const jobId = submission.parts[0]?.job?.id;
  if (jobId === undefined) throw new Error('no job');
  return jobId;
}
