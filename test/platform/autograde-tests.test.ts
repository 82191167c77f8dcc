/**
 * Test runs of an autograde grader (Codio's "Test Autograde Script") on both databases: a version
 * (newest draft by default, or one by id or number, any status) run on a sample with simulated
 * part results at author-test priority; the environment the worker gets is built from the
 * simulation; the outcome (grade, feedback, the whole result with stdout and stderr) is read back;
 * students' grades never change; who may, and bad inputs.
 */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { simulatedParts } from '../../src/platform/autograde-tests.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../../src/platform/errors.ts';
import type { Actor, CourseFile } from '../../src/platform/model.ts';
import { PRIORITY_ORDER } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const SCRIPT = { path: '/grader/assignment.py', args: [] };
const SAMPLE = [file('answer.txt', '42\n')];

function scriptCourse(): CourseFile {
  return courseFile({
    assignments: [
      { id: 'hw1', title: 'Unit 1', deadline: '2030-01-01T00:00:00Z', trigger: 'completion', autograde: 'script', parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }] },
      { id: 'hw2', title: 'Plain', deadline: '2030-01-01T00:00:00Z', parts: [{ id: 'p1', points: 10 }] },
    ],
  });
}

async function setUp(h: Harness, options: { autograde?: boolean } = {}): Promise<Record<string, Actor>> {
  await h.platform.applyCourseFile(h.admin, scriptCourse());
  for (const [i, partId] of ['p1', 'p2'].entries()) await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', partId, imageId: imageId(i + 1) });
  if (options.autograde !== false) await h.platform.createAutogradeDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(3), script: SCRIPT });
  const actors: Record<string, Actor> = {};
  for (const login of ['ines', 'tara', 'sam']) actors[login] = await h.actor(login);
  return actors;
}

const reported = (grade: number, feedback: string) =>
  encodeResult(gradeResult({ status: 'graded', score: grade / 100, feedback: { text: feedback, format: 'markdown' }, protocol: 'script', output: {
    stdout: { text: 'script says hi', bytes: 14, truncated: false },
    stderr: { text: 'a warning', bytes: 9, truncated: false },
    visibleToStudents: false,
  } }));

describe('simulated part results', () => {
  const parts = [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }];
  it('points, fractions, ungraded; full points by default', () => {
    expect(simulatedParts(parts)).toEqual([{ part: 'p1', points: 10, earned: 10 }, { part: 'p2', points: 5, earned: 5 }]);
    expect(simulatedParts(parts, { p1: 3, p2: { status: 'ungraded' } })).toEqual([{ part: 'p1', points: 10, earned: 3 }, { part: 'p2', points: 5, earned: null }]);
    expect(simulatedParts(parts, { p1: { points: 0, status: 'graded' }, p2: { fraction: 0.5 } })).toEqual([{ part: 'p1', points: 10, earned: 0 }, { part: 'p2', points: 5, earned: 2.5 }]);
    expect(simulatedParts(parts, { p2: { status: 'graded' } })[1]).toEqual({ part: 'p2', points: 5, earned: 5 });
  });

  it.each([
    [{ p9: 1 }, /no part 'p9'; the parts: p1, p2/],
    [{ p1: 11 }, /partResults.p1: 11 points is outside 0–10/],
    [{ p1: -1 }, /outside 0–10/],
    [{ p1: '3' }, /expected points, \{"points": N\}/],
    [{ p1: { points: 'x' } }, /points must be a number \(got "x"\)/],
    [{ p1: { points: null } }, /points must be a number \(got null\)/],
    [{ p1: { fraction: 2 } }, /fraction 2 is outside 0–1/],
    [{ p1: { points: 1, fraction: 0.1 } }, /points or fraction, not both/],
    [{ p1: { status: 'ungraded', points: 1 } }, /an ungraded part has no points/],
    [{ p1: { status: 'maybe' } }, /status: must be "graded" or "ungraded"/],
    [{ p1: { score: 1 } }, /unknown key 'score'/],
    [{ p1: Number.NaN }, /must be a number/],
  ])('%j is refused', (given, message) => {
    expect(() => simulatedParts(parts, given)).toThrow(InvalidInput);
    expect(() => simulatedParts(parts, given)).toThrow(message);
  });
});

