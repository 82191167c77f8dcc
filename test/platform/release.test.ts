/**
 * Release and visibility (docs/course-workflow.md "Release and visibility"): what students read
 * before and after the deadline (their own, with an extension) and the release; release and
 * withdraw with their permissions and events; the automatic release recorded once, also when no
 * server was up at the time and when servers race; the event feed. On SQLite and PostgreSQL.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { createPlatform } from '../../src/platform/create-platform.ts';
import type { CourseFile, Submission } from '../../src/platform/model.ts';
import type { Platform } from '../../src/platform/platform.ts';
import { NOT_RELEASED_FEEDBACK } from '../../src/platform/release-state.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const DEADLINE = '2030-01-01T00:00:00.000Z';
const BEFORE_DEADLINE = new Date('2029-12-31T00:00:00Z');
const AFTER_DEADLINE = new Date('2030-01-02T00:00:00Z');
const SUE_UNTIL = '2030-01-05T00:00:00.000Z';
const AFTER_SUE = new Date('2030-01-06T00:00:00Z');

/** Every kind of visibility: a test of each, and stdout kept until publication. */
function result(): GradeResult {
  const base = gradeResult();
  return {
    ...base,
    tests: [
      ...base.tests,
      { name: 'published', score: 0, maxScore: 1, status: 'failed', output: 'after release', outputFormat: 'text', visibility: 'after_published' },
    ],
    output: { ...base.output, visibleToStudents: false, visibility: 'after_published' },
  };
}

function releaseCourse(release: Partial<NonNullable<CourseFile['assignments']>[number]> = {}): CourseFile {
  const base = courseFile();
  const [assignment] = base.assignments!;
  return { ...base, assignments: [{ ...assignment!, deadline: DEADLINE, extensions: [{ student: 'sue', until: SUE_UNTIL }], ...release }] };
}

async function setUp(h: Harness, release: Partial<NonNullable<CourseFile['assignments']>[number]> = { release: 'manual' }): Promise<void> {
  await h.platform.applyCourseFile(h.admin, releaseCourse(release));
  await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', imageId: imageId(1) });
  await h.platform.publish(h.admin, COURSE, ASSIGNMENT);
}

/** `login` submits and the submission is graded with `result()`; returns its id. */
async function graded(h: Harness, login: string): Promise<string> {
  const submission = await h.platform.submit(await h.actor(login), { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file(`${login}.py`)] });
  const jobId = (await h.platform.getSubmission(h.admin, submission.id)).parts[0]!.job!.id;
  await h.store.saveResult(jobId, encodeResult(result()));
  return submission.id;
}

const testNames = (submission: Submission): string[] => submission.parts[0]!.result!.tests.map((t) => t.name);

