import { beforeEach, describe, expect, it } from 'vitest';
import type { GradeResult, TestResult } from '../../src/grader/grade-result.ts';
import { COMPRESS_FROM_BYTES, encodeResult } from '../../src/grader/stored-result.ts';
import type { Actor, Submission } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const ROOM = { cpus: 4, memoryMiB: 8192 };

const test = (name: string, passed: boolean): TestResult => ({ name, score: passed ? 1 : 0, maxScore: 1, status: passed ? 'passed' : 'failed', output: '', outputFormat: 'text', visibility: 'visible' });

/** Claims and grades every queued job, in claim order, with `grade` (by login and part); returns the claimed job ids' owners. */
async function gradeQueued(h: Harness, grade: (login: string, partId: string) => Partial<GradeResult>): Promise<string[]> {
  const order: string[] = [];
  for (;;) {
    const claimed = await h.queue.claim({ workerId: 'w', free: ROOM, total: ROOM, leaseMs: 60_000 });
    if (!claimed) return order;
    order.push(`${claimed.owner}:${claimed.priority}`);
    const job = await h.store.loadJob(claimed.jobId);
    if (!job) throw new Error('no job');
    await h.store.saveResult(claimed.jobId, encodeResult(gradeResult(grade(job.login, job.partId))));
    await h.queue.complete(claimed.jobId, 'w');
  }
}

const oldGrading = (): Partial<GradeResult> => ({ score: 0.5, tests: [test('a', true), test('b', false)] });
const fixedGrading = (login: string, partId: string): Partial<GradeResult> =>
  login === 'sue' && partId === 'p2' ? { status: 'grader-error', score: null, tests: [] } : { score: login === 'sam' ? 1 : 0.5, tests: login === 'sam' ? [test('a', true), test('b', true)] : [test('a', true), test('b', false)] };

