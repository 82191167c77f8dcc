/**
 * Completion and assignment grades on both databases: every way to complete (the student, staff
 * for one, staff for all, the completion time), the frozen submission and its grading, the
 * stored raw grade and its derivation, un-completing and completing again, the completion time
 * passing while no server runs, two servers racing for it, roles and bad input.
 */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { aggregateGrade } from '../../src/platform/autograde-methods.ts';
import { freeScheduleLeases, SCHEDULE_LEASE_MS } from '../../src/platform/durable-schedules.ts';
import { createPlatform } from '../../src/platform/create-platform.ts';
import { createGradingStore } from '../../src/platform/grading-store.ts';
import type { Actor, CourseFile } from '../../src/platform/model.ts';
import type { Platform } from '../../src/platform/platform.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const DEADLINE = '2030-01-01T00:00:00.000Z';

/** hw1: completion, parts graded at once; hw2: completion, parts graded at completion; hw3: trigger submit. */
function workflowCourse(overrides: { completeAt?: string | null; deadline?: string } = {}): CourseFile {
  const parts = [
    { id: 'p1', points: 10 },
    { id: 'p2', points: 5 },
  ];
  const deadline = overrides.deadline ?? DEADLINE;
  return courseFile({
    assignments: [
      { id: 'hw1', title: 'Immediate', deadline, trigger: 'completion', parts },
      { id: 'hw2', title: 'On completion', deadline, trigger: 'completion', partFeedback: 'on-completion', completeAt: overrides.completeAt ?? null, parts },
      { id: 'hw3', title: 'On submit', deadline, parts },
    ],
  });
}

async function setUp(h: Harness, overrides: Parameters<typeof workflowCourse>[0] = {}): Promise<Record<string, Actor>> {
  await h.platform.applyCourseFile(h.admin, workflowCourse(overrides));
  for (const assignmentId of ['hw1', 'hw2', 'hw3']) {
    for (const [i, partId] of ['p1', 'p2'].entries()) await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId, partId, imageId: imageId(i + 1) });
    await h.platform.publish(h.admin, COURSE, assignmentId);
  }
  const actors: Record<string, Actor> = {};
  for (const login of ['ines', 'tara', 'sam', 'sue']) actors[login] = await h.actor(login);
  return actors;
}

const submit = (h: Harness, actor: Actor, assignmentId: string, content = 'answer') =>
  h.platform.submit(actor, { courseId: COURSE, assignmentId, files: [file('a.py', `${content} ${Math.random()}`)] });

/** Stores a result for every job of the submission that has none: `scores[part]` (default 1). */
async function gradeAll(t: TestDatabase, h: Harness, submissionId: string, scores: Record<string, number | 'grader-error'> = {}): Promise<number> {
  const jobs = await t.db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.part_id'])
    .where('j.submission_id', '=', submissionId)
    .where('r.job_id', 'is', null)
    .execute();
  for (const job of jobs) {
    const score = scores[job.part_id] ?? 1;
    const result = score === 'grader-error' ? gradeResult({ status: 'grader-error', score: null, errors: ['crashed'] }) : gradeResult({ score });
    await h.store.saveResult(job.id, encodeResult(result));
  }
  return jobs.length;
}

const jobCount = async (t: TestDatabase, submissionId: string): Promise<number> =>
  (await t.db.selectFrom('grading_jobs').select('id').where('submission_id', '=', submissionId).execute()).length;

const grade = async (h: Harness, actor: Actor, assignmentId: string, login: string) => {
  const [found] = await h.platform.listGrades(actor, COURSE, assignmentId, { login });
  return found!;
};

describe('the aggregate method', () => {
  it('weighs each part by its points, and a part not graded earns nothing', () => {
    const part = (points: number, earned: number | null) => ({ partId: 'p', points, earned, status: earned === null ? ('grader-error' as const) : ('graded' as const) });
    expect(aggregateGrade([part(10, 5), part(5, 5)])).toEqual({ rawGrade: 66.67, detail: null });
    expect(aggregateGrade([part(10, 10), part(5, null)])).toEqual({ rawGrade: 66.67, detail: null });
    expect(aggregateGrade([part(1, 1), part(0, 0)])).toEqual({ rawGrade: 100, detail: null });
    expect(aggregateGrade([part(0, 0), part(0, 0)])).toEqual({ rawGrade: 0, detail: 'the parts have 0 points possible: nothing to earn' });
    expect(aggregateGrade([])).toMatchObject({ rawGrade: 0 });
    expect(aggregateGrade([part(3, 1)])).toEqual({ rawGrade: 33.33, detail: null });
  });
});