describe.each(databases)('release and visibility on $name', (factory) => {
  let h: Harness;
  let t: TestDatabase;
  useHarness(factory, (world) => ({ h, t } = world));
  beforeEach(() => {
    h.clock.now = BEFORE_DEADLINE;
  });

  it('shows students "graded, not released yet" and nothing else until the release; staff everything', async () => {
    await setUp(h);
    const id = await graded(h, 'sam');
    const sam = await h.actor('sam');
    const mine = await h.platform.getSubmission(sam, id);
    expect(mine.status).toBe('graded');
    expect(mine.parts[0]!.result).toEqual({
      jobId: expect.any(String) as unknown,
      status: 'graded',
      score: null,
      points: null,
      feedback: { text: NOT_RELEASED_FEEDBACK, format: 'text' },
      tests: [],
      output: null,
      createdAt: expect.any(String) as unknown,
      full: null,
      notReleased: true,
    });
    // Every way of reading it: the list, and the JSON the API (and its event stream) sends.
    const json = (await h.platform.getSubmissionJson(sam, id)).json.toString('utf8');
    for (const text of [json, JSON.stringify(await h.platform.listSubmissions(sam, COURSE, ASSIGNMENT))]) {
      expect(text).not.toContain('Half right');
      expect(text).not.toContain('"score":0.5');
      expect(text).not.toContain('grader log');
    }
    const staff = await h.platform.getSubmission(await h.actor('tara'), id);
    expect(staff.parts[0]!.result).toMatchObject({ score: 0.5, points: 5, output: { stdout: 'grader log' } });
    expect(testNames(staff)).toEqual(['shown', 'secret', 'later', 'published']);
  });

  it('after the release: scores, visible and after_published tests and output; after the deadline the after_due_date ones; hidden never', async () => {
    await setUp(h);
    const id = await graded(h, 'sam');
    const sam = await h.actor('sam');
    await h.platform.releaseGrades(await h.actor('ines'), COURSE, ASSIGNMENT);
    const released = await h.platform.getSubmission(sam, id);
    expect(released.parts[0]!.result).toMatchObject({ score: 0.5, points: 5, feedback: { text: 'Half right.' }, output: { stdout: 'grader log' } });
    expect(testNames(released)).toEqual(['shown', 'published']);
    h.clock.now = AFTER_DEADLINE;
    expect(testNames(await h.platform.getSubmission(sam, id))).toEqual(['shown', 'later', 'published']);
    expect(JSON.stringify(await h.platform.listSubmissions(sam, COURSE, ASSIGNMENT))).not.toContain('expected 42');
  });

  it('a student with an extension sees after_due_date tests only after their own deadline', async () => {
    await setUp(h);
    const samId = await graded(h, 'sam');
    const sueId = await graded(h, 'sue');
    await h.platform.releaseGrades(await h.actor('ines'), COURSE, ASSIGNMENT);
    h.clock.now = AFTER_DEADLINE;
    expect(testNames(await h.platform.getSubmission(await h.actor('sam'), samId))).toContain('later');
    const sue = await h.actor('sue');
    expect(testNames(await h.platform.getSubmission(sue, sueId))).toEqual(['shown', 'published']);
    expect(JSON.stringify(await h.platform.getSubmissionJson(sue, sueId).then((j) => j.json.toString('utf8')))).not.toContain('edge case');
    h.clock.now = AFTER_SUE;
    expect(testNames(await h.platform.getSubmission(sue, sueId))).toEqual(['shown', 'later', 'published']);
  });

  it('release immediate (the default): scores at once, after_published tests and output only once released', async () => {
    await setUp(h, {});
    const id = await graded(h, 'sam');
    const sam = await h.actor('sam');
    const before = await h.platform.getSubmission(sam, id);
    expect(before.parts[0]!.result).toMatchObject({ score: 0.5, output: null });
    expect(testNames(before)).toEqual(['shown']);
    expect((await h.platform.getAssignment(sam, COURSE, ASSIGNMENT)).release).toMatchObject({ mode: 'immediate', published: false, scoresVisible: true });
    await h.platform.releaseGrades(h.admin, COURSE, ASSIGNMENT);
    const after = await h.platform.getSubmission(sam, id);
    expect(testNames(after)).toEqual(['shown', 'published']);
    expect(after.parts[0]!.result!.output).toEqual({ stdout: 'grader log', stderr: 'traceback' });
  });

  it('withdraw hides the scores again; release and withdraw refuse to do nothing (409)', async () => {
    await setUp(h);
    const id = await graded(h, 'sam');
    const sam = await h.actor('sam');
    const ines = await h.actor('ines');
    await expect(h.platform.withdrawGrades(ines, COURSE, ASSIGNMENT)).rejects.toMatchObject({ status: 409, code: 'not-released' });
    const released = await h.platform.releaseGrades(ines, COURSE, ASSIGNMENT);
    expect(released).toMatchObject({ events: 2, release: { mode: 'manual', releasedBy: 'ines', published: true, scoresVisible: true } });
    await expect(h.platform.releaseGrades(ines, COURSE, ASSIGNMENT)).rejects.toMatchObject({ status: 409, code: 'already-released' });
    expect((await h.platform.getAssignment(ines, COURSE, ASSIGNMENT)).release.releasedBy).toBe('ines');
    expect((await h.platform.getAssignment(sam, COURSE, ASSIGNMENT)).release).toMatchObject({ releasedBy: null, releasedAt: released.release.releasedAt, scoresVisible: true });
    const withdrawn = await h.platform.withdrawGrades(ines, COURSE, ASSIGNMENT);
    expect(withdrawn).toMatchObject({ events: 2, release: { mode: 'manual', releasedAt: null, releaseAt: null, published: false, scoresVisible: false } });
    expect((await h.platform.getSubmission(sam, id)).parts[0]!.result).toMatchObject({ score: null, feedback: { text: NOT_RELEASED_FEEDBACK }, tests: [] });
    // An immediate assignment's scores can be withdrawn too: it becomes manual.
    await h.platform.applyCourseFile(h.admin, releaseCourse({ release: 'immediate' }));
    expect((await h.platform.getSubmission(sam, id)).parts[0]!.result!.score).toBe(0.5);
    await h.platform.withdrawGrades(ines, COURSE, ASSIGNMENT);
    expect((await h.platform.getSubmission(sam, id)).parts[0]!.result!.score).toBeNull();
    // A course file without release keys leaves the withdrawal alone.
    await h.platform.applyCourseFile(h.admin, releaseCourse({}));
    expect((await h.platform.getSubmission(sam, id)).parts[0]!.result!.score).toBeNull();
  });

  it('of two releases at once, one releases and writes the events; the other is 409', async () => {
    await setUp(h);
    const other = factory.name === 'postgres' ? await t.connectAgain() : t;
    const now = (): Date => h.clock.now;
    const second = createPlatform({ db: other.db, queue: new SqlJobQueue(other.db, { now }), events: new SubmissionEvents(), now });
    const ines = await h.actor('ines');
    const raced = await Promise.allSettled([h.platform.releaseGrades(ines, COURSE, ASSIGNMENT), second.releaseGrades(ines, COURSE, ASSIGNMENT)]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(raced.find((r) => r.status === 'rejected')).toMatchObject({ reason: { status: 409, code: 'already-released' } });
    expect(await h.platform.listGradeEvents(h.admin, COURSE)).toHaveLength(2);
  });

  it('only instructors and admins with manage may release or withdraw; unknown assignments are 404', async () => {
    await setUp(h);
    for (const login of ['tara', 'sam']) {
      await expect(h.platform.releaseGrades(await h.actor(login), COURSE, ASSIGNMENT)).rejects.toMatchObject({ status: 403 });
      await expect(h.platform.withdrawGrades(await h.actor(login), COURSE, ASSIGNMENT)).rejects.toMatchObject({ status: 403 });
    }
    await expect(h.platform.releaseGrades(await h.actor('ines', ['read', 'author']), COURSE, ASSIGNMENT)).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/manage/) as unknown });
    await expect(h.platform.releaseGrades(await h.actor('ines'), COURSE, 'nope')).rejects.toMatchObject({ status: 404 });
    await expect(h.platform.releaseGrades(await h.actor('ines'), 'nope', ASSIGNMENT)).rejects.toMatchObject({ status: 404 });
    await expect(h.platform.releaseGrades(h.admin, COURSE, ASSIGNMENT)).resolves.toMatchObject({ release: { releasedBy: 'admin' } });
  });

  it('records one event per student with their final grade, read from the feed in seq order', async () => {
    await setUp(h);
    await graded(h, 'sam');
    const ines = await h.actor('ines');
    await h.platform.releaseGrades(ines, COURSE, ASSIGNMENT);
    await h.platform.withdrawGrades(ines, COURSE, ASSIGNMENT);
    const events = await h.platform.listGradeEvents(await h.actor('tara'), COURSE);
    // sam: half of p1's 10 points; p2 (5 points) has no grader: 5 of 15.
    expect(events.map((e) => [e.cause, e.login, e.newValue, e.actor, e.released])).toEqual([
      ['release', 'sam', 33.33, 'ines', true],
      ['release', 'sue', null, 'ines', true],
      ['withdraw', 'sam', 33.33, 'ines', true],
      ['withdraw', 'sue', null, 'ines', true],
    ]);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    const page = await h.platform.listGradeEvents(h.admin, COURSE, { after: events[1]!.seq, limit: 1 });
    expect(page).toEqual([events[2]]);
    expect(await h.platform.listGradeEvents(h.admin, COURSE, { after: events[3]!.seq })).toEqual([]);
    await expect(h.platform.listGradeEvents(await h.actor('sam'), COURSE)).rejects.toMatchObject({ status: 403 });
    for (const bad of [{ after: -1 }, { limit: 0 }, { limit: 1001 }, { after: 1.5 }, { limit: Number.NaN }]) {
      await expect(h.platform.listGradeEvents(h.admin, COURSE, bad)).rejects.toMatchObject({ status: 400 });
    }
  });

  it('an automatic release shows the grades at its time by itself, and records its events once, also after a server was down', async () => {
    const releaseAt = '2030-01-03T12:00:00+01:00';
    await setUp(h, { releaseAt });
    const id = await graded(h, 'sam');
    const sam = await h.actor('sam');
    expect((await h.platform.getAssignment(sam, COURSE, ASSIGNMENT)).release).toMatchObject({ mode: 'manual', releaseAt: '2030-01-03T11:00:00.000Z', scoresVisible: false });
    expect(await h.platform.runDueReleases('a')).toBe(0);
    expect((await h.platform.getSubmission(sam, id)).parts[0]!.result!.score).toBeNull();
    // No server ran at the time: the grades are visible by the rule all the same ...
    h.clock.now = new Date('2030-01-04T00:00:00Z');
    expect((await h.platform.getSubmission(sam, id)).parts[0]!.result!.score).toBe(0.5);
    expect(testNames(await h.platform.getSubmission(sam, id))).toContain('published');
    expect(await h.platform.listGradeEvents(h.admin, COURSE)).toEqual([]);
    // ... and a server that starts later records the events, once.
    const now = (): Date => h.clock.now;
    const restarted = createPlatform({ db: t.db, queue: new SqlJobQueue(t.db, { now }), events: new SubmissionEvents(), now });
    expect(await restarted.runDueReleases('restarted')).toBe(2);
    expect(await restarted.runDueReleases('restarted')).toBe(0);
    expect(await h.platform.runDueReleases('other')).toBe(0);
    const events = await h.platform.listGradeEvents(h.admin, COURSE);
    expect(events.map((e) => [e.cause, e.login, e.newValue, e.actor, e.at])).toEqual([
      ['release', 'sam', 33.33, null, '2030-01-03T11:00:00.000Z'],
      ['release', 'sue', null, null, '2030-01-03T11:00:00.000Z'],
    ]);
    await expect(h.platform.releaseGrades(h.admin, COURSE, ASSIGNMENT)).rejects.toMatchObject({ code: 'already-released' });
  });

  it('staff releasing before the release time leaves nothing for the schedule; a changed time is a new action', async () => {
    await setUp(h, { releaseAt: '2030-01-03T00:00:00Z' });
    await h.platform.releaseGrades(h.admin, COURSE, ASSIGNMENT);
    h.clock.now = new Date('2030-01-04T00:00:00Z');
    expect(await h.platform.runDueReleases('a')).toBe(0);
    expect(await h.platform.listGradeEvents(h.admin, COURSE)).toHaveLength(2);
    await h.platform.withdrawGrades(h.admin, COURSE, ASSIGNMENT);
    const changes = await h.platform.applyCourseFile(h.admin, releaseCourse({ releaseAt: '2030-01-05T00:00:00Z' }));
    expect(changes).toContainEqual(expect.objectContaining({ action: 'update', target: `${COURSE}/${ASSIGNMENT}`, detail: 'releaseAt: none → 2030-01-05T00:00:00.000Z' }));
    h.clock.now = new Date('2030-01-06T00:00:00Z');
    expect(await h.platform.runDueReleases('a')).toBe(2);
    expect((await h.platform.listGradeEvents(h.admin, COURSE)).map((e) => e.cause)).toEqual(['release', 'release', 'withdraw', 'withdraw', 'release', 'release']);
  });

  it('servers racing for one release time record its events once', async () => {
    await setUp(h, { releaseAt: '2030-01-03T00:00:00Z' });
    await graded(h, 'sam');
    h.clock.now = new Date('2030-01-04T00:00:00Z');
    const servers: Platform[] = [];
    for (let i = 0; i < 3; i++) {
      // PostgreSQL: servers of their own connections; SQLite has one server per file.
      const other = factory.name === 'postgres' ? await t.connectAgain() : t;
      const now = (): Date => h.clock.now;
      servers.push(createPlatform({ db: other.db, queue: new SqlJobQueue(other.db, { now }), events: new SubmissionEvents(), now }));
    }
    const counts = await Promise.all(servers.map((server, i) => server.runDueReleases(`server-${i}`)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await h.platform.listGradeEvents(h.admin, COURSE)).toHaveLength(2);
    // A lease that ran out (its holder died) is taken over; a done schedule is not run again.
    h.clock.advance(10 * 60_000);
    expect(await Promise.all(servers.map((server) => server.runDueReleases('late')))).toEqual([0, 0, 0]);
  });

  it('a course file that shows or hides scores records release or withdraw events; a passed releaseAt is left to the schedule', async () => {
    await setUp(h);
    await graded(h, 'sam');
    const causes = async (): Promise<string[]> => (await h.platform.listGradeEvents(h.admin, COURSE)).map((e) => `${e.cause} ${e.login} ${e.actor}`);
    await h.platform.applyCourseFile(h.admin, releaseCourse({ release: 'manual' }), { dryRun: true });
    await h.platform.applyCourseFile(h.admin, releaseCourse({ release: 'immediate' }), { dryRun: true });
    expect(await causes()).toEqual([]);
    await h.platform.applyCourseFile(h.admin, releaseCourse({ release: 'immediate' }));
    expect(await causes()).toEqual(['release sam admin', 'release sue admin']);
    await h.platform.applyCourseFile(h.admin, releaseCourse({ release: 'manual' }));
    expect((await causes()).slice(2)).toEqual(['withdraw sam admin', 'withdraw sue admin']);
    await h.platform.applyCourseFile(h.admin, releaseCourse({ releaseAt: '2029-12-30T00:00:00Z' }));
    expect(await causes()).toHaveLength(4);
    expect(await h.platform.runDueReleases('a')).toBe(2);
    // Moving a passed release time to later hides the scores again: a withdrawal.
    await h.platform.applyCourseFile(h.admin, releaseCourse({ releaseAt: '2030-02-01T00:00:00Z' }));
    expect((await causes()).slice(6)).toEqual(['withdraw sam admin', 'withdraw sue admin']);
  });

  it('apply previews and checks the release keys', async () => {
    const preview = await h.platform.applyCourseFile(h.admin, releaseCourse({ releaseAt: '2030-01-03T00:00:00Z' }), { dryRun: true });
    expect(preview).toContainEqual(expect.objectContaining({ action: 'create', target: `${COURSE}/${ASSIGNMENT}`, detail: expect.stringContaining('grades released at 2030-01-03T00:00:00.000Z') as unknown }));
    await setUp(h, {});
    const update = await h.platform.applyCourseFile(h.admin, releaseCourse({ release: 'manual' }), { dryRun: true });
    expect(update).toContainEqual(expect.objectContaining({ action: 'update', detail: 'release: immediate → manual' }));
    const bad = releaseCourse({ release: 'later' as 'manual', releaseAt: 'tomorrow' });
    await expect(h.platform.applyCourseFile(h.admin, bad)).rejects.toMatchObject({
      status: 400,
      details: { problems: [expect.stringMatching(/^assignments\[0\]\.release: must be one of immediate, manual/), expect.stringMatching(/^assignments\[0\]\.releaseAt: /)] },
    });
    await expect(h.platform.applyCourseFile(h.admin, releaseCourse({ release: 'immediate', releaseAt: '2030-01-03T00:00:00Z' }))).rejects.toThrow(
      /assignments\[0\]\.releaseAt: needs release: manual/,
    );
  });
});
