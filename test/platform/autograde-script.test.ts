/**
 * The `script` autograde method on both databases: the assignment's autograde grader (drafts,
 * checks, publish), one job per completed student once the parts have their results, the
 * environment it is given, the reported grade stored as the raw grade, errors, re-completion, a
 * student without a submission, and an assignment without a published autograde grader.
 */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { InvalidInput, NotFound } from '../../src/platform/errors.ts';
import type { Actor, CourseFile } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const SCRIPT = { path: '.guides/secure/assignment.py', args: ['2030-01-01T00:00'] };

function scriptCourse(): CourseFile {
  return courseFile({
    assignments: [
      {
        id: 'hw1',
        title: 'Unit 1',
        deadline: '2030-01-01T00:00:00Z',
        trigger: 'completion',
        autograde: 'script',
        parts: [
          { id: 'p1', points: 10 },
          { id: 'p2', points: 5 },
        ],
      },
    ],
  });
}

async function setUp(h: Harness, options: { autograde?: boolean } = {}): Promise<Record<string, Actor>> {
  await h.platform.applyCourseFile(h.admin, scriptCourse());
  for (const [i, partId] of ['p1', 'p2'].entries()) await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', partId, imageId: imageId(i + 1) });
  if (options.autograde !== false) await h.platform.createAutogradeDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(3), script: SCRIPT });
  await h.platform.publish(h.admin, COURSE, 'hw1');
  const actors: Record<string, Actor> = {};
  for (const login of ['ines', 'sam', 'sue']) actors[login] = await h.actor(login);
  return actors;
}

/** Stores a result for each part job of the submission that has none (p1 half right, p2 right). */
async function gradeParts(t: TestDatabase, h: Harness, submissionId: string): Promise<void> {
  const jobs = await t.db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.part_id'])
    .where('j.submission_id', '=', submissionId)
    .where('r.job_id', 'is', null)
    .execute();
  for (const job of jobs) await h.store.saveResult(job.id, encodeResult(gradeResult({ score: job.part_id === 'p1' ? 0.5 : 1 })));
}

const autogradeJobs = (t: TestDatabase, login = 'sam') => t.db.selectFrom('autograde_jobs').selectAll().where('login', '=', login).orderBy('queued_at').execute();

const grade = async (h: Harness, actor: Actor, login: string) => {
  const [found] = await h.platform.listGrades(actor, COURSE, 'hw1', { login });
  return found!;
};

/** What the script reports: the script protocol's result for a grade of `grade` with `feedback`. */
const reported = (grade: number, feedback: string) => encodeResult(gradeResult({ status: 'graded', score: grade / 100, feedback: { text: feedback, format: 'markdown' }, protocol: 'script' }));

