/**
 * The course gradebook read (course-gradebook.ts) on both databases: every student × assignment
 * final grade with override markers and release state, staff only, in a number of queries that
 * does not grow with the students.
 */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { getCourseGradebook } from '../../src/platform/course-gradebook.ts';
import { DEFAULT_GRADER_LIMIT_RANGES } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const PARTS = [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }];

async function setUp(h: Harness, students: string[]): Promise<void> {
  const base = courseFile();
  await h.platform.applyCourseFile(h.admin, {
    ...base,
    members: [...base.members!, ...students.map((login) => ({ login, role: 'student' as const }))],
    assignments: [
      { id: 'hw1', title: 'HW 1', deadline: '2099-01-01T00:00:00Z', release: 'manual', parts: PARTS },
      { id: 'hw2', title: 'HW 2', deadline: '2099-01-01T00:00:00Z', release: 'manual', parts: PARTS },
    ],
  });
  for (const assignmentId of ['hw1', 'hw2']) {
    for (const [i, part] of PARTS.entries()) await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId, partId: part.id, imageId: imageId(i + 1) });
    await h.platform.publish(h.admin, COURSE, assignmentId);
  }
}

/** Submits hw1 for `login` and stores a result of `score` for every part. */
async function submitGraded(t: TestDatabase, h: Harness, login: string, score: number): Promise<void> {
  const submission = await h.platform.submit(await h.actor(login), { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py', `${login} ${score}`)] });
  const jobs = await t.db.selectFrom('grading_jobs').select('id').where('submission_id', '=', submission.id).execute();
  for (const job of jobs) await h.store.saveResult(job.id, encodeResult(gradeResult({ score })));
}

describe.each(databases)('the course gradebook on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it('reads every student × assignment final grade, with overrides marked and the release state', async () => {
    await setUp(h, []);
    await submitGraded(t, h, 'sam', 0.5);
    const ines = await h.actor('ines', ['read', 'manage']);
    await h.platform.setGradeOverride(ines, COURSE, 'hw2', 'sue', { value: 90, reason: 'oral exam' });
    await h.platform.releaseGrades(ines, COURSE, 'hw1');
    const book = await h.platform.getCourseGradebook(ines, COURSE);
    expect(book.assignments).toEqual([
      { id: 'hw1', title: 'HW 1', released: true },
      { id: 'hw2', title: 'HW 2', released: false },
    ]);
    expect(book.students.map((s) => s.login)).toEqual(['sam', 'sue']);
    expect(book.cells[0]).toEqual([
      { status: 'graded', finalGrade: 50, overridden: false },
      { status: 'not-submitted', finalGrade: null, overridden: false },
    ]);
    expect(book.cells[1]![1]).toEqual({ status: 'not-submitted', finalGrade: 90, overridden: true });
    // The same final grades as the full derivation.
    const full = await h.platform.listGrades(ines, COURSE, 'hw1');
    expect(book.cells[0]!.map((c) => c.finalGrade)).toEqual(full.map((g) => g.finalGrade));
  });

  it('makes good a stored grade whose refresh was lost (a crash between the result and it), and leaves one still grading', async () => {
    await setUp(h, ['stu']);
    await submitGraded(t, h, 'sam', 0.5);
    // As a crash after the results were stored and before the grade's refresh leaves it.
    await t.db.updateTable('assignment_grades').set({ status: 'pending', raw_grade: null }).where('login', '=', 'sam').where('assignment_id', '=', 'hw1').execute();
    // stu's parts are still being graded: pending, and rightly so.
    await h.platform.submit(await h.actor('stu'), { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py', 'stu')] });
    const ines = await h.actor('ines', ['read', 'manage']);
    const book = await h.platform.getCourseGradebook(ines, COURSE);
    const column = (login: string) => book.cells[0]![book.students.findIndex((s) => s.login === login)];
    expect(column('sam')).toEqual({ status: 'graded', finalGrade: 50, overridden: false });
    expect(column('stu')).toMatchObject({ status: 'pending', finalGrade: null });
    const stored = await t.db.selectFrom('assignment_grades').select(['login', 'status', 'raw_grade']).where('assignment_id', '=', 'hw1').where('login', 'in', ['sam', 'stu']).orderBy('login').execute();
    expect(stored).toEqual([{ login: 'sam', status: 'graded', raw_grade: 50 }, { login: 'stu', status: 'pending', raw_grade: null }]);
  });

  it('is for staff: a student is refused, an outsider finds no course', async () => {
    await setUp(h, []);
    await expect(h.platform.getCourseGradebook(await h.actor('sam'), COURSE)).rejects.toMatchObject({ status: 403 });
    await expect(h.platform.getCourseGradebook(await h.actor('tara'), COURSE)).resolves.toMatchObject({ courseId: COURSE });
    await expect(h.platform.getCourseGradebook(await h.actor('ines'), 'nope')).rejects.toMatchObject({ status: 404 });
  });

  it('takes a number of queries that does not grow with the students', async () => {
    const extra = Array.from({ length: 12 }, (_, i) => `x${i}`);
    await setUp(h, extra);
    const ines = await h.actor('ines', ['read', 'manage']);
    const count = async (): Promise<number> => {
      let queries = 0;
      const db = t.db.withPlugin({
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: (args) => Promise.resolve(args.result),
      });
      await getCourseGradebook({ db, queue: h.queue, events: h.events, limits: DEFAULT_GRADER_LIMIT_RANGES, now: () => h.clock.now }, ines, COURSE);
      return queries;
    };
    await submitGraded(t, h, 'sam', 1);
    await h.platform.setGradeOverride(ines, COURSE, 'hw1', 'sam', { partId: 'p2', value: 1, reason: 'r' });
    const few = await count();
    for (const login of extra) await submitGraded(t, h, login, 0.5);
    await h.platform.setGradeOverride(ines, COURSE, 'hw1', 'x3', { partId: 'p2', value: 1, reason: 'r' });
    await h.platform.setGradeOverride(ines, COURSE, 'hw2', 'x4', { value: 70, reason: 'r' });
    expect(await count()).toBe(few);
  });
});
