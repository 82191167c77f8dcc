import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { RENDER_THREAD_FROM_BYTES } from '../../src/platform/render-views.ts';
import type { Selectable } from 'kysely';
import type { ResultsTable } from '../../src/db/tables.ts';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { HIDDEN_RESULT_FEEDBACK, pointsFor, staffResultView, studentResultView, visibleToStudents } from '../../src/platform/result-views.ts';
import { databases } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, file, gradeResult, type Harness, useHarness } from './helpers.ts';

const BEFORE = new Date('2029-12-31T00:00:00Z');
const AFTER = new Date('2030-01-02T00:00:00Z');
const DEADLINE = '2030-01-01T00:00:00.000Z';

function row(result: GradeResult): Selectable<ResultsTable> {
  const { json, gzip, bytes } = encodeResult(result);
  return { job_id: 'job_1', submission_id: 'sub_1', status: result.status, score: result.score, result: json, result_gzip: gzip, result_bytes: bytes, created_at: '2029-01-01T00:00:00.000Z' };
}

describe('result views', () => {
  it('shows students the score, points, feedback and visible tests only', () => {
    const view = studentResultView(row(gradeResult()), { points: 10, deadline: DEADLINE, now: BEFORE, scoresVisible: true });
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
    const after = studentResultView(row(gradeResult()), { points: 10, deadline: DEADLINE, now: AFTER, scoresVisible: true });
    expect(after.tests.map((t) => t.name)).toEqual(['shown', 'later']);
    const noDeadline = studentResultView(row(gradeResult()), { points: 10, deadline: null, now: AFTER, scoresVisible: true });
    expect(noDeadline.tests.map((t) => t.name)).toEqual(['shown']);
  });

  it('shows output only when the grader marked it visible', () => {
    const visible = gradeResult();
    visible.output.visibleToStudents = true;
    expect(studentResultView(row(visible), { points: 1, deadline: null, now: AFTER, scoresVisible: true }).output).toEqual({ stdout: 'grader log', stderr: 'traceback' });
  });

  it('hides score and feedback, keeping the status, while the result is not visible yet', () => {
    const hidden = studentResultView(row(gradeResult({ visibility: 'hidden' })), { points: 10, deadline: DEADLINE, now: AFTER, scoresVisible: true });
    expect(hidden).toMatchObject({ status: 'graded', score: null, points: null, feedback: { text: HIDDEN_RESULT_FEEDBACK, format: 'text' }, tests: [], output: null, full: null });
    const dueLater = gradeResult({ visibility: 'after_due_date' });
    expect(studentResultView(row(dueLater), { points: 10, deadline: DEADLINE, now: BEFORE, scoresVisible: true }).score).toBeNull();
    expect(studentResultView(row(dueLater), { points: 10, deadline: DEADLINE, now: AFTER, scoresVisible: true }).score).toBe(0.5);
    expect(studentResultView(row(gradeResult({ visibility: 'after_published' })), { points: 10, deadline: DEADLINE, now: AFTER, scoresVisible: true }).score).toBeNull();
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
    await h.store.saveResult(jobId, encodeResult(gradeResult()));

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

  /** All the parts of a JSON list body, joined. */
  async function text(parts: AsyncIterable<Buffer>): Promise<string> {
    const all: Buffer[] = [];
    for await (const part of parts) all.push(part);
    return Buffer.concat(all).toString('utf8');
  }

  it('gives the same views as JSON text, big compressed results rendered off the event loop included', async () => {
    const sam = await h.actor('sam');
    const tara = await h.actor('tara');
    const big = gradeResult({ tests: Array.from({ length: 2000 }, (_, i) => ({ name: `t${i}`, score: 1, maxScore: 1, status: 'passed' as const, output: randomBytes(200).toString('hex'), outputFormat: 'text' as const, visibility: i % 2 === 0 ? 'visible' as const : 'hidden' as const })) });
    // Big enough to be rendered on the thread, and stored compressed.
    expect(encodeResult(big)).toMatchObject({ json: '', bytes: expect.any(Number) as unknown });
    expect(encodeResult(big).bytes).toBeGreaterThan(RENDER_THREAD_FROM_BYTES);
    const ids: string[] = [];
    for (const result of [gradeResult(), big]) {
      const submission = await h.platform.submit(sam, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file(`a${ids.length}.py`)] });
      await h.store.saveResult((await h.platform.getSubmission(h.admin, submission.id)).parts[0]!.job!.id, encodeResult(result));
      ids.push(submission.id);
    }
    for (const actor of [sam, tara]) {
      for (const id of ids) {
        const json = await h.platform.getSubmissionJson(actor, id);
        expect(JSON.parse(json.json.toString('utf8'))).toEqual(await h.platform.getSubmission(actor, id));
        expect(json).toMatchObject({ id, login: 'sam', status: 'graded', staff: actor === tara, files: [expect.objectContaining({ path: expect.stringMatching(/^a\d\.py$/) as unknown })] });
      }
      const list = await text(await h.platform.listSubmissionsJson(actor, COURSE, ASSIGNMENT));
      expect(JSON.parse(list)).toEqual({ submissions: await h.platform.listSubmissions(actor, COURSE, ASSIGNMENT) });
    }
    const mine = JSON.parse((await h.platform.getSubmissionJson(sam, ids[1]!)).json.toString('utf8')) as { parts: { result: { tests: unknown[] } }[] };
    expect(mine.parts[0]!.result.tests).toHaveLength(1000);
  });

  it('checks permissions before the first part of a list is read, and lists nothing as an empty array', async () => {
    const sam = await h.actor('sam');
    await expect(h.platform.listSubmissionsJson(sam, COURSE, ASSIGNMENT, { login: 'tara' })).rejects.toThrow(/students may only list their own submissions/);
    expect(await text(await h.platform.listSubmissionsJson(sam, COURSE, ASSIGNMENT))).toBe('{"submissions":[]}');
  });
});