describe.each(databases)('the script autograde method on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it('an autograde grader is a script grader of an existing assignment, published with the parts', async () => {
    await h.platform.applyCourseFile(h.admin, scriptCourse());
    const draft = { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(3) };
    await expect(h.platform.createAutogradeDraft(h.admin, { ...draft, protocol: 'gradescope' })).rejects.toThrow(InvalidInput);
    await expect(h.platform.createAutogradeDraft(h.admin, { ...draft, protocol: 'gradescope' })).rejects.toThrow(/autograde grader is a script grader/);
    await expect(h.platform.createAutogradeDraft(h.admin, draft)).rejects.toThrow(/a script grader needs its script/);
    await expect(h.platform.createAutogradeDraft(h.admin, { ...draft, assignmentId: 'nope', script: SCRIPT })).rejects.toThrow(NotFound);
    await expect(h.platform.createAutogradeDraft(h.admin, { ...draft, imageId: 'sha256:' + 'f'.repeat(64), script: SCRIPT })).rejects.toThrow(/was not uploaded/);
    const sam = await h.actor('sam');
    await expect(h.platform.createAutogradeDraft(sam, { ...draft, script: SCRIPT })).rejects.toThrow();

    const first = await h.platform.createAutogradeDraft(h.admin, { ...draft, script: SCRIPT });
    const second = await h.platform.createAutogradeDraft(h.admin, { ...draft, script: { path: '/grader/grade.sh' } });
    expect(first).toMatchObject({ number: 1, status: 'draft', protocol: 'script', script: SCRIPT });
    expect(second).toMatchObject({ number: 2, script: { path: '/grader/grade.sh', args: [] } });
    const outcome = await h.platform.publish(h.admin, COURSE, 'hw1');
    expect(outcome.published).toEqual([]);
    expect(outcome.autograde).toMatchObject({ id: second.id, status: 'published' });
    const third = await h.platform.createAutogradeDraft(h.admin, { ...draft, script: SCRIPT });
    expect((await h.platform.getAssignment(h.admin, COURSE, 'hw1')).autogradeGrader).toMatchObject({ published: { id: second.id }, draft: { id: third.id } });
    // Students see no drafts.
    expect((await h.platform.getAssignment(sam, COURSE, 'hw1')).autogradeGrader).toEqual({ published: expect.objectContaining({ id: second.id }) as unknown, draft: null });
    const versions = await h.platform.listAutogradeGraders(h.admin, COURSE, 'hw1');
    expect(versions.map((v) => [v.number, v.status])).toEqual([
      [3, 'draft'],
      [2, 'published'],
      [1, 'superseded'],
    ]);
  });

  it('a completed student gets the grade the script reports, once, from the parts\' results', async () => {
    const { sam, ines } = await setUp(h);
    const submission = await h.platform.submit(sam!, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py', 'print(1)')] });
    // Parts graded before completion: no autograde run yet (nothing is completed).
    await gradeParts(t, h, submission.id);
    expect(await autogradeJobs(t)).toEqual([]);
    h.clock.advance(60_000);
    await h.platform.complete(sam!, COURSE, 'hw1');
    const completedAt = h.clock.now.toISOString();
    const [job] = await autogradeJobs(t);
    expect(job).toMatchObject({ submission_id: submission.id, counts_at: completedAt, status: null });
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'pending', method: 'script', rawGrade: null });

    const context = await h.store.loadJob(job!.id);
    expect(context).toMatchObject({ submissionId: submission.id, login: 'sam', partId: 'autograde', points: 100, hasResult: false, grader: { protocol: 'script', script: SCRIPT } });
    expect(context?.files.map((f) => f.path)).toEqual(['a.py']);
    expect(context?.autogradeEnv).toMatchObject({
      assessments: {
        stats: { total: 2, answered: 2, correct: 1, totalPoints: 15, points: 10 },
        info: [
          { name: 'p1', points: 10, answer: { correct: false, points: 5 } },
          { name: 'p2', points: 5, answer: { correct: true, points: 5 } },
        ],
      },
      completedDate: completedAt,
      student: { id: 'sam', username: 'sam' },
      course: { id: COURSE, assignment: { id: 'hw1', name: 'Unit 1', end: '2030-01-01T00:00:00.000Z' } },
    });
    // Its queue entry, for the workers.
    expect(await t.db.selectFrom('queue_jobs').select('id').where('id', '=', job!.id).execute()).toHaveLength(1);

    expect(await h.store.saveResult(job!.id, reported(87.5, 'well done'))).toBe(true);
    expect(await grade(h, sam!, 'sam')).toMatchObject({ status: 'graded', method: 'script', rawGrade: 87.5, finalGrade: 87.5, detail: 'well done', pointsEarned: 10 });
    // A duplicate delivery keeps the first result; refreshes never queue a second run.
    expect(await h.store.saveResult(job!.id, reported(10, 'again'))).toBe(false);
    expect((await h.store.loadJob(job!.id))?.hasResult).toBe(true);
    await h.platform.listGrades(ines!, COURSE, 'hw1');
    expect(await autogradeJobs(t)).toHaveLength(1);
    expect(await grade(h, ines!, 'sam')).toMatchObject({ rawGrade: 87.5 });
  });

  it('no grade, a grader error or a timeout: the grade is an error with the precise message', async () => {
    const { sam, sue, ines } = await setUp(h);
    for (const actor of [sam!, sue!]) {
      const submission = await h.platform.submit(actor, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py')] });
      await gradeParts(t, h, submission.id);
      await h.platform.complete(actor, COURSE, 'hw1');
    }
    const [samJob] = await autogradeJobs(t, 'sam');
    const [sueJob] = await autogradeJobs(t, 'sue');
    const noGrade = gradeResult({ status: 'grader-error', score: null, errors: ['grade must be a number from 0 to 100 (a percentage), but it is 140'] });
    await h.store.saveResult(samJob!.id, encodeResult(noGrade));
    await h.store.saveResult(sueJob!.id, encodeResult(gradeResult({ status: 'timeout', score: null, errors: ['the grader ran out of time (180 s)'] })));
    expect(await grade(h, ines!, 'sam')).toMatchObject({
      status: 'error',
      rawGrade: null,
      detail: 'autograde script: grader-error: grade must be a number from 0 to 100 (a percentage), but it is 140',
    });
    expect(await grade(h, ines!, 'sue')).toMatchObject({ status: 'error', detail: 'autograde script: timeout: the grader ran out of time (180 s)' });
    // The student learns only that it was not their fault.
    expect(await grade(h, sam!, 'sam')).toMatchObject({ status: 'error', detail: expect.stringMatching(/^your assignment grade could not be computed because of a problem on the grading side, not in your work/) as unknown });
  });

  it('completing again runs the script again; the superseded run changes nothing', async () => {
    const { sam, ines } = await setUp(h);
    const submission = await h.platform.submit(sam!, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py')] });
    await gradeParts(t, h, submission.id);
    await h.platform.complete(sam!, COURSE, 'hw1');
    const [first] = await autogradeJobs(t);
    await h.platform.uncomplete(ines!, COURSE, 'hw1', 'sam');
    h.clock.advance(86_400_000);
    await h.platform.complete(ines!, COURSE, 'hw1', { login: 'sam' });
    const jobs = await autogradeJobs(t);
    expect(jobs).toHaveLength(2);
    const second = jobs.find((j) => j.id !== first!.id)!;
    expect(second.counts_at).toBe(h.clock.now.toISOString());
    await h.store.saveResult(first!.id, reported(10, 'old'));
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'pending', rawGrade: null });
    await h.store.saveResult(second.id, reported(60, 'new'));
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'graded', rawGrade: 60, detail: 'new' });
  });

  it('a refresh lost to a crash is made good when the grade is read: a run that ended, or one never queued', async () => {
    const { sam, ines } = await setUp(h);
    const submission = await h.platform.submit(sam!, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py')] });
    await gradeParts(t, h, submission.id);
    await h.platform.complete(sam!, COURSE, 'hw1');
    const [job] = await autogradeJobs(t);
    // The run's outcome was kept, and the server died before the grade took it.
    await t.db.updateTable('autograde_jobs').set({ status: 'graded', raw_grade: 55, detail: 'kept' }).where('id', '=', job!.id).execute();
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'graded', rawGrade: 55, detail: 'kept' });
    // The grade was left pending and the run never queued.
    await t.db.deleteFrom('autograde_jobs').execute();
    await t.db.deleteFrom('queue_jobs').execute();
    await t.db.updateTable('assignment_grades').set({ status: 'pending', raw_grade: null, detail: null }).execute();
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'pending' });
    const [queued] = await autogradeJobs(t);
    expect(await t.db.selectFrom('queue_jobs').select('id').execute()).toEqual([{ id: queued!.id }]);
    // While it runs, reading leaves it alone.
    await h.platform.listGrades(ines!, COURSE, 'hw1');
    expect(await autogradeJobs(t)).toHaveLength(1);
  });

  it('a student with no submission gets the stored 0 without a run', async () => {
    const { ines } = await setUp(h);
    await h.platform.complete(ines!, COURSE, 'hw1', { all: true });
    expect(await grade(h, ines!, 'sue')).toMatchObject({ status: 'no-submission', rawGrade: 0, method: 'script' });
    expect(await t.db.selectFrom('autograde_jobs').selectAll().execute()).toEqual([]);
  });

  it('without a published autograde grader: apply warns, grades say so, publishing one runs them', async () => {
    const changes = await h.platform.applyCourseFile(h.admin, scriptCourse());
    expect(changes.find((c) => c.kind === 'assignment')?.warning).toMatch(/autograde: script needs the assignment's autograde grader, and none is published yet: upload one \(gradebox upload IMAGE cs101 hw1 --autograde --script PATH\)/);
    const { sam, ines } = await setUp(h, { autograde: false });
    const submission = await h.platform.submit(sam!, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py')] });
    await gradeParts(t, h, submission.id);
    await h.platform.complete(sam!, COURSE, 'hw1');
    expect(await grade(h, ines!, 'sam')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/^autograde script: cs101\/hw1 has no published autograde grader; upload one/) as unknown,
    });
    expect(await autogradeJobs(t)).toEqual([]);

    await h.platform.createAutogradeDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(3), script: SCRIPT });
    // Drafts grade nothing.
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'error' });
    await h.platform.publish(h.admin, COURSE, 'hw1');
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'pending' });
    const [job] = await autogradeJobs(t);
    await h.store.saveResult(job!.id, reported(42, ''));
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'graded', rawGrade: 42, detail: null });
    const again = await h.platform.applyCourseFile(h.admin, scriptCourse());
    expect(again.find((c) => c.kind === 'assignment')?.warning).toBeUndefined();
  });
});