describe.each(databases)('autograde test runs on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  const start = (actor: Actor, input: { version?: string; partResults?: Record<string, unknown>; assignmentId?: string } = {}) =>
    h.platform.startAutogradeTest(actor, { courseId: COURSE, assignmentId: input.assignmentId ?? 'hw1', files: SAMPLE, ...input });

  it("runs the newest draft on the sample with the simulated results; the outcome comes back; no student's grade changes", async () => {
    const { tara, sam, ines } = await setUp(h);
    // sam's real work: parts graded, completed; the published script gives 67.
    await h.platform.publish(h.admin, COURSE, 'hw1');
    const submission = await h.platform.submit(sam!, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py', 'print(1)')] });
    for (const job of await t.db.selectFrom('grading_jobs').select('id').where('submission_id', '=', submission.id).execute()) {
      await h.store.saveResult(job.id, encodeResult(gradeResult({ score: 0.5 })));
    }
    await h.platform.complete(sam!, COURSE, 'hw1');
    const [real] = await t.db.selectFrom('autograde_jobs').select('id').execute();
    await h.store.saveResult(real!.id, reported(67, 'real'));
    const samGrade = async () => (await h.platform.listGrades(ines!, COURSE, 'hw1', { login: 'sam' }))[0];
    const before = await samGrade();
    expect(before).toMatchObject({ status: 'graded', rawGrade: 67 });
    await h.platform.createAutogradeDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(4), script: { path: '/grader/v2.py' } });
    const test = await start(tara!, { partResults: { p1: { points: 3 }, p2: { status: 'ungraded' } } });
    expect(test).toMatchObject({ status: 'queued', grade: null, result: null, requestedBy: 'tara', grader: { number: 2, status: 'draft', script: { path: '/grader/v2.py' } } });
    expect(test.parts).toEqual([{ part: 'p1', points: 10, earned: 3 }, { part: 'p2', points: 5, earned: null }]);
    expect(test.id).toMatch(/^agt_/);
    // Queued at author-test priority; the sample is an author-test submission without part jobs.
    expect(await t.db.selectFrom('queue_jobs').select(['priority', 'owner']).where('id', '=', test.id).executeTakeFirst()).toEqual({ priority: PRIORITY_ORDER['author-test'], owner: 'tara' });
    expect(await t.db.selectFrom('submissions').select(['kind', 'login']).where('id', '=', test.submissionId).executeTakeFirst()).toEqual({ kind: 'author-test', login: 'tara' });
    expect(await t.db.selectFrom('grading_jobs').select('id').where('submission_id', '=', test.submissionId).execute()).toEqual([]);

    const context = await h.store.loadJob(test.id);
    expect(context).toMatchObject({ submissionId: test.submissionId, login: 'tara', partId: 'autograde', points: 100, hasResult: false, grader: { protocol: 'script', script: { path: '/grader/v2.py' } } });
    expect(context?.files.map((f) => f.path)).toEqual(['answer.txt']);
    expect(context?.autogradeEnv?.assessments).toEqual({
      stats: { total: 2, answered: 1, correct: 0, totalPoints: 15, points: 3 },
      info: [
        { name: 'p1', points: 10, answer: { correct: false, points: 3 } },
        { name: 'p2', points: 5, answer: { correct: false, points: 0 } },
      ],
    });
    await h.store.setPhase(test.id, 'preparing');
    expect(await h.platform.getAutogradeTest(ines!, test.id)).toMatchObject({ status: 'running', attempts: 1 });

    expect(await h.store.saveResult(test.id, reported(42.5, 'saw p1=3'))).toBe(true);
    const done = await h.platform.getAutogradeTest(tara!, test.id);
    expect(done).toMatchObject({ status: 'graded', grade: 42.5, detail: 'saw p1=3', result: { status: 'graded', output: { stdout: { text: 'script says hi' }, stderr: { text: 'a warning' } } } });
    expect(done.doneAt).not.toBeNull();
    // A duplicate delivery keeps the first.
    expect(await h.store.saveResult(test.id, reported(1, 'again'))).toBe(false);
    expect((await h.platform.getAutogradeTest(tara!, test.id)).grade).toBe(42.5);
    expect((await h.store.loadJob(test.id))?.hasResult).toBe(true);
    // Nobody's grade came of it, the tester's included.
    expect(await t.db.selectFrom('autograde_jobs').select('id').execute()).toEqual([{ id: real!.id }]);
    expect(await samGrade()).toEqual(before);
    expect(await t.db.selectFrom('assignment_grades').select('login').where('login', '=', 'tara').execute()).toEqual([]);
    await expect(h.platform.getAutogradeTest(sam!, test.id)).rejects.toThrow(Forbidden);
  });

  it('a chosen version by number or id, any status; full points by default; an error outcome says why', async () => {
    const { ines } = await setUp(h);
    await h.platform.publish(h.admin, COURSE, 'hw1');
    const [published] = await h.platform.listAutogradeGraders(h.admin, COURSE, 'hw1');
    // No draft left: the default has nothing to run.
    await expect(start(ines!)).rejects.toThrow(/has no autograde draft: upload one .* or name the version to test/);
    const byNumber = await start(ines!, { version: 'v1' });
    expect(byNumber).toMatchObject({ grader: { id: published!.id, status: 'published' }, parts: [{ earned: 10 }, { earned: 5 }] });
    const byId = await start(ines!, { version: published!.id });
    expect(byId.grader.id).toBe(published!.id);
    await expect(start(ines!, { version: 'v7' })).rejects.toThrow(NotFound);
    await expect(start(ines!, { version: 'agv_nope' })).rejects.toThrow(/has no autograde grader version "agv_nope"/);
    await h.store.saveResult(byId.id, encodeResult(gradeResult({ status: 'grader-error', score: null, errors: ['grade must be a number from 0 to 100'], protocol: 'script' })));
    expect(await h.platform.getAutogradeTest(ines!, byId.id)).toMatchObject({ status: 'error', grade: null, detail: 'autograde script: grader-error: grade must be a number from 0 to 100' });
  });

  it('who may and what is refused', async () => {
    const { sam, ines } = await setUp(h, { autograde: false });
    await expect(h.platform.assertCanTestAutograde(sam!, COURSE, 'hw1')).rejects.toThrow(Forbidden);
    await expect(start(sam!)).rejects.toThrow(Forbidden);
    const reader = await h.actor('ines', ['read']);
    await expect(start(reader)).rejects.toThrow(/lacks the 'author' scope/);
    await expect(start(ines!, { assignmentId: 'nope' })).rejects.toThrow(NotFound);
    const plain = start(ines!, { assignmentId: 'hw2' });
    await expect(plain).rejects.toThrow(Conflict);
    await expect(start(ines!, { assignmentId: 'hw2' })).rejects.toThrow(/uses the aggregate autograde method, which runs no script/);
    await expect(start(ines!)).rejects.toThrow(/has no autograde grader version to test: upload one first \(gradebox upload IMAGE cs101 hw1 --autograde --script PATH\)/);
    await h.platform.createAutogradeDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(3), script: SCRIPT });
    await expect(start(ines!, { partResults: { p3: 1 } })).rejects.toThrow(/no part 'p3'/);
    await expect(h.platform.startAutogradeTest(ines!, { courseId: COURSE, assignmentId: 'hw1', files: [] })).rejects.toThrow(/at least one file/);
    // Nothing was recorded by the refusals.
    expect(await t.db.selectFrom('autograde_tests').select('id').execute()).toEqual([]);
    expect(await t.db.selectFrom('submissions').select('id').execute()).toEqual([]);
    await expect(h.platform.getAutogradeTest(ines!, 'agt_nope')).rejects.toThrow(NotFound);
  });
});