describe.each(databases)('regrades on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  let sam: Actor;
  let sue: Actor;
  let tara: Actor;
  let ines: Actor;
  const submissions: Record<string, Submission> = {};
  useHarness(factory, (world) => ({ t, h } = world));
  beforeEach(async () => {
    await course(h, { bothParts: true });
    sam = await h.actor('sam');
    sue = await h.actor('sue');
    tara = await h.actor('tara');
    ines = await h.actor('ines');
    for (const [login, actor] of [['sam', sam], ['sue', sue]] as const) {
      submissions[login] = await h.platform.submit(actor, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file(`${login}.py`)] });
    }
    await gradeQueued(h, oldGrading);
    // Regrades come later than the grading they redo (the test clock stands still otherwise).
    h.clock.advance(1000);
  });

  it('a dry run grades into shadow results, previews the changes, and apply makes them official', async () => {
    await t.db.insertInto('grade_overrides').values({ course_id: COURSE, assignment_id: ASSIGNMENT, login: 'sue', part_id: 'p1', value: 9, reason: 'talked', set_by: 'ines', set_at: new Date().toISOString() }).execute();
    const before = await h.platform.getSubmission(sam, submissions.sam!.id);
    const gradesBefore = await h.platform.listGrades(ines, COURSE, ASSIGNMENT);
    const started = await h.platform.startRegrade(tara, COURSE, ASSIGNMENT, { dryRun: true });
    expect(started).toMatchObject({ dryRun: true, state: 'running', students: null, parts: null, progress: { total: 4, done: 0, failed: 0, cancelled: 0 } });
    // Bulk priority in the queue; the submission and its readers see nothing of it.
    expect(await t.db.selectFrom('queue_jobs').select('priority').distinct().execute()).toEqual([{ priority: 2 }]);
    expect(await h.platform.getSubmission(sam, submissions.sam!.id)).toEqual(before);

    h.clock.advance(60_000);
    await gradeQueued(h, fixedGrading);
    expect(await h.platform.getSubmission(sam, submissions.sam!.id)).toEqual(before);
    expect(await h.platform.listGrades(ines, COURSE, ASSIGNMENT)).toEqual(gradesBefore);
    const preview = await h.platform.previewRegrade(tara, started.id);
    expect(preview.regrade).toMatchObject({ state: 'finished', progress: { total: 4, done: 4, failed: 1, etaSeconds: null } });
    expect(preview.rows.map((r) => [r.login, r.partId, r.current?.points, r.next?.points, r.delta, r.override?.value ?? null])).toEqual([
      ['sam', 'p1', 5, 10, 5, null],
      ['sam', 'p2', 2.5, 5, 2.5, null],
      ['sue', 'p1', 5, 5, 0, 9],
      ['sue', 'p2', 2.5, 0, -2.5, null],
    ]);
    expect(preview.rows[0]!.flippedTests).toEqual([{ name: 'b', from: 'failed', to: 'passed' }]);
    expect(preview.rows[3]!.flippedTests).toEqual([
      { name: 'a', from: 'passed', to: 'missing' },
      { name: 'b', from: 'failed', to: 'missing' },
    ]);
    expect(preview.summary).toEqual({
      students: { total: 2, up: 1, down: 1, same: 0 },
      parts: { total: 4, up: 2, down: 1, same: 1, pending: 0 },
      meanChange: 2.5,
      newFailures: { total: 1, byStatus: { 'grader-error': 1 } },
      overridden: { parts: 1, students: 1 },
      superseded: 0,
    });

    // TAs may not apply; instructors do, in one transaction.
    await expect(h.platform.applyRegrade(tara, started.id)).rejects.toMatchObject({ status: 403 });
    const applied = await h.platform.applyRegrade(ines, started.id);
    expect(applied).toMatchObject({ state: 'applied', closedBy: 'ines' });
    const after = await h.platform.getSubmission(sam, submissions.sam!.id);
    expect(after.submittedAt).toBe(before.submittedAt);
    expect(after.parts.map((p) => p.result?.points)).toEqual([10, 5]);
    const grades = await h.platform.listGrades(ines, COURSE, ASSIGNMENT);
    expect(grades.map((g) => [g.login, g.pointsEarned, g.rawGrade, g.late?.at])).toEqual([
      ['sam', 15, 100, before.submittedAt],
      // Sue's p1 keeps its override (9 of 10), whatever the regrade gave it: 9 + 0 of 15.
      ['sue', 9, 60, submissions.sue!.submittedAt],
    ]);
    // The override row is untouched.
    expect(await t.db.selectFrom('grade_overrides').select('value').execute()).toEqual([{ value: 9 }]);
    await expect(h.platform.applyRegrade(ines, started.id)).rejects.toMatchObject({ status: 409, code: 'regrade-closed' });
  });

  it('a regrade makes each result official as it comes, and students\u2019 submissions overtake it', async () => {
    const started = await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { students: ['sam'], parts: ['p1'] });
    expect(started).toMatchObject({ dryRun: false, students: ['sam'], parts: ['p1'], progress: { total: 1 } });
    const newer = await h.platform.submit(sue, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('sue2.py')] });
    const order = await gradeQueued(h, fixedGrading);
    // The student's two jobs first (priority 0), then the regrade's (priority 2).
    expect(order).toEqual(['sue:0', 'sue:0', 'sam:2']);
    expect((await h.platform.getSubmission(sam, submissions.sam!.id)).parts.map((p) => p.result?.points)).toEqual([10, 2.5]);
    expect((await h.platform.getSubmission(sue, newer.id)).status).toBe('graded');
    const done = await h.platform.getRegrade(ines, started.id);
    expect(done).toMatchObject({ state: 'finished', progress: { total: 1, done: 1, failed: 0 } });
    await expect(h.platform.previewRegrade(ines, started.id)).rejects.toMatchObject({ status: 409, code: 'not-a-dry-run' });
    // Finished: it no longer blocks another.
    await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { students: ['sam'] });
  });

  it('reads flipped tests from compressed (big) results too', async () => {
    const started = await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { dryRun: true, students: ['sam'], parts: ['p1'] });
    const big = 'x'.repeat(COMPRESS_FROM_BYTES);
    await gradeQueued(h, () => ({ score: 1, tests: [test('a', true), test('b', true)], feedback: { text: big, format: 'text' } }));
    expect(await t.db.selectFrom('results').select('result_gzip').where('job_id', 'in', t.db.selectFrom('grading_jobs').select('id').where('regrade_id', '=', started.id)).execute()).toEqual([
      { result_gzip: expect.anything() as unknown },
    ]);
    const preview = await h.platform.previewRegrade(ines, started.id);
    expect(preview.rows.map((r) => [r.login, r.partId, r.delta, r.flippedTests])).toEqual([['sam', 'p1', 5, [{ name: 'b', from: 'failed', to: 'passed' }]]]);
  });

  it('marks the rows of a submission that no longer counts', async () => {
    const started = await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { dryRun: true, students: ['sam'] });
    h.clock.advance(1000);
    await h.platform.submit(sam, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('newer.py')] });
    await gradeQueued(h, fixedGrading);
    const preview = await h.platform.previewRegrade(ines, started.id);
    expect(preview.rows.map((r) => [r.login, r.partId, r.superseded])).toEqual([
      ['sam', 'p1', true],
      ['sam', 'p2', true],
    ]);
    expect(preview.summary.superseded).toBe(2);
  });

  it('cancel takes unclaimed jobs out of the queue; discard drops the shadow results', async () => {
    const started = await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { dryRun: true });
    const claimed = await h.queue.claim({ workerId: 'w', free: ROOM, total: ROOM, leaseMs: 60_000 });
    const cancelled = await h.platform.cancelRegrade(tara, started.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', progress: { total: 4, done: 0, cancelled: 3 } });
    expect(await h.queue.size()).toEqual({ waiting: 0, leased: 1 });
    expect(await t.db.selectFrom('queue_owners').selectAll().execute()).toHaveLength(1);
    await expect(h.platform.cancelRegrade(ines, started.id)).rejects.toMatchObject({ status: 409, code: 'regrade-closed' });
    // The running job may finish; it stays a shadow.
    await h.store.saveResult(claimed!.jobId, encodeResult(gradeResult({ score: 1 })));
    expect((await h.platform.getRegrade(ines, started.id)).progress).toMatchObject({ done: 1, cancelled: 3 });
    await expect(h.platform.applyRegrade(ines, started.id)).rejects.toMatchObject({ status: 409, code: 'regrade-closed' });
    expect(await h.platform.discardRegrade(tara, started.id)).toMatchObject({ state: 'discarded' });
    expect(await t.db.selectFrom('grading_jobs').select('id').where('regrade_id', '=', started.id).execute()).toEqual([]);
    expect((await h.platform.getSubmission(sam, submissions.sam!.id)).parts.map((p) => p.result?.points)).toEqual([5, 2.5]);
  });

  it('a dry run of the draft publishes it on apply; a changed grader expires it', async () => {
    const draft = await h.platform.createDraft(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', imageId: imageId(3) });
    await expect(h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { grader: { kind: 'draft' } })).rejects.toMatchObject({ status: 400 });
    const started = await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { dryRun: true, grader: { kind: 'draft' } });
    expect(started.versions).toEqual({ p1: draft.id });
    await expect(h.platform.applyRegrade(ines, started.id)).rejects.toMatchObject({ status: 409, code: 'regrade-running' });
    await gradeQueued(h, fixedGrading);
    await h.platform.applyRegrade(ines, started.id);
    const parts = (await h.platform.getAssignment(ines, COURSE, ASSIGNMENT)).parts;
    expect(parts[0]!.published?.id).toBe(draft.id);

    // A dry run whose grader changes before apply has expired.
    const second = await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { dryRun: true, parts: ['p2'] });
    await gradeQueued(h, fixedGrading);
    await h.platform.createDraft(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p2', imageId: imageId(4) });
    await h.platform.publish(ines, COURSE, ASSIGNMENT);
    await expect(h.platform.applyRegrade(ines, second.id)).rejects.toMatchObject({ status: 409, code: 'regrade-expired', message: expect.stringContaining('published grader of p2 changed') as string });
    expect((await h.platform.getRegrade(ines, second.id)).state).toBe('expired');
    // The expired one no longer blocks a new one.
    await h.platform.startRegrade(ines, COURSE, ASSIGNMENT, { dryRun: true, parts: ['p2'] });
  });

  it('refuses bad requests with clear errors', async () => {
    const start = (actor: Actor, request: Parameters<typeof h.platform.startRegrade>[3]) => h.platform.startRegrade(actor, COURSE, ASSIGNMENT, request);
    await expect(start(ines, { grader: { kind: 'version', number: 7 } })).rejects.toMatchObject({ status: 404, message: expect.stringContaining('version 7') as string });
    await expect(start(ines, { parts: ['p1'], grader: { kind: 'version', number: 2 } })).rejects.toMatchObject({ status: 404 });
    await expect(start(ines, { students: ['nobody'] })).rejects.toMatchObject({ status: 404, message: expect.stringContaining("'nobody'") as string });
    await expect(start(ines, { parts: ['p9'] })).rejects.toMatchObject({ status: 404, message: expect.stringContaining("'p9'") as string });
    await expect(start(ines, { grader: { kind: 'version', number: 0 } })).rejects.toMatchObject({ status: 400 });
    await expect(start(sam, { dryRun: true })).rejects.toMatchObject({ status: 403 });
    await expect(start(tara, {})).rejects.toMatchObject({ status: 403, message: expect.stringContaining('dry run') as string });
    await expect(h.platform.startRegrade(ines, COURSE, 'hw9', {})).rejects.toMatchObject({ status: 404 });
    await h.platform.applyCourseFile(h.admin, { course: { id: COURSE, title: 'x' }, members: [{ login: 'new', role: 'student' }] });
    await expect(start(ines, { students: ['new'] })).rejects.toMatchObject({ status: 409, code: 'nothing-to-regrade' });

    // Two at once: one starts, the other is refused naming it (the unique index decides).
    const raced = await Promise.allSettled([start(ines, { dryRun: true }), start(tara, { dryRun: true })]);
    const won = raced.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = raced.flatMap((r) => (r.status === 'rejected' ? [r.reason as { status: number; code: string; message: string }] : []));
    expect(won).toHaveLength(1);
    expect(lost).toMatchObject([{ status: 409, code: 'regrade-open', message: expect.stringContaining(won[0]!.id) as string }]);
    await h.platform.discardRegrade(ines, won[0]!.id);

    const open = await start(tara, { dryRun: true, grader: { kind: 'version', number: 1 } });
    await expect(start(ines, { dryRun: true })).rejects.toMatchObject({ status: 409, code: 'regrade-open', message: expect.stringContaining(open.id) as string });
    await expect(h.platform.getRegrade(sam, open.id)).rejects.toMatchObject({ status: 403 });
    await expect(h.platform.previewRegrade(sam, open.id)).rejects.toMatchObject({ status: 403 });
    await expect(h.platform.getRegrade(ines, 'rg_missing')).rejects.toMatchObject({ status: 404 });
    const listed = await h.platform.listRegrades(tara, COURSE, ASSIGNMENT);
    expect(Object.fromEntries(listed.map((r) => [r.id, r.state]))).toEqual({ [open.id]: 'running', [won[0]!.id]: 'discarded' });
  });

  it('tells beforehand who may not apply a dry run, with the words apply refuses', async () => {
    const started = await h.platform.startRegrade(tara, COURSE, ASSIGNMENT, { dryRun: true });
    expect(await h.platform.regradeApplyRefusal(ines, started.id)).toBeNull();
    const why = await h.platform.regradeApplyRefusal(tara, started.id);
    expect(why).toBe(`only instructors of ${COURSE} may apply a dry run: it changes students\u2019 grades`);
    await gradeQueued(h, oldGrading);
    await expect(h.platform.applyRegrade(tara, started.id)).rejects.toMatchObject({ status: 403, message: why });
    expect(await h.platform.regradeApplyRefusal(await h.actor('ines', ['read']), started.id)).toContain("lacks the 'author' scope");
    await expect(h.platform.regradeApplyRefusal(sam, started.id)).rejects.toMatchObject({ status: 403 });
    await expect(h.platform.regradeApplyRefusal(ines, 'rg_missing')).rejects.toMatchObject({ status: 404 });
  });
});