describe.each(databases)('completion and grades on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it('a student completes their own work: the newest submission is frozen, graded, and locked', async () => {
    const { sam, ines } = await setUp(h);
    const older = await submit(h, sam!, 'hw1');
    h.clock.advance(1000);
    const newest = await submit(h, sam!, 'hw1');
    await gradeAll(t, h, older.id, { p1: 1, p2: 1 });
    h.clock.advance(60_000);
    const outcome = await h.platform.complete(sam!, COURSE, 'hw1');
    expect(outcome).toEqual({
      changed: 1,
      completions: [{ courseId: COURSE, assignmentId: 'hw1', login: 'sam', completedAt: h.clock.now.toISOString(), completedBy: 'sam', how: 'student', submissionId: newest.id }],
    });
    // The newest submission's parts are still being graded: pending, and no grade yet.
    expect(await grade(h, ines!, 'hw1', 'sam')).toMatchObject({ status: 'pending', rawGrade: null, finalGrade: null, submissionId: newest.id });
    await gradeAll(t, h, newest.id, { p1: 0.5, p2: 1 });
    const graded = await grade(h, sam!, 'hw1', 'sam');
    expect(graded).toMatchObject({
      status: 'graded',
      trigger: 'completion',
      method: 'aggregate',
      submissionId: newest.id,
      parts: [
        { partId: 'p1', points: 10, earned: 5, status: 'graded' },
        { partId: 'p2', points: 5, earned: 5, status: 'graded' },
      ],
      pointsEarned: 10,
      pointsPossible: 15,
      rawGrade: 66.67,
      late: { at: h.clock.now.toISOString(), secondsLate: 0, factor: 1, rule: 'on time', deadline: DEADLINE },
      finalGrade: 66.67,
      withheld: false,
    });
    // Completed work is final: no more submissions, no second completion.
    await expect(submit(h, sam!, 'hw1')).rejects.toMatchObject({ status: 409, code: 'completed' });
    await expect(h.platform.assertCanSubmit(sam!, COURSE, 'hw1')).rejects.toMatchObject({ code: 'completed' });
    await expect(h.platform.complete(sam!, COURSE, 'hw1')).rejects.toMatchObject({ status: 409, code: 'already-completed' });
    expect(await h.platform.listCompletions(sam!, COURSE, 'hw1')).toHaveLength(1);
  });

  it('staff complete one student (none submitted: a stored grade of 0) or everyone, with a count of who changed', async () => {
    const { sam, sue, tara, ines } = await setUp(h);
    const made = await h.platform.complete(tara!, COURSE, 'hw1', { login: 'sue' });
    expect(made.completions[0]).toMatchObject({ login: 'sue', completedBy: 'tara', how: 'staff', submissionId: null });
    expect(await grade(h, sue!, 'hw1', 'sue')).toMatchObject({ status: 'no-submission', submissionId: null, rawGrade: 0, finalGrade: 0, pointsPossible: 15 });
    await expect(h.platform.complete(ines!, COURSE, 'hw1', { login: 'sue' })).rejects.toMatchObject({ code: 'already-completed' });

    const submitted = await submit(h, sam!, 'hw1');
    await gradeAll(t, h, submitted.id, { p1: 1, p2: 'grader-error' });
    const all = await h.platform.complete(ines!, COURSE, 'hw1', { all: true });
    expect(all.changed).toBe(1);
    expect(all.completions).toMatchObject([{ login: 'sam', how: 'all', completedBy: 'ines', submissionId: submitted.id }]);
    expect((await h.platform.complete(ines!, COURSE, 'hw1', { all: true })).changed).toBe(0);
    const grades = await h.platform.listGrades(ines!, COURSE, 'hw1');
    expect(grades.map((g) => [g.login, g.status, g.rawGrade])).toEqual([
      ['sam', 'graded', 66.67],
      ['sue', 'no-submission', 0],
    ]);
    expect(grades[0]!.parts[1]).toEqual({ partId: 'p2', points: 5, earned: null, status: 'grader-error' });
  });

  it('with part feedback on completion, submissions wait and only the completed one is graded', async () => {
    const { sam, ines } = await setUp(h);
    const first = await submit(h, sam!, 'hw2');
    h.clock.advance(1000);
    const second = await submit(h, sam!, 'hw2');
    expect(second.status).toBe('awaiting-completion');
    expect(second.parts).toEqual([]);
    expect(await h.queue.size()).toEqual({ waiting: 0, leased: 0 });
    expect(await grade(h, ines!, 'hw2', 'sam')).toMatchObject({ status: 'not-completed', rawGrade: null, late: null });

    await h.platform.complete(ines!, COURSE, 'hw2', { login: 'sam' });
    expect(await jobCount(t, first.id)).toBe(0);
    expect(await jobCount(t, second.id)).toBe(2);
    expect((await h.platform.getSubmission(sam!, second.id)).status).toBe('grading');
    await gradeAll(t, h, second.id, { p1: 0.3, p2: 0.6 });
    expect(await grade(h, sam!, 'hw2', 'sam')).toMatchObject({ status: 'graded', pointsEarned: 6, rawGrade: 40, finalGrade: 40 });
    expect((await h.platform.getSubmission(sam!, second.id)).status).toBe('graded');
  });

  it('staff un-complete; the student may submit again, and completing again grades again at the new date', async () => {
    const { sam, tara, ines } = await setUp(h, { deadline: '2029-06-01T00:00:00.000Z' });
    h.clock.now = new Date('2029-05-31T00:00:00.000Z');
    const submitted = await submit(h, sam!, 'hw2');
    await h.platform.complete(sam!, COURSE, 'hw2');
    await gradeAll(t, h, submitted.id, { p1: 1, p2: 1 });
    expect(await grade(h, ines!, 'hw2', 'sam')).toMatchObject({ rawGrade: 100, finalGrade: 100, late: { secondsLate: 0, rule: 'on time' } });

    await expect(h.platform.uncomplete(sam!, COURSE, 'hw2', 'sam')).rejects.toMatchObject({ status: 403 });
    const removed = await h.platform.uncomplete(tara!, COURSE, 'hw2', 'sam');
    expect(removed).toMatchObject({ changed: 1, completions: [{ login: 'sam', how: 'student' }] });
    await expect(h.platform.uncomplete(tara!, COURSE, 'hw2', 'sam')).rejects.toMatchObject({ status: 409, code: 'not-completed' });
    expect(await grade(h, ines!, 'hw2', 'sam')).toMatchObject({ status: 'not-completed', rawGrade: null });

    // Two days later, past the deadline: the completion date is what lateness is measured at.
    h.clock.now = new Date('2029-06-02T00:00:00.000Z');
    const again = await submit(h, sam!, 'hw2');
    await h.platform.complete(ines!, COURSE, 'hw2', { login: 'sam' });
    expect(await jobCount(t, again.id)).toBe(2);
    await gradeAll(t, h, again.id, { p1: 0.5, p2: 0 });
    expect(await grade(h, ines!, 'hw2', 'sam')).toMatchObject({
      status: 'graded',
      submissionId: again.id,
      completion: { completedAt: '2029-06-02T00:00:00.000Z', how: 'staff' },
      rawGrade: 33.33,
      late: { at: '2029-06-02T00:00:00.000Z', secondsLate: 86400, factor: 1, rule: '1 d late: no late penalty' },
      finalGrade: 33.33,
    });

    // Completing the same submission again regrades its parts (Codio's way to regrade one student).
    await h.platform.uncomplete(ines!, COURSE, 'hw2', 'sam');
    h.clock.advance(1000);
    await h.platform.complete(ines!, COURSE, 'hw2', { login: 'sam' });
    expect(await jobCount(t, again.id)).toBe(4);
    expect(await grade(h, ines!, 'hw2', 'sam')).toMatchObject({ status: 'pending' });
    await gradeAll(t, h, again.id, { p1: 1, p2: 1 });
    expect(await grade(h, ines!, 'hw2', 'sam')).toMatchObject({ status: 'graded', rawGrade: 100 });
  });

  it('trigger submit: the newest submission counts at its submittedAt; there is nothing to complete', async () => {
    const { sam, sue, ines } = await setUp(h, { deadline: '2029-06-01T00:00:00.000Z' });
    h.clock.now = new Date('2029-05-01T00:00:00.000Z');
    expect(await grade(h, ines!, 'hw3', 'sam')).toMatchObject({ status: 'not-submitted', trigger: 'submit', late: null });
    const first = await submit(h, sam!, 'hw3');
    await gradeAll(t, h, first.id, { p1: 1, p2: 0 });
    expect(await grade(h, sam!, 'hw3', 'sam')).toMatchObject({ status: 'graded', rawGrade: 66.67, late: { at: first.submittedAt, factor: 1, rule: 'on time' } });
    h.clock.now = new Date('2029-06-01T00:00:01.000Z');
    const late = await submit(h, sam!, 'hw3');
    expect(await grade(h, ines!, 'hw3', 'sam')).toMatchObject({ status: 'pending', submissionId: late.id, rawGrade: null });
    await gradeAll(t, h, late.id, { p1: 1, p2: 1 });
    expect(await grade(h, ines!, 'hw3', 'sam')).toMatchObject({ status: 'graded', rawGrade: 100, late: { secondsLate: 1, rule: '1 s late: no late penalty' } });
    await expect(h.platform.complete(sam!, COURSE, 'hw3')).rejects.toMatchObject({ status: 409, code: 'not-completion-trigger' });
    expect((await h.platform.listGrades(sue!, COURSE, 'hw3')).map((g) => g.login)).toEqual(['sue']);
  });

  it("a change of the parts' points in the course file re-derives stored grades without grading again", async () => {
    const { sam, ines } = await setUp(h);
    const submitted = await submit(h, sam!, 'hw1');
    await h.platform.complete(sam!, COURSE, 'hw1');
    await gradeAll(t, h, submitted.id, { p1: 1, p2: 0 });
    expect(await grade(h, ines!, 'hw1', 'sam')).toMatchObject({ rawGrade: 66.67, pointsPossible: 15 });
    const file = workflowCourse();
    const hw1 = file.assignments![0]!;
    file.assignments![0] = { ...hw1, parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 30 }] };
    await h.platform.applyCourseFile(h.admin, file);
    expect(await jobCount(t, submitted.id)).toBe(2);
    const row = await t.db.selectFrom('assignment_grades').select('raw_grade').where('login', '=', 'sam').where('assignment_id', '=', 'hw1').executeTakeFirstOrThrow();
    expect(row.raw_grade).toBe(25);
    expect(await grade(h, ines!, 'hw1', 'sam')).toMatchObject({ rawGrade: 25, pointsEarned: 10, pointsPossible: 40 });
  });

  it('students see their own grade only, withheld while a part result is hidden from them', async () => {
    const { sam, sue } = await setUp(h);
    const submitted = await submit(h, sam!, 'hw1');
    await h.platform.complete(sam!, COURSE, 'hw1');
    const jobs = await t.db.selectFrom('grading_jobs').select(['id', 'part_id']).where('submission_id', '=', submitted.id).orderBy('part_id').execute();
    await h.store.saveResult(jobs[0]!.id, encodeResult(gradeResult({ score: 1, visibility: 'hidden' })));
    await h.store.saveResult(jobs[1]!.id, encodeResult(gradeResult({ score: 1 })));
    expect(await grade(h, sam!, 'hw1', 'sam')).toMatchObject({ status: 'graded', withheld: true, rawGrade: null, finalGrade: null, pointsEarned: null });
    expect(await grade(h, h.admin, 'hw1', 'sam')).toMatchObject({ withheld: false, rawGrade: 100 });
    await expect(h.platform.listGrades(sue!, COURSE, 'hw1', { login: 'sam' })).rejects.toMatchObject({ status: 403 });
    expect(await h.platform.listCompletions(sue!, COURSE, 'hw1')).toEqual([]);
  });

  it('refuses what roles do not allow and bad input, with what to do', async () => {
    const { sam, sue, tara } = await setUp(h);
    await expect(h.platform.complete(sam!, COURSE, 'hw1', { login: 'sue' })).rejects.toMatchObject({ status: 403 });
    await expect(h.platform.complete(sam!, COURSE, 'hw1', { all: true })).rejects.toMatchObject({ status: 403 });
    await expect(h.platform.complete(tara!, COURSE, 'hw1')).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/name the student/) as unknown });
    await expect(h.platform.complete(tara!, COURSE, 'hw1', { login: 'nobody' })).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/no student 'nobody'/) as unknown });
    await expect(h.platform.complete(tara!, COURSE, 'hw1', { login: 'ines' })).rejects.toMatchObject({ status: 404 });
    await expect(h.platform.complete(tara!, COURSE, 'hw1', { login: 'sue', all: true })).rejects.toMatchObject({ status: 400 });
    await expect(h.platform.complete(sam!, COURSE, 'nope')).rejects.toMatchObject({ status: 404, message: 'no assignment cs101/nope' });
    await expect(h.platform.complete(sam!, 'other', 'hw1')).rejects.toMatchObject({ status: 404 });
    await expect(h.platform.listGrades(tara!, COURSE, 'hw1', { login: 'nobody' })).rejects.toMatchObject({ status: 404 });
    const readOnly = await h.actor('sue', ['read']);
    await expect(h.platform.complete(readOnly, COURSE, 'hw1')).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/'submit' scope/) as unknown });
    await expect(h.platform.uncomplete(await h.actor('tara', ['read']), COURSE, 'hw1', 'sue')).rejects.toMatchObject({ status: 403 });
    expect(await h.platform.listCompletions(sue!, COURSE, 'hw1')).toEqual([]);
    const garbage = workflowCourse({ completeAt: 'tomorrow at noon' });
    await expect(h.platform.applyCourseFile(h.admin, garbage)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('assignments[1].completeAt: "tomorrow at noon" is not a time with a time zone') as unknown,
    });
  });

  it('completes everyone at the completion time, also when no server ran at that moment, each student once', async () => {
    const completeAt = '2029-03-01T12:00:00.000Z';
    h.clock.now = new Date('2029-03-01T11:00:00.000Z');
    const { sam, ines } = await setUp(h, { completeAt, deadline: '2029-03-01T11:30:00.000Z' });
    const submitted = await submit(h, sam!, 'hw2');
    expect(await h.platform.runDueCompletions('server-a')).toBe(0);

    // The server stops; the moment passes; another one starts on the same database and catches up.
    h.clock.now = new Date('2029-03-02T08:00:00.000Z');
    const restarted = createPlatform({ db: t.db, queue: h.queue, now: () => h.clock.now });
    expect(await restarted.runDueCompletions('server-b')).toBe(2);
    expect(await restarted.runDueCompletions('server-b')).toBe(0);
    expect(await h.platform.runDueCompletions('server-a')).toBe(0);
    const completions = await h.platform.listCompletions(ines!, COURSE, 'hw2');
    expect(completions).toEqual([
      { courseId: COURSE, assignmentId: 'hw2', login: 'sam', completedAt: completeAt, completedBy: 'gradebox', how: 'expiry', submissionId: submitted.id },
      { courseId: COURSE, assignmentId: 'hw2', login: 'sue', completedAt: completeAt, completedBy: 'gradebox', how: 'expiry', submissionId: null },
    ]);
    expect(await jobCount(t, submitted.id)).toBe(2);
    await gradeAll(t, h, submitted.id);
    // Lateness is measured at the completion time, not at when a server got round to it.
    expect(await grade(h, ines!, 'hw2', 'sam')).toMatchObject({ rawGrade: 100, late: { at: completeAt, secondsLate: 1800, rule: '30 min late: no late penalty' } });
    // The assignment is closed for students now; staff may still reopen and complete.
    await h.platform.uncomplete(ines!, COURSE, 'hw2', 'sam');
    await expect(h.platform.complete(sam!, COURSE, 'hw2')).rejects.toMatchObject({ status: 409, code: 'locked' });
    expect(await restarted.runDueCompletions('server-b')).toBe(0);
    await h.platform.complete(ines!, COURSE, 'hw2', { login: 'sam' });
  });

  it("a server that died holding a completion time leaves it to the next once its lease runs out", async () => {
    h.clock.now = new Date('2029-03-01T11:00:00.000Z');
    const { ines } = await setUp(h, { completeAt: '2029-03-01T12:00:00.000Z' });
    h.clock.now = new Date('2029-03-01T12:00:00.000Z');
    // A server claimed it and died before completing anyone.
    await t.db.updateTable('completion_schedules').set({ leased_by: 'dead', lease_until: new Date(h.clock.now.getTime() + SCHEDULE_LEASE_MS).toISOString() }).execute();
    expect(await h.platform.runDueCompletions('alive')).toBe(0);
    h.clock.advance(SCHEDULE_LEASE_MS + 1000);
    expect(await h.platform.runDueCompletions('alive')).toBe(2);
    expect((await h.platform.listCompletions(ines!, COURSE, 'hw2')).map((c) => c.how)).toEqual(['expiry', 'expiry']);
  });

  it('the embedded server frees leases its dead predecessor held', async () => {
    h.clock.now = new Date('2029-03-01T11:00:00.000Z');
    await setUp(h, { completeAt: '2029-03-01T12:00:00.000Z' });
    h.clock.now = new Date('2029-03-01T12:00:00.000Z');
    await t.db.updateTable('completion_schedules').set({ leased_by: 'dead', lease_until: '2029-03-01T12:01:00.000Z' }).execute();
    expect(await freeScheduleLeases(t.db)).toBe(1);
    expect(await h.platform.runDueCompletions('restarted')).toBe(2);
  });

  it('a new completion time is a new action; no completion time, no action', async () => {
    h.clock.now = new Date('2029-03-01T11:00:00.000Z');
    const { ines } = await setUp(h, { completeAt: '2029-03-01T12:00:00.000Z' });
    const changes = await h.platform.applyCourseFile(h.admin, workflowCourse({ completeAt: '2029-03-05T12:00:00Z' }));
    expect(changes).toContainEqual({ action: 'update', kind: 'assignment', target: `${COURSE}/hw2`, detail: 'completeAt' });
    h.clock.now = new Date('2029-03-02T00:00:00.000Z');
    expect(await h.platform.runDueCompletions('a')).toBe(0);
    h.clock.now = new Date('2029-03-06T00:00:00.000Z');
    await h.platform.applyCourseFile(h.admin, workflowCourse({ completeAt: null }));
    expect(await h.platform.runDueCompletions('a')).toBe(0);
    expect(await h.platform.listCompletions(ines!, COURSE, 'hw2')).toEqual([]);
  });

  it('servers racing for the same completion time (and staff completing by hand) complete each student once', async () => {
    const completeAt = '2029-03-01T12:00:00.000Z';
    h.clock.now = new Date('2029-03-01T11:00:00.000Z');
    const { sam, sue, ines } = await setUp(h, { completeAt });
    const samWork = await submit(h, sam!, 'hw2');
    const sueWork = await submit(h, sue!, 'hw2');
    h.clock.now = new Date('2029-03-01T12:00:01.000Z');
    const servers: Platform[] = [];
    for (let i = 0; i < 3; i++) {
      // PostgreSQL: servers of their own connections. SQLite has one server per file: its timer
      // and its requests share the connection, and race all the same.
      const other = factory.name === 'postgres' ? await t.connectAgain() : t;
      const now = () => h.clock.now;
      servers.push(createPlatform({ db: other.db, queue: new SqlJobQueue(other.db, { now }), events: new SubmissionEvents(), now }));
    }
    // Meanwhile a student and staff complete by hand as well.
    const raced = await Promise.allSettled([
      ...servers.map((server, i) => server.runDueCompletions(`server-${i}`)),
      h.platform.complete(ines!, COURSE, 'hw2', { login: 'sue' }),
      h.platform.complete(ines!, COURSE, 'hw2', { all: true }),
    ]);
    const counts = raced.flatMap((r) => (r.status === 'fulfilled' ? [typeof r.value === 'number' ? r.value : r.value.changed] : []));
    // Only the completion of sue by name may lose the race (already completed): nothing else fails.
    for (const failure of raced.filter((r) => r.status === 'rejected')) expect(failure.reason).toMatchObject({ code: 'already-completed' });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await h.platform.listCompletions(ines!, COURSE, 'hw2')).toHaveLength(2);
    expect(await jobCount(t, samWork.id)).toBe(2);
    expect(await jobCount(t, sueWork.id)).toBe(2);
    const schedule = await t.db.selectFrom('completion_schedules').selectAll().executeTakeFirstOrThrow();
    expect(schedule.done_at).not.toBeNull();
    expect(await Promise.all(servers.map((server) => server.runDueCompletions('late')))).toEqual([0, 0, 0]);
  });

  it('a grading store of another server stores grades the same way', async () => {
    const { sam, ines } = await setUp(h);
    const submitted = await submit(h, sam!, 'hw1');
    await h.platform.complete(sam!, COURSE, 'hw1');
    const other = await t.connectAgain();
    const store = createGradingStore({ db: other.db, queue: new SqlJobQueue(other.db), events: new SubmissionEvents() });
    const jobs = await t.db.selectFrom('grading_jobs').select('id').where('submission_id', '=', submitted.id).execute();
    for (const job of jobs) await store.saveResult(job.id, encodeResult(gradeResult({ score: 0.25 })));
    expect(await grade(h, ines!, 'hw1', 'sam')).toMatchObject({ status: 'graded', rawGrade: 25 });
    const row = await t.db.selectFrom('assignment_grades').selectAll().where('login', '=', 'sam').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'graded', raw_grade: 25, method: 'aggregate', submission_id: submitted.id });
  });
});
