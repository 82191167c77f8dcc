/**
 * The gradebook on both databases: overrides (surviving a re-grade, bad input, roles), the grade
 * log after each kind of change and who may read it, grades withheld until released, and the
 * export, whose CSV is checked against values computed here from the raw rows and the policy.
 */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { exportCsv, exportJson } from '../../src/platform/grade-export.ts';
import { deriveGrades } from '../../src/platform/grade-reads.ts';
import { queueGrading, publishedGraders } from '../../src/platform/grading-jobs.ts';
import { runInTransaction } from '../../src/db/transaction.ts';
import type { Actor, CourseFile } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const DAY = 86_400_000;

/** hw1 (trigger submit) with parts p1 (10) and p2 (5), due a day before the harness's start, ×0.5 after 1 h late. */
function gradebookCourse(h: Harness, extra: Partial<CourseFile> = {}, policy: { after: string; factor: number } = { after: '1h', factor: 0.5 }): CourseFile {
  const deadline = new Date(h.clock.now.getTime() - DAY).toISOString();
  return courseFile({
    assignments: [{ id: 'hw1', title: 'HW 1', deadline, latePolicy: { steps: [policy] }, parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }] }],
    ...extra,
  });
}

async function setUp(h: Harness, course: CourseFile): Promise<Record<string, Actor>> {
  await h.platform.applyCourseFile(h.admin, course);
  for (const [i, partId] of ['p1', 'p2'].entries()) await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', partId, imageId: imageId(i + 1) });
  await h.platform.publish(h.admin, COURSE, 'hw1');
  const actors: Record<string, Actor> = {};
  for (const login of ['ines', 'tara', 'sam', 'sue']) actors[login] = await h.actor(login);
  return actors;
}

