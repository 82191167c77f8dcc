/**
 * Late rules on both databases: the course file's policy, cutoff and extensions stored by apply
 * and read back by loadLateRule; the late status at the edges (at the deadline, a second after,
 * at and after the cutoff, with an extension); the cutoff refusing students' submissions (staff
 * exempt); extensions granted and revoked by staff, with the role and input refusals.
 */
import { describe, expect, it } from 'vitest';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../../src/platform/errors.ts';
import { loadLateRule } from '../../src/platform/late-rule.ts';
import type { Actor, CourseFile } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, courseFile, file, imageId, type Harness, useHarness } from './helpers.ts';

const DEADLINE = '2026-03-01T23:59:00.000Z';
const CUTOFF = '2026-03-02T23:59:00.000Z';
const at = (iso: string, seconds = 0): Date => new Date(Date.parse(iso) + seconds * 1000);

type FileAssignment = NonNullable<CourseFile['assignments']>[number];

/** cs101 with hw1 (late rules as given; the deadline above unless overridden) and hw2 without a deadline. */
function lateCourse(rules: Partial<FileAssignment> = {}, members = true): CourseFile {
  const base = courseFile();
  const hw1: FileAssignment = {
    id: ASSIGNMENT,
    title: 'Homework 1',
    deadline: DEADLINE,
    latePolicy: { steps: [{ after: '10m', factor: 0.8 }, { after: '2d', factor: 0.6 }] },
    cutoff: CUTOFF,
    parts: [{ id: 'p1', points: 10 }],
    ...rules,
  };
  const file: CourseFile = { ...base, assignments: [hw1, { id: 'hw2', title: 'Homework 2', parts: [{ id: 'p1', points: 1 }] }] };
  if (!members) delete file.members;
  return file;
}

async function setUp(h: Harness, rules: Partial<FileAssignment> = {}): Promise<void> {
  await h.platform.applyCourseFile(h.admin, lateCourse(rules));
  await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', imageId: imageId(1) });
  await h.platform.publish(h.admin, COURSE, ASSIGNMENT);
}

async function submit(h: Harness, actor: Actor) {
  await h.platform.assertCanSubmit(actor, COURSE, ASSIGNMENT);
  return h.platform.submit(actor, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('a.py', `print(${Math.random()})`)] });
}

const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (e: unknown) => e);

