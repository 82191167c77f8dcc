/**
 * Golden submissions on both databases: pinning (default expectations, given ones, bad input,
 * twice, students), listing with the state against the drafts, unpinning, running goldens on
 * author-test copies (never on the student's submission), and publish's rule: refused when not
 * graded or changed, `acceptChanges` updating the expectations, unchanged results passing.
 */
import { describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { encodeResult } from '../../src/grader/stored-result.ts';
import type { PlatformError } from '../../src/platform/errors.ts';
import type { Actor } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

/** Stores a result for each job of the submission that has none: p1 `p1Score`, p2 right. */
async function gradeJobs(t: TestDatabase, h: Harness, submissionId: string, p1: Partial<GradeResult> = {}): Promise<void> {
  const jobs = await t.db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.part_id'])
    .where('j.submission_id', '=', submissionId)
    .where('r.job_id', 'is', null)
    .execute();
  for (const job of jobs) await h.store.saveResult(job.id, encodeResult(gradeResult(job.part_id === 'p1' ? { score: 0.5, ...p1 } : { score: 1 })));
}

async function refusal(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    return error as PlatformError;
  }
  throw new Error('expected a refusal');
}

describe.each(databases)('golden submissions on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  /** The course with both parts published; sam's graded submission (p1 5/10, p2 5/5). */
  async function setUp(): Promise<{ ines: Actor; tara: Actor; sam: Actor; samSubmission: string }> {
    await course(h, { bothParts: true });
    const [ines, tara, sam] = [await h.actor('ines'), await h.actor('tara'), await h.actor('sam')];
    const submission = await h.platform.submit(sam, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('main.py', 'print(1)')] });
    await gradeJobs(t, h, submission.id);
    return { ines, tara, sam, samSubmission: submission.id };
  }

  const newDraft = (partId = 'p1', n = 7) => h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: ASSIGNMENT, partId, imageId: imageId(n) });

  /** Runs the goldens and grades the copies (p1 as given). */
  async function runAndGrade(actor: Actor, p1: Partial<GradeResult> = {}): Promise<string[]> {
    const outcome = await h.platform.runGoldens(actor, COURSE, ASSIGNMENT);
    for (const run of outcome.runs) await gradeJobs(t, h, run.submissionId, p1);
    return outcome.runs.map((r) => r.submissionId);
  }

  it('pins a student submission with its current results, lists and unpins it', async () => {
    const { tara, samSubmission } = await setUp();
    const golden = await h.platform.pinGolden(tara, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: samSubmission, label: 'half right' });
    expect(golden.id).toMatch(/^gold_/);
    expect(golden).toMatchObject({ submissionId: samSubmission, source: { login: 'sam', kind: 'student' }, label: 'half right', pinnedBy: 'tara', drafts: [] });
    expect(golden.expected.map((e) => [e.partId, e.status, e.points, e.how])).toEqual([
      ['p1', 'graded', 5, 'pinned'],
      ['p2', 'graded', 5, 'pinned'],
    ]);
    expect(await h.platform.listGoldens(tara, COURSE, ASSIGNMENT)).toEqual([golden]);
    expect(await h.platform.unpinGolden(tara, COURSE, ASSIGNMENT, golden.id)).toEqual(golden);
    expect(await h.platform.listGoldens(tara, COURSE, ASSIGNMENT)).toEqual([]);
    expect((await refusal(h.platform.unpinGolden(tara, COURSE, ASSIGNMENT, golden.id))).status).toBe(404);
  });

  it('takes given expectations, and refuses bad input, pinning twice and students', async () => {
    const { ines, sam, samSubmission } = await setUp();
    const pin = (input: Record<string, unknown>, actor = ines) => h.platform.pinGolden(actor, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: samSubmission, ...input });
    for (const expect_ of [{ p9: 1 }, { p1: 11 }, { p1: -1 }, { p1: 'x' }, { p1: Number.NaN }, [1]] as unknown[]) {
      const error = await refusal(pin({ expect: expect_ }));
      expect([error.status, error.code], JSON.stringify(expect_)).toEqual([400, 'invalid-input']);
    }
    expect((await refusal(pin({ expect: { p9: 1 } }))).message).toContain("no part 'p9'; its parts: p1, p2");
    expect((await refusal(pin({ expect: { p1: 11 } }))).message).toContain('from 0 to 10');
    expect((await refusal(pin({ label: '' }))).status).toBe(400);
    expect((await refusal(pin({ submissionId: 'sub_nope' }))).status).toBe(404);
    expect((await refusal(pin({}, sam))).status).toBe(403);
    expect((await refusal(pin({}, await h.actor('tara', ['read'])))).status).toBe(403);
    expect((await refusal(h.platform.listGoldens(sam, COURSE, ASSIGNMENT))).status).toBe(403);
    expect((await refusal(h.platform.runGoldens(sam, COURSE, ASSIGNMENT))).status).toBe(403);

    const golden = await pin({ expect: { p1: 7.5 } });
    expect(golden.expected.map((e) => [e.partId, e.points])).toEqual([
      ['p1', 7.5],
      ['p2', 5],
    ]);
    const twice = await refusal(pin({}));
    expect([twice.status, twice.code]).toEqual([409, 'already-golden']);
  });

  it('refuses a submission of another assignment or another course', async () => {
    const { ines } = await setUp();
    const file2 = courseFile();
    file2.assignments!.push({ id: 'hw2', title: 'Homework 2', parts: [{ id: 'p1', points: 1 }] });
    await h.platform.applyCourseFile(h.admin, file2);
    await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: 'hw2', partId: 'p1', imageId: imageId(3) });
    await h.platform.publish(h.admin, COURSE, 'hw2');
    const other = await h.platform.submit(ines, { courseId: COURSE, assignmentId: 'hw2', kind: 'author-test', files: [file('a.py')] });
    const wrong = await refusal(h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: other.id, expect: { p1: 1 } }));
    expect([wrong.status, wrong.message]).toEqual([400, expect.stringContaining(`belongs to ${COURSE}/hw2, not ${ASSIGNMENT}`)]);

    await h.platform.applyCourseFile(h.admin, { ...courseFile(), course: { id: 'cs202', title: 'Other' } });
    await h.platform.createDraft(h.admin, { courseId: 'cs202', assignmentId: ASSIGNMENT, partId: 'p1', imageId: imageId(4) });
    await h.platform.publish(h.admin, 'cs202', ASSIGNMENT);
    const foreign = await h.platform.submit(h.admin, { courseId: 'cs202', assignmentId: ASSIGNMENT, kind: 'author-test', files: [file('a.py')] });
    expect((await refusal(h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: foreign.id, expect: { p1: 1 } }))).status).toBe(404);
  });

  it('an ungraded sample needs expectations', async () => {
    const { ines } = await setUp();
    const sample = await h.platform.submit(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, kind: 'author-test', files: [file('x.py')] });
    const error = await refusal(h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: sample.id }));
    expect([error.status, error.message]).toEqual([400, expect.stringContaining('has no result yet')]);
    const golden = await h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: sample.id, expect: { p1: 10 } });
    expect(golden.source.kind).toBe('author-test');
    expect(golden.expected.map((e) => e.partId)).toEqual(['p1']);
  });

  it('without goldens, publish works as before', async () => {
    await setUp();
    await newDraft();
    const outcome = await h.platform.publish(h.admin, COURSE, ASSIGNMENT);
    expect(outcome.goldens).toEqual({ checked: 0, accepted: [] });
  });

  it('refuses to publish until the goldens are graded by the drafts, on copies that leave the student alone', async () => {
    const { ines, sam, samSubmission } = await setUp();
    const golden = await h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: samSubmission });
    const draft = await newDraft();
    const [before] = await h.platform.listGoldens(ines, COURSE, ASSIGNMENT);
    expect(before!.drafts).toMatchObject([{ partId: 'p1', graderVersionId: draft.id, state: 'not-run', expected: { status: 'graded', points: 5 }, got: null }]);

    const notRun = await refusal(h.platform.publish(ines, COURSE, ASSIGNMENT));
    expect([notRun.status, notRun.code]).toEqual([409, 'goldens-not-graded']);
    expect(notRun.message).toContain('gradebox golden run cs101 hw1');
    expect(notRun.details).toMatchObject({ pending: [{ goldenId: golden.id, partId: 'p1', state: 'not-run' }] });

    const run = await h.platform.runGoldens(ines, COURSE, ASSIGNMENT);
    expect(run.runs.map((r) => [r.goldenId, r.label, r.parts])).toEqual([[golden.id, golden.label, ['p1']]]);
    expect(run.runs[0]!.submissionId).toMatch(/^sub_/);
    expect(await h.platform.runGoldens(ines, COURSE, ASSIGNMENT)).toEqual({ runs: [], upToDate: 1 });
    const grading = await refusal(h.platform.publish(ines, COURSE, ASSIGNMENT));
    expect([grading.code, grading.message]).toEqual(['goldens-not-graded', expect.stringContaining('wait for their grading')]);

    // The copy is an author test of ines with sam's files; sam's own submission got no new job.
    const copy = await h.platform.getSubmission(ines, run.runs[0]!.submissionId);
    expect(copy).toMatchObject({ kind: 'author-test', login: 'ines', files: (await h.platform.getSubmission(ines, samSubmission)).files });
    expect(await h.platform.listSubmissions(sam, COURSE, ASSIGNMENT)).toHaveLength(1);
    const samJobs = await t.db.selectFrom('grading_jobs').select('id').where('submission_id', '=', samSubmission).execute();
    expect(samJobs).toHaveLength(2);

    await gradeJobs(t, h, run.runs[0]!.submissionId);
    const [after] = await h.platform.listGoldens(ines, COURSE, ASSIGNMENT);
    expect(after!.drafts).toMatchObject([{ state: 'matches', got: { status: 'graded', points: 5 } }]);
    const outcome = await h.platform.publish(ines, COURSE, ASSIGNMENT);
    expect(outcome.published.map((v) => v.id)).toEqual([draft.id]);
    expect(outcome.goldens).toEqual({ checked: 1, accepted: [] });
  });

  it('refuses a changed result with the differences, and accepts it explicitly', async () => {
    const { ines, samSubmission } = await setUp();
    const golden = await h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: samSubmission, label: 'sam-v1' });
    const sample = await h.platform.submit(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, kind: 'author-test', files: [file('bad.py')] });
    h.clock.advance(1000); // goldens are listed in the order they were pinned
    const broken = await h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: sample.id, label: 'no answer', expect: { p1: 0, p2: 0 } });
    const draft = await newDraft('p1');
    const draft2 = await newDraft('p2', 8);
    // p1 now passes the 'secret' test: 2/3 → 6.67 points instead of 5 for both goldens; p2 stays 5 (changed for 'no answer').
    const secretPasses = gradeResult().tests.map((test) => (test.name === 'secret' ? { ...test, status: 'passed' as const, score: 1 } : test));
    await runAndGrade(ines, { score: 2 / 3, tests: secretPasses });

    const changed = await refusal(h.platform.publish(ines, COURSE, ASSIGNMENT));
    expect([changed.status, changed.code]).toEqual([409, 'golden-changed']);
    expect(changed.message).toContain('sam-v1 p1: expected 5 points, got 6.67 points with v');
    expect(changed.message).toContain('tests changed: secret');
    expect(changed.message).toContain('--accept-changes');
    const changes = (changed.details as { changes: Array<Record<string, unknown>> }).changes;
    expect(changes.map((c) => [c.goldenId, c.partId, c.expected, c.got])).toEqual([
      [golden.id, 'p1', { status: 'graded', points: 5 }, { status: 'graded', points: 6.67 }],
      [broken.id, 'p1', { status: 'graded', points: 0 }, { status: 'graded', points: 6.67 }],
      [broken.id, 'p2', { status: 'graded', points: 0 }, { status: 'graded', points: 5 }],
    ]);
    // Nothing was published by the refusal.
    expect((await h.platform.listGraderVersions(ines, COURSE, ASSIGNMENT, 'p1')).find((v) => v.id === draft.id)?.status).toBe('draft');
    const ta = await refusal(h.platform.publish(await h.actor('tara'), COURSE, ASSIGNMENT, { acceptChanges: true }));
    expect(ta.status).toBe(403);
    expect((await refusal(h.platform.publish(ines, COURSE, ASSIGNMENT, { acceptChanges: 'yes' as unknown as boolean }))).status).toBe(400);

    h.clock.advance(60_000);
    const outcome = await h.platform.publish(ines, COURSE, ASSIGNMENT, { acceptChanges: true });
    expect(outcome.published.map((v) => v.id).sort()).toEqual([draft.id, draft2.id].sort());
    expect(outcome.goldens?.accepted.map((c) => [c.goldenId, c.partId])).toEqual([
      [golden.id, 'p1'],
      [broken.id, 'p1'],
      [broken.id, 'p2'],
    ]);
    const [samGolden] = await h.platform.listGoldens(ines, COURSE, ASSIGNMENT);
    expect(samGolden!.expected.find((e) => e.partId === 'p1')).toEqual({ partId: 'p1', status: 'graded', points: 6.67, how: 'accepted', setBy: 'ines', setAt: h.clock.now.toISOString() });
    expect(samGolden!.expected.find((e) => e.partId === 'p2')).toMatchObject({ points: 5, how: 'pinned' });

    // The next draft that keeps the accepted results publishes without a word.
    await newDraft('p1', 9);
    await runAndGrade(ines, { score: 2 / 3 });
    expect((await h.platform.publish(ines, COURSE, ASSIGNMENT)).goldens).toEqual({ checked: 2, accepted: [] });
  });

  it('two pins or two runs at once: one pin, one copy', async () => {
    const { ines, tara, samSubmission } = await setUp();
    const pins = await Promise.allSettled([ines, tara].map((actor) => h.platform.pinGolden(actor, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: samSubmission })));
    expect(pins.filter((p) => p.status === 'fulfilled')).toHaveLength(1);
    const refused = pins.find((p) => p.status === 'rejected');
    expect((refused?.reason as PlatformError).code).toBe('already-golden');
    await newDraft();
    const runs = await Promise.all([ines, tara].map((actor) => h.platform.runGoldens(actor, COURSE, ASSIGNMENT)));
    expect(runs.flatMap((r) => r.runs)).toHaveLength(1);
    expect(await t.db.selectFrom('golden_runs').select('job_id').execute()).toHaveLength(1);
  });

  it('a changed status counts as a change', async () => {
    const { ines, samSubmission } = await setUp();
    await h.platform.pinGolden(ines, { courseId: COURSE, assignmentId: ASSIGNMENT, submissionId: samSubmission });
    await newDraft();
    await runAndGrade(ines, { status: 'grader-error', score: null });
    const changed = await refusal(h.platform.publish(ines, COURSE, ASSIGNMENT));
    expect(changed.message).toContain('expected 5 points, got grader-error');
  });
});
