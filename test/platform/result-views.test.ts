import { beforeEach, describe, expect, it } from 'vitest';
import type { Selectable } from 'kysely';
import type { ResultsTable } from '../../src/db/tables.ts';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { HIDDEN_RESULT_FEEDBACK, pointsFor, staffResultView, studentResultView, visibleToStudents } from '../../src/platform/result-views.ts';
import { databases } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, file, gradeResult, type Harness, useHarness } from './helpers.ts';

const BEFORE = new Date('2029-12-31T00:00:00Z');
const AFTER = new Date('2030-01-02T00:00:00Z');
const DEADLINE = '2030-01-01T00:00:00.000Z';

function row(result: GradeResult): Selectable<ResultsTable> {
  return { job_id: 'job_1', submission_id: 'sub_1', status: result.status, score: result.score, result: JSON.stringify(result), created_at: '2029-01-01T00:00:00.000Z' };
}

describe('result views', () => {
  it('shows students the score, points, feedback and visible tests only', () => {
    const view = studentResultView(row(gradeResult()), { points: 10, deadline: DEADLINE, now: BEFORE });
    expect(view).toEqual({
      jobId: 'job_1',
      status: 'graded',
      score: 0.5,
      points: 5,
      feedback: { text: 'Half right.', format: 'text' },
      tests: [expect.objectContaining({ name: 'shown' })],
      output: null,
      createdAt: '2029-01-01T00:00:00.000Z',
      full: null,
    });
  });

  it('adds after_due_date tests once the deadline passed, never hidden ones', () => {
    const after = studentResultView(row(gradeResult()), { points: 10, deadline: DEADLINE, now: AFTER });
    expect(after.tests.map((t) => t.name)).toEqual(['shown', 'later']);
    const noDeadline = studentResultView(row(gradeResult()), { points: 10, deadline: null, now: AFTER });
    expect(noDeadline.tests.map((t) => t.name)).toEqual(['shown']);
  });

  it('shows output only when the grader marked it visible', () => {
    const visible = gradeResult();
    visible.output.visibleToStudents = true;
    expect(studentResultView(row(visible), { points: 1, deadline: null, now: AFTER }).output).toEqual({ stdout: 'grader log', stderr: 'traceback' });
  });

  it('hides score and feedback, keeping the status, while the result is not visible yet', () => {
    const hidden = studentResultView(row(gradeResult({ visibility: 'hidden' })), { points: 10, deadline: DEADLINE, now: AFTER });
    expect(hidden).toMatchObject({ status: 'graded', score: null, points: null, feedback: { text: HIDDEN_RESULT_FEEDBACK, format: 'text' }, tests: [], output: null, full: null });
    const dueLater = gradeResult({ visibility: 'after_due_date' });
    expect(studentResultView(row(dueLater), { points: 10, deadline: DEADLINE, now: BEFORE }).score).toBeNull();
    expect(studentResultView(row(dueLater), { points: 10, deadline: DEADLINE, now: AFTER }).score).toBe(0.5);
    expect(studentResultView(row(gradeResult({ visibility: 'after_published' })), { points: 10, deadline: DEADLINE, now: AFTER }).score).toBeNull();
  });

  it('shows staff everything', () => {
    const result = gradeResult({ visibility: 'hidden' });
    const view = staffResultView(row(result), { points: 10, deadline: DEADLINE, now: BEFORE });
    expect(view).toMatchObject({ score: 0.5, points: 5, output: { stdout: 'grader log', stderr: 'traceback' }, full: result });
    expect(view.tests).toHaveLength(3);
  });

  it('gives points only for graded results, rounded to 2 decimals', () => {
    expect(pointsFor('graded', 1 / 3, 10)).toBe(3.33);
    expect(pointsFor('graded', 0, 10)).toBe(0);
    expect(pointsFor('timeout', null, 10)).toBeNull();
    expect(pointsFor('grader-error', 0.5, 10)).toBeNull();
    expect(visibleToStudents(undefined, { deadline: null, now: AFTER })).toBe(true);
  });
});

describe.each(databases)('results through the platform on $name', (factory) => {
  let h: Harness;
  useHarness(factory, (world) => ({ h } = world));
  beforeEach(async () => {
    await course(h);
  });

  it('gives the student a filtered result and staff the whole one', async () => {
    const sam = await h.actor('sam');
    const submission = await h.platform.submit(sam, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('a.py')] });
    const jobId = (await h.platform.getSubmission(h.admin, submission.id)).parts[0]!.job!.id;
    await h.store.saveResult(jobId, gradeResult());

    const mine = await h.platform.getSubmission(sam, submission.id);
    expect(mine.status).toBe('graded');
    expect(mine.parts[0]).toMatchObject({ partId: 'p1', points: 10, job: null, result: { score: 0.5, points: 5, output: null, full: null } });
    expect(mine.parts[0]?.result?.tests.map((x) => x.name)).toEqual(['shown']);
    expect(JSON.stringify(mine)).not.toContain('expected 42');
    expect(JSON.stringify(mine)).not.toContain('exit code 1 next to a valid result');

    const staff = await h.platform.getSubmission(await h.actor('tara'), submission.id);
    expect(staff.parts[0]?.job?.phase).toBe('done');
    expect(staff.parts[0]?.result?.full?.warnings).toEqual(['exit code 1 next to a valid result']);
    expect(staff.parts[0]?.result?.tests).toHaveLength(3);

    h.clock.now = AFTER;
    const afterDeadline = (await h.platform.listSubmissions(sam, COURSE, ASSIGNMENT))[0]!;
    expect(afterDeadline.parts[0]?.result?.tests.map((x) => x.name)).toEqual(['shown', 'later']);
  });
});