describe.each(databases)('late rules on $name', (factory) => {
  let h: Harness;
  let t: TestDatabase;
  useHarness(factory, (world) => ({ h, t } = world));

  it('are stored by apply, shown in the assignment and read back as the student’s rule', async () => {
    const changes = await h.platform.applyCourseFile(h.admin, lateCourse({ extensions: [{ student: 'sam', until: '2026-03-02T12:00:00+01:00' }] }));
    expect(changes).toContainEqual({
      action: 'create', kind: 'assignment', target: `${COURSE}/${ASSIGNMENT}`,
      detail: `late: more than 10 min late ×0.8, more than 2 d late ×0.6; cutoff ${CUTOFF}`,
    });
    expect(changes).toContainEqual({ action: 'create', kind: 'extension', target: `${COURSE}/${ASSIGNMENT}/sam`, detail: 'until 2026-03-02T11:00:00.000Z' });
    const sam = await h.actor('sam', ['read', 'submit']);
    const hw1 = await h.platform.getAssignment(sam, COURSE, ASSIGNMENT);
    expect(hw1).toMatchObject({
      deadline: DEADLINE,
      cutoff: CUTOFF,
      latePolicy: { kind: 'steps', steps: [{ afterSeconds: 600, factor: 0.8 }, { afterSeconds: 172800, factor: 0.6 }] },
    });
    expect(await loadLateRule(t.db, COURSE, ASSIGNMENT, 'sam')).toEqual({
      deadline: new Date(DEADLINE), policy: hw1.latePolicy, cutoff: new Date(CUTOFF), extendedTo: new Date('2026-03-02T11:00:00.000Z'),
    });
    expect((await loadLateRule(t.db, COURSE, ASSIGNMENT, 'sue')).extendedTo).toBeNull();
    expect(await loadLateRule(t.db, COURSE, 'hw2', 'sam')).toEqual({ deadline: null, policy: null, cutoff: null, extendedTo: null });
    await expect(loadLateRule(t.db, COURSE, 'nope', 'sam')).rejects.toBeInstanceOf(NotFound);
    // The same file again changes nothing.
    const again = await h.platform.applyCourseFile(h.admin, lateCourse({ extensions: [{ student: 'sam', until: '2026-03-02T11:00:00Z' }] }));
    expect(again.filter((c) => c.action !== 'unchanged')).toEqual([]);
  });

  it('tell a student the penalty now: on time at the deadline, late a second after, refused after the cutoff', async () => {
    await setUp(h);
    const sam = await h.actor('sam', ['read', 'submit']);
    h.clock.now = at(DEADLINE);
    expect(await h.platform.getLateStatus(sam, COURSE, ASSIGNMENT)).toMatchObject({
      login: 'sam', at: DEADLINE, deadline: DEADLINE, dueAt: DEADLINE, extendedTo: null, cutoff: CUTOFF, secondsLate: 0, factor: 1, rule: 'on time', refused: false,
    });
    h.clock.now = at(DEADLINE, 1);
    expect(await h.platform.getLateStatus(sam, COURSE, ASSIGNMENT)).toMatchObject({ secondsLate: 1, factor: 1, rule: '1 s late: within the grace period' });
    h.clock.now = at(DEADLINE, 601);
    expect(await h.platform.getLateStatus(sam, COURSE, ASSIGNMENT)).toMatchObject({ factor: 0.8, rule: '10 min 1 s late: more than 10 min late ×0.8' });
    h.clock.now = at(CUTOFF);
    expect(await h.platform.getLateStatus(sam, COURSE, ASSIGNMENT)).toMatchObject({ factor: 0.8, refused: false });
    h.clock.now = at(CUTOFF, 1);
    expect(await h.platform.getLateStatus(sam, COURSE, ASSIGNMENT)).toMatchObject({ refused: true });
  });

  it('refuse a student’s submission after the cutoff, not at it; staff are exempt', async () => {
    await setUp(h);
    const [sam, sue, tara, ines] = await Promise.all(['sam', 'sue', 'tara', 'ines'].map((login) => h.actor(login)));
    h.clock.now = at(CUTOFF);
    await submit(h, sam!);
    h.clock.now = at(CUTOFF, 1);
    const refused = await refusal(h.platform.assertCanSubmit(sue!, COURSE, ASSIGNMENT));
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused).toMatchObject({ status: 409, code: 'past-cutoff', details: { cutoff: CUTOFF, deadline: DEADLINE, extendedTo: null } });
    expect((refused as Error).message).toBe(`${ASSIGNMENT} stopped accepting submissions at ${CUTOFF}; ask your instructors for an extension if you need one`);
    // submit checks again on its own.
    await expect(h.platform.submit(sue!, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('a.py')] })).rejects.toMatchObject({ code: 'past-cutoff' });
    for (const staff of [tara!, ines!, h.admin]) await submit(h, staff);
    expect(await h.platform.listSubmissions(ines!, COURSE, ASSIGNMENT, { login: 'sue' })).toEqual([]);
  });

  it('an extension moves the student’s deadline and cutoff; revoking it restores the assignment’s', async () => {
    await setUp(h);
    const [sam, sue, ines] = await Promise.all(['sam', 'sue', 'ines'].map((login) => h.actor(login)));
    const until = '2026-03-03T23:59:00.000Z';
    h.clock.now = new Date('2026-03-01T12:00:00Z');
    const granted = await h.platform.grantExtension(ines!, COURSE, ASSIGNMENT, 'sam', '2026-03-04T00:59:00+01:00');
    expect(granted).toEqual({ courseId: COURSE, assignmentId: ASSIGNMENT, login: 'sam', until, grantedBy: 'ines', grantedAt: '2026-03-01T12:00:00.000Z' });
    // Two days after the deadline: sue is past her cutoff, sam is on time.
    h.clock.now = at(DEADLINE, 2 * 86400);
    await expect(submit(h, sue!)).rejects.toMatchObject({ code: 'past-cutoff' });
    expect(await h.platform.getLateStatus(sam!, COURSE, ASSIGNMENT)).toMatchObject({ dueAt: until, extendedTo: until, cutoff: '2026-03-04T23:59:00.000Z', factor: 1, rule: 'on time' });
    await submit(h, sam!);
    // Past his moved cutoff sam is refused too, with a message that says it moved.
    h.clock.now = at('2026-03-04T23:59:00.000Z', 1);
    const refused = await refusal(submit(h, sam!));
    expect(refused).toMatchObject({ code: 'past-cutoff', details: { cutoff: '2026-03-04T23:59:00.000Z', extendedTo: until } });
    expect((refused as Error).message).toContain('(your cutoff, moved by your extension)');
    // Staff see everyone's; a student only their own.
    expect((await h.platform.listExtensions(ines!, COURSE, ASSIGNMENT)).map((e) => e.login)).toEqual(['sam']);
    expect(await h.platform.listExtensions(sue!, COURSE, ASSIGNMENT)).toEqual([]);
    expect(await h.platform.listExtensions(sam!, COURSE, ASSIGNMENT)).toEqual([granted]);
    expect(await h.platform.revokeExtension(ines!, COURSE, ASSIGNMENT, 'sam')).toEqual(granted);
    expect((await loadLateRule(t.db, COURSE, ASSIGNMENT, 'sam')).extendedTo).toBeNull();
    await expect(h.platform.revokeExtension(ines!, COURSE, ASSIGNMENT, 'sam')).rejects.toMatchObject({ status: 404, message: `'sam' has no extension on ${COURSE}/${ASSIGNMENT}` });
  });

  it('extensions are for staff with a manage token to set, and refuse unknown students and bad times', async () => {
    await setUp(h);
    const [sam, tara, taraReader, ines] = await Promise.all([h.actor('sam'), h.actor('tara'), h.actor('tara', ['read', 'author']), h.actor('ines')]);
    const grant = (actor: Actor, login: string, until: unknown, assignment = ASSIGNMENT) => refusal(h.platform.grantExtension(actor, COURSE, assignment, login, until));
    // TAs are staff: with a manage token they may.
    await h.platform.grantExtension(tara, COURSE, ASSIGNMENT, 'sue', '2026-03-05T00:00:00Z');
    expect(await grant(taraReader, 'sue', '2026-03-05T00:00:00Z')).toBeInstanceOf(Forbidden);
    const student = await grant(sam, 'sam', '2026-03-05T00:00:00Z');
    expect(student).toMatchObject({ status: 403, message: `only instructors and TAs of ${COURSE} may grant extensions` });
    expect(await refusal(h.platform.revokeExtension(sam, COURSE, ASSIGNMENT, 'sue'))).toBeInstanceOf(Forbidden);
    expect(await grant(ines, 'nobody', '2026-03-05T00:00:00Z')).toMatchObject({ status: 404, message: `'nobody' is not a member of ${COURSE}: add them as a student first` });
    expect(await grant(ines, 'tara', '2026-03-05T00:00:00Z')).toMatchObject({ status: 400, message: `'tara' is a ta of ${COURSE}: extensions are for students (staff are never refused)` });
    for (const garbage of ['next tuesday', '2026-03-05', '2026-03-05T00:00:00', '2026-13-45T99:00:00Z', 42, null]) {
      const bad = await grant(ines, 'sam', garbage);
      expect(bad, String(garbage)).toBeInstanceOf(InvalidInput);
      expect((bad as Error).message).toMatch(/^until: .* is not a time with a time zone/);
    }
    expect(await grant(ines, 'sam', DEADLINE)).toMatchObject({ status: 400, message: expect.stringContaining('is not after the deadline') as string });
    expect(await grant(ines, 'sam', '2026-03-05T00:00:00Z', 'hw2')).toMatchObject({ status: 400, message: 'hw2 has no deadline, so there is nothing to extend: set one in the course file first' });
    expect(await grant(ines, 'sam', '2026-03-05T00:00:00Z', 'nope')).toBeInstanceOf(NotFound);
    // A student sees only their own late status.
    expect(await refusal(h.platform.getLateStatus(sam, COURSE, ASSIGNMENT, 'sue'))).toBeInstanceOf(Forbidden);
    expect(await h.platform.getLateStatus(tara, COURSE, ASSIGNMENT, 'sue')).toMatchObject({ login: 'sue', extendedTo: '2026-03-05T00:00:00.000Z' });
  });

  it('a policy change through apply shows at once in the rule, with no grader run', async () => {
    await setUp(h);
    const sam = await h.actor('sam');
    h.clock.now = at(DEADLINE, 3600);
    await submit(h, sam);
    const jobs = async (): Promise<number> => (await t.db.selectFrom('grading_jobs').select('id').execute()).length;
    expect(await jobs()).toBe(1);
    expect(await h.platform.getLateStatus(sam, COURSE, ASSIGNMENT)).toMatchObject({ factor: 0.8 });
    const changes = await h.platform.applyCourseFile(h.admin, lateCourse({ latePolicy: { percent: 10, per: 'hour', floor: 0.5 }, cutoff: null }));
    expect(changes).toContainEqual({
      action: 'update', kind: 'assignment', target: `${COURSE}/${ASSIGNMENT}`,
      detail: `latePolicy: more than 10 min late ×0.8, more than 2 d late ×0.6 → 10% off per hour late, at least ×0.5; cutoff: ${CUTOFF} → none`,
    });
    expect((await loadLateRule(t.db, COURSE, ASSIGNMENT, 'sam')).policy).toEqual({ kind: 'rate', percent: 10, per: 'hour', floor: 0.5 });
    expect(await h.platform.getLateStatus(sam, COURSE, ASSIGNMENT)).toMatchObject({ factor: 0.9, cutoff: null, rule: '1 h late: 10% per hour × 1 hour → ×0.9' });
    expect(await jobs()).toBe(1);
    // A dry run shows the change back and makes none.
    const dry = await h.platform.applyCourseFile(h.admin, lateCourse({ latePolicy: null, cutoff: null }), { dryRun: true });
    expect(dry).toContainEqual(expect.objectContaining({ action: 'update', detail: 'latePolicy: 10% off per hour late, at least ×0.5 → none' }));
    expect((await loadLateRule(t.db, COURSE, ASSIGNMENT, 'sam')).policy).toMatchObject({ kind: 'rate' });
  });

  it('course-file extensions: kept when the key is absent, removed with prune, refused for unknown students', async () => {
    await setUp(h);
    const ines = await h.actor('ines');
    await h.platform.grantExtension(ines, COURSE, ASSIGNMENT, 'sue', '2026-03-05T00:00:00Z');
    const listed = await h.platform.applyCourseFile(h.admin, lateCourse({ extensions: [{ student: 'sam', until: '2026-03-04T00:00:00Z' }] }));
    expect(listed).toContainEqual({ action: 'create', kind: 'extension', target: `${COURSE}/${ASSIGNMENT}/sam`, detail: 'until 2026-03-04T00:00:00.000Z' });
    // Without prune, the one granted through the API stays.
    expect((await h.platform.listExtensions(ines, COURSE, ASSIGNMENT)).map((e) => [e.login, e.grantedBy])).toEqual([['sam', 'admin'], ['sue', 'ines']]);
    const moved = await h.platform.applyCourseFile(h.admin, lateCourse({ extensions: [{ student: 'sam', until: '2026-03-04T06:00:00Z' }] }), { prune: true });
    expect(moved).toContainEqual({ action: 'update', kind: 'extension', target: `${COURSE}/${ASSIGNMENT}/sam`, detail: 'until 2026-03-04T06:00:00.000Z' });
    expect(moved).toContainEqual({ action: 'remove', kind: 'extension', target: `${COURSE}/${ASSIGNMENT}/sue` });
    // No extensions key: left alone, even with prune.
    await h.platform.applyCourseFile(h.admin, lateCourse(), { prune: true });
    expect((await h.platform.listExtensions(ines, COURSE, ASSIGNMENT)).map((e) => e.login)).toEqual(['sam']);
    // A file without members is checked against the course's members, on the server.
    const unknown = await refusal(h.platform.applyCourseFile(h.admin, lateCourse({ extensions: [{ student: 'tara', until: '2026-03-04T00:00:00Z' }, { student: 'zed', until: '2026-03-04T00:00:00Z' }] }, false)));
    expect(unknown).toBeInstanceOf(InvalidInput);
    expect((unknown as InvalidInput).details?.problems).toEqual([
      `assignments[0].extensions[0].student: 'tara' is a ta of ${COURSE}: extensions are for students (staff are never refused)`,
      `assignments[0].extensions[1].student: 'zed' is not a member of ${COURSE}: add them as a student first`,
    ]);
    // A student pruned from the course takes their extensions along.
    const withoutSam = lateCourse();
    withoutSam.members = withoutSam.members?.filter((m) => m.login !== 'sam');
    await h.platform.applyCourseFile(h.admin, withoutSam, { prune: true });
    expect(await h.platform.listExtensions(ines, COURSE, ASSIGNMENT)).toEqual([]);
  });
});