const submit = (h: Harness, actor: Actor) => h.platform.submit(actor, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py', `answer ${Math.random()}`)] });

/** Stores a result for every job of the submission that has none: `scores[part]` (default 1). */
async function gradeAll(t: TestDatabase, h: Harness, submissionId: string, scores: Record<string, number> = {}): Promise<void> {
  const jobs = await t.db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.part_id'])
    .where('j.submission_id', '=', submissionId)
    .where('r.job_id', 'is', null)
    .execute();
  for (const job of jobs) await h.store.saveResult(job.id, encodeResult(gradeResult({ score: scores[job.part_id] ?? 1 })));
}

/** A re-grade of the submission: new jobs for every part, as a regrade queues them. */
async function requeue(t: TestDatabase, h: Harness, submissionId: string, login: string): Promise<void> {
  h.clock.advance(1000);
  await runInTransaction(t.db, async (tx) => {
    const parts = await publishedGraders(tx, COURSE, 'hw1');
    await queueGrading(tx, h.queue, { submission: { id: submissionId, courseId: COURSE, login }, parts, priority: 'bulk', now: h.clock.now.toISOString() });
  });
}

const grade = async (h: Harness, actor: Actor, login: string) => (await h.platform.listGrades(actor, COURSE, 'hw1', { login }))[0]!;
const log = (h: Harness, actor: Actor, filter: { login?: string; assignmentId?: string } = {}) => h.platform.listGradeLog(actor, COURSE, { assignmentId: 'hw1', ...filter });

/** RFC 4180 records (CRLF-separated, quoted fields with "" escapes), as the test reads them independently. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell).toBe('');
  expect(row).toEqual([]);
  return rows;
}

async function collect(parts: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const part of parts) text += part;
  return text;
}

describe.each(databases)('the gradebook on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it('a part override replaces its points, shows what the grader gave, and survives a re-grade; an assignment override replaces the final grade', async () => {
    const { ines, sam } = await setUp(h, gradebookCourse(h));
    const submission = await submit(h, sam!);
    await gradeAll(t, h, submission.id, { p1: 0.5, p2: 1 });
    expect(await grade(h, ines!, 'sam')).toMatchObject({ status: 'graded', pointsEarned: 10, rawGrade: 66.67, late: { factor: 0.5 }, finalGrade: 33.34, override: null, released: true });

    const set = await h.platform.setGradeOverride(ines!, COURSE, 'hw1', 'sam', { partId: 'p1', value: 9, reason: '  test 3 was wrong  ' });
    expect(set).toMatchObject({ partId: 'p1', override: { value: 9, reason: 'test 3 was wrong', setBy: 'ines' }, warnings: [] });
    const overridden = await grade(h, ines!, 'sam');
    expect(overridden.parts[0]).toMatchObject({ partId: 'p1', earned: 9, status: 'graded', override: { value: 9, graderEarned: 5, reason: 'test 3 was wrong' } });
    expect(overridden).toMatchObject({ pointsEarned: 14, rawGrade: 93.33, finalGrade: 46.67 });

    // A re-grade: new jobs and results for the same submission; the override holds.
    await requeue(t, h, submission.id, 'sam');
    await gradeAll(t, h, submission.id, { p1: 0.2, p2: 0.4 });
    const regraded = await grade(h, ines!, 'sam');
    expect(regraded.parts.map((p) => [p.partId, p.earned, p.override?.graderEarned])).toEqual([['p1', 9, 2], ['p2', 2, undefined]]);
    expect(regraded).toMatchObject({ pointsEarned: 11, rawGrade: 73.33, finalGrade: 36.67 });

    // Extra credit is accepted with a warning; an assignment override is the final grade, no late factor.
    const extra = await h.platform.setGradeOverride(ines!, COURSE, 'hw1', 'sam', { value: 105, reason: 'oral exam' });
    expect(extra.warnings).toEqual(['105 is above 100: extra credit']);
    expect(await grade(h, ines!, 'sam')).toMatchObject({ finalGrade: 105, override: { value: 105, reason: 'oral exam' }, rawGrade: 73.33 });
    await h.platform.removeGradeOverride(ines!, COURSE, 'hw1', 'sam');
    await h.platform.removeGradeOverride(ines!, COURSE, 'hw1', 'sam', { partId: 'p1', reason: 'agreed with the grader after all' });
    expect(await grade(h, ines!, 'sam')).toMatchObject({ pointsEarned: 4, finalGrade: 13.34, override: null });
    await expect(h.platform.removeGradeOverride(ines!, COURSE, 'hw1', 'sam')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses bad overrides with clear errors: no reason, not a number, negative, unknown part or student, students and outsiders', async () => {
    const { ines, tara, sam } = await setUp(h, gradebookCourse(h));
    const bad = (actor: Actor, login: string, request: { partId?: string | null; value: unknown; reason: unknown }) => h.platform.setGradeOverride(actor, COURSE, 'hw1', login, request);
    await expect(bad(ines!, 'sam', { value: 5, reason: undefined })).rejects.toMatchObject({ status: 400, details: { field: 'reason' } });
    await expect(bad(ines!, 'sam', { value: 5, reason: '   ' })).rejects.toMatchObject({ status: 400, details: { field: 'reason' } });
    await expect(bad(ines!, 'sam', { value: 5, reason: 'x'.repeat(1001) })).rejects.toMatchObject({ status: 400, details: { field: 'reason', max: 1000 } });
    await expect(bad(ines!, 'sam', { value: 5, reason: 42 })).rejects.toMatchObject({ status: 400 });
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, '5', null, undefined, {}]) {
      await expect(bad(ines!, 'sam', { value, reason: 'r' })).rejects.toMatchObject({ status: 400, details: { field: 'value' } });
    }
    await expect(bad(ines!, 'sam', { value: -1, reason: 'r' })).rejects.toMatchObject({ status: 400, details: { field: 'value', min: 0 } });
    await expect(bad(ines!, 'sam', { partId: 'p9', value: 1, reason: 'r' })).rejects.toMatchObject({ status: 404 });
    await expect(bad(ines!, 'nobody', { value: 1, reason: 'r' })).rejects.toMatchObject({ status: 404 });
    await expect(bad(ines!, 'tara', { value: 1, reason: 'r' })).rejects.toMatchObject({ status: 404 });
    await expect(h.platform.setGradeOverride(ines!, COURSE, 'hw9', 'sam', { value: 1, reason: 'r' })).rejects.toMatchObject({ status: 404 });
    await expect(bad(sam!, 'sam', { value: 100, reason: 'I deserve it' })).rejects.toMatchObject({ status: 403 });
    await expect(bad(await h.actor('tara', ['read']), 'sam', { value: 1, reason: 'r' })).rejects.toMatchObject({ status: 403 });
    await h.platform.createUser(h.admin, { login: 'olga' });
    await expect(bad(await h.actor('olga'), 'sam', { value: 1, reason: 'r' })).rejects.toMatchObject({ status: 404 });
    // TAs are staff: they may.
    expect((await bad(tara!, 'sam', { partId: 'p2', value: 6, reason: 'bonus' })).warnings).toEqual(['6 is above the 5 points of part p2: extra credit']);
    expect(await t.db.selectFrom('grade_overrides').select(['login', 'part_id', 'value']).execute()).toEqual([{ login: 'sam', part_id: 'p2', value: 6 }]);
  });

  it('logs every kind of change with who, old, new and why', async () => {
    const { ines, sam } = await setUp(h, gradebookCourse(h));
    const submission = await submit(h, sam!);
    await gradeAll(t, h, submission.id, { p1: 1, p2: 1 });
    const entries = async () => (await log(h, ines!)).map((e) => [e.cause, e.login, e.partId, e.oldValue, e.newValue, e.actor, e.reason]);
    expect(await entries()).toEqual([
      ['grader-result', 'sam', 'p1', null, 10, null, null],
      ['grader-result', 'sam', 'p2', null, 5, null, null],
      ['grader-result', 'sam', null, null, 50, null, null],
    ]);
    const since = async (n: number) => (await entries()).slice(n);

    await h.platform.setGradeOverride(ines!, COURSE, 'hw1', 'sam', { partId: 'p2', value: 2.5, reason: 'copied' });
    expect(await since(3)).toEqual([
      ['override', 'sam', 'p2', 5, 2.5, 'ines', 'copied'],
      ['override', 'sam', null, 50, 41.67, 'ines', 'copied'],
    ]);
    await h.platform.removeGradeOverride(ines!, COURSE, 'hw1', 'sam', { partId: 'p2' });
    expect(await since(5)).toEqual([
      ['override-removed', 'sam', 'p2', 2.5, 5, 'ines', null],
      ['override-removed', 'sam', null, 41.67, 50, 'ines', null],
    ]);

    // An extension to before the submission: on time, ×1.
    await h.platform.grantExtension(ines!, COURSE, 'hw1', 'sam', new Date(h.clock.now.getTime() + 60_000).toISOString());
    expect(await since(7)).toEqual([['extension', 'sam', null, 50, 100, 'ines', expect.stringContaining('extended to')]]);
    await h.platform.revokeExtension(ines!, COURSE, 'hw1', 'sam');
    expect(await since(8)).toEqual([['extension', 'sam', null, 100, 50, 'ines', 'extension revoked']]);

    // A late-policy change through the course file: every student's grade is recomputed.
    await h.platform.applyCourseFile(h.admin, gradebookCourse(h, {}, { after: '1h', factor: 0.25 }));
    expect(await since(9)).toEqual([['late-policy', 'sam', null, 50, 25, 'admin', 'course file applied']]);
    // Nothing changed: nothing logged.
    await h.platform.applyCourseFile(h.admin, gradebookCourse(h, {}, { after: '1h', factor: 0.25 }));
    await h.platform.listGrades(ines!, COURSE, 'hw1');
    expect(await since(10)).toEqual([]);
  });

  it('logs completions and un-completions', async () => {
    const course = gradebookCourse(h);
    course.assignments![0] = { ...course.assignments![0]!, trigger: 'completion' };
    const { ines, sue } = await setUp(h, course);
    await h.platform.complete(ines!, COURSE, 'hw1', { login: 'sue' });
    await h.platform.uncomplete(ines!, COURSE, 'hw1', 'sue');
    const entries = (await log(h, ines!, { login: 'sue' })).map((e) => [e.cause, e.partId, e.oldValue, e.newValue, e.actor]);
    // Completed without a submission: a 0 (late, ×0.5: still 0); un-completed: no grade.
    expect(entries).toEqual([
      ['completion', null, null, 0, 'ines'],
      ['completion', null, 0, null, 'ines'],
    ]);
    expect(await log(h, sue!)).toHaveLength(2);
  });

  it('withholds scores from students until released, and students read only their own released log entries', async () => {
    const { ines, sam, sue } = await setUp(h, gradebookCourse(h));
    await t.db.updateTable('assignments').set({ release_mode: 'manual' }).where('id', '=', 'hw1').execute();
    const submission = await submit(h, sam!);
    await gradeAll(t, h, submission.id, { p1: 1, p2: 1 });
    await h.platform.setGradeOverride(ines!, COURSE, 'hw1', 'sam', { partId: 'p1', value: 8, reason: 'style' });
    const hidden = await grade(h, sam!, 'sam');
    expect(hidden).toMatchObject({ status: 'graded', released: false, pointsEarned: null, rawGrade: null, finalGrade: null, override: null });
    expect(hidden.parts.every((p) => p.earned === null && p.override === undefined)).toBe(true);
    expect(await grade(h, ines!, 'sam')).toMatchObject({ released: false, finalGrade: 43.34 });
    expect(await log(h, sam!)).toEqual([]);
    expect((await log(h, ines!)).every((e) => !e.released)).toBe(true);

    // Released (as the release helper's op will): the release is logged, and students see their own.
    await t.db.updateTable('assignments').set({ released_at: h.clock.now.toISOString(), released_by: 'ines' }).where('id', '=', 'hw1').execute();
    const { recordGradeChanges } = await import('../../src/platform/grade-changes.ts');
    const released = await runInTransaction(t.db, (tx) => recordGradeChanges(tx, { now: () => h.clock.now }, { courseId: COURSE, assignmentId: 'hw1' }, 'release', 'ines', null));
    expect(released.map((e) => [e.login, e.partId, e.oldValue, e.newValue, e.released])).toEqual([
      ['sam', 'p1', 8, 8, true],
      ['sam', 'p2', 5, 5, true],
      ['sam', null, 43.34, 43.34, true],
    ]);
    expect(await grade(h, sam!, 'sam')).toMatchObject({ released: true, finalGrade: 43.34, override: null, parts: [{ earned: 8, override: { reason: 'style' } }, { earned: 5 }] });
    expect((await log(h, sam!)).map((e) => e.cause)).toEqual(['release', 'release', 'release']);
    expect(await log(h, sue!)).toEqual([]);
    await expect(log(h, sue!, { login: 'sam' })).rejects.toMatchObject({ status: 403 });
    expect((await h.platform.listGradeLog(sam!, COURSE)).length).toBe(3);
    expect((await h.platform.listGradeLog(ines!, COURSE, { login: 'sam' })).length).toBe(8);
    await expect(h.platform.listGradeLog(sam!, COURSE, { assignmentId: 'hw9' })).rejects.toMatchObject({ status: 404 });
  });

  it('exports CSV whose columns match values computed independently from the raw rows and the policy', async () => {
    const { ines, sam, sue } = await setUp(h, gradebookCourse(h, {}, { after: '1h', factor: 0.5 }));
    await h.platform.grantExtension(ines!, COURSE, 'hw1', 'sue', new Date(h.clock.now.getTime() + DAY).toISOString());
    const samWork = await submit(h, sam!);
    const sueWork = await submit(h, sue!);
    await gradeAll(t, h, samWork.id, { p1: 0.3, p2: 0.8 });
    await gradeAll(t, h, sueWork.id, { p1: 1, p2: 0.5 });
    await h.platform.setGradeOverride(ines!, COURSE, 'hw1', 'sue', { partId: 'p2', value: 4, reason: 'partial credit' });

    // Independently: points = score × part points from the results rows; sam submitted a day after
    // the deadline (×0.5 after 1 h), sue within her extension (×1); sue's p2 is overridden to 4.
    const results = await t.db.selectFrom('results as r').innerJoin('grading_jobs as j', 'j.id', 'r.job_id').innerJoin('submissions as s', 's.id', 'j.submission_id').select(['s.login', 'j.part_id', 'r.score']).execute();
    const pts = (login: string, part: string, weight: number) => Math.round(results.find((r) => r.login === login && r.part_id === part)!.score! * weight * 100) / 100;
    const samRaw = Math.round(((pts('sam', 'p1', 10) + pts('sam', 'p2', 5)) / 15) * 10000) / 100;
    const sueRaw = Math.round(((pts('sue', 'p1', 10) + 4) / 15) * 10000) / 100;
    const rows = parseCsv(await collect(exportCsv(await h.platform.exportGrades(ines!, COURSE))));
    expect(rows[0]).toEqual(['login', 'name', 'assignment', 'status', 'hw1/p1', 'hw1/p2', 'points', 'possible', 'raw', 'late_factor', 'late_rule', 'final', 'override', 'completed_at', 'released']);
    const byLogin = new Map(rows.slice(1).map((r) => [r[0], Object.fromEntries(rows[0]!.map((c, i) => [c, r[i]]))]));
    expect([...byLogin.keys()]).toEqual(['sam', 'sue']);
    const sam1 = byLogin.get('sam')!;
    expect(sam1).toMatchObject({ status: 'graded', 'hw1/p1': String(pts('sam', 'p1', 10)), 'hw1/p2': String(pts('sam', 'p2', 5)), possible: '15', raw: String(samRaw), late_factor: '0.5', override: 'no', released: 'yes', completed_at: '' });
    expect(Number(sam1.final)).toBeCloseTo(samRaw * 0.5, 2);
    expect(sam1.late_rule).toMatch(/late: more than 1 h late ×0.5$/);
    const sue1 = byLogin.get('sue')!;
    expect(sue1).toMatchObject({ 'hw1/p1': String(pts('sue', 'p1', 10)), 'hw1/p2': '4', raw: String(sueRaw), late_factor: '1', late_rule: 'on time', final: String(sueRaw), override: 'yes' });

    const json = JSON.parse(await collect(exportJson(await h.platform.exportGrades(ines!, COURSE, { assignmentId: 'hw1' })))) as { assignments: unknown; rows: Array<Record<string, unknown>> };
    expect(json.assignments).toEqual([{ id: 'hw1', parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }] }]);
    expect(json.rows.map((r) => [r.login, r.rawGrade, r.lateFactor, r.overridden, (r.parts as Record<string, number>).p2])).toEqual([['sam', samRaw, 0.5, false, pts('sam', 'p2', 5)], ['sue', sueRaw, 1, true, 4]]);

    await expect(h.platform.exportGrades(sam!, COURSE)).rejects.toMatchObject({ status: 403 });
    await expect(h.platform.exportGrades(ines!, COURSE, { assignmentId: 'hw9' })).rejects.toMatchObject({ status: 404 });
  });

  it('guards CSV cells from users against formula injection and quotes per RFC 4180', async () => {
    const hostile = ['=cmd|\' /C calc\'!A0', '+1+1', '-2', '@SUM(A1)', '\tx', '\rcr', 'comma, "quote"\nnewline', 'Zoë 学生'];
    const members = [{ login: 'ines', role: 'instructor' as const }, ...hostile.map((_, i) => ({ login: `s${i}`, role: 'student' as const }))];
    const { ines } = await setUp(h, gradebookCourse(h, { members: [...members, { login: 'tara', role: 'ta' }, { login: 'sam', role: 'student' }, { login: 'sue', role: 'student' }] }));
    // Stored as is (an LMS import may bring anything): the export must make it harmless.
    for (const [i, name] of hostile.entries()) await t.db.updateTable('users').set({ display_name: name }).where('login', '=', `s${i}`).execute();
    const text = await collect(exportCsv(await h.platform.exportGrades(ines!, COURSE, { assignmentId: 'hw1' })));
    const rows = parseCsv(text);
    const names = new Map(rows.slice(1).map((r) => [r[0], r[1]]));
    expect(hostile.map((_, i) => names.get(`s${i}`))).toEqual(["'=cmd|' /C calc'!A0", "'+1+1", "'-2", "'@SUM(A1)", "'\tx", "'\rcr", 'comma, "quote"\nnewline', 'Zoë 学生']);
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
    expect(Buffer.from(text, 'utf8').toString('utf8')).toContain('Zoë 学生');
  });

  it('derives an assignment\'s grades in a number of queries that does not grow with the students', async () => {
    const extra = Array.from({ length: 12 }, (_, i) => ({ login: `x${i}`, role: 'student' as const }));
    const course = gradebookCourse(h);
    const { ines } = await setUp(h, { ...course, members: [...course.members!, ...extra] });
    for (const login of ['sam', 'sue', ...extra.map((m) => m.login)]) {
      const actor = await h.actor(login);
      const submission = await submit(h, actor);
      await gradeAll(t, h, submission.id, { p1: 0.5 });
    }
    await h.platform.setGradeOverride(ines!, COURSE, 'hw1', 'x3', { partId: 'p2', value: 1, reason: 'r' });
    const queries = async (logins: string[]): Promise<number> => {
      let count = 0;
      const counted = t.db.withPlugin({
        transformQuery: (args) => {
          count++;
          return args.node;
        },
        transformResult: (args) => Promise.resolve(args.result),
      });
      const grades = await deriveGrades(counted, { courseId: COURSE, assignmentId: 'hw1', logins }, { viewer: 'staff', now: h.clock.now });
      expect(grades.map((g) => g.status)).toEqual(logins.map(() => 'graded'));
      return count;
    };
    const few = await queries(['sam', 'sue']);
    expect(await queries(['sam', 'sue', ...extra.map((m) => m.login)])).toBe(few);
    expect(few).toBeLessThanOrEqual(10);
  });

  it('logs a change of the parts\' points in the course file as course-file', async () => {
    const { ines, sam } = await setUp(h, gradebookCourse(h));
    const submission = await submit(h, sam!);
    await gradeAll(t, h, submission.id, { p1: 1, p2: 0 });
    const course = gradebookCourse(h);
    course.assignments![0] = { ...course.assignments![0]!, parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 10 }] };
    await h.platform.applyCourseFile(h.admin, course);
    expect((await log(h, ines!)).slice(3).map((e) => [e.cause, e.partId, e.oldValue, e.newValue])).toEqual([['course-file', null, 33.34, 25]]);
  });

  it('logs the grade an autograde script reports as a grader result', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile({
      assignments: [{ id: 'hw1', title: 'HW 1', deadline: '2030-01-01T00:00:00Z', trigger: 'completion', autograde: 'script', parts: [{ id: 'p1', points: 10 }] }],
    }));
    await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', partId: 'p1', imageId: imageId(1) });
    await h.platform.createAutogradeDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(3), script: { path: 'grade.py', args: [] } });
    await h.platform.publish(h.admin, COURSE, 'hw1');
    const sam = await h.actor('sam');
    const submission = await submit(h, sam);
    await h.platform.complete(sam, COURSE, 'hw1');
    await gradeAll(t, h, submission.id, { p1: 0.5 });
    const [job] = await t.db.selectFrom('autograde_jobs').select('id').where('login', '=', 'sam').execute();
    await h.store.saveResult(job!.id, encodeResult(gradeResult({ status: 'graded', score: 0.875, feedback: { text: 'ok', format: 'markdown' }, protocol: 'script' })));
    expect((await log(h, h.admin, { login: 'sam' })).map((e) => [e.cause, e.partId, e.newValue, e.actor])).toEqual([
      ['grader-result', 'p1', 5, null],
      ['grader-result', null, 87.5, null],
    ]);
  });

  it('a course without students exports only the header (CSV) or no rows (JSON)', async () => {
    const { ines } = await setUp(h, gradebookCourse(h, { members: [{ login: 'ines', role: 'instructor' }, { login: 'tara', role: 'ta' }, { login: 'sam', role: 'ta' }, { login: 'sue', role: 'ta' }] }));
    const text = await collect(exportCsv(await h.platform.exportGrades(ines!, COURSE)));
    expect(parseCsv(text)).toHaveLength(1);
    expect(JSON.parse(await collect(exportJson(await h.platform.exportGrades(ines!, COURSE))))).toMatchObject({ rows: [] });
    expect(await h.platform.listGrades(ines!, COURSE, 'hw1')).toEqual([]);
  });
});
