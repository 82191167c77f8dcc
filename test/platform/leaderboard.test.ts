/**
 * Pseudonyms and leaderboards on both databases: hostile names refused, look-alikes and other
 * members' logins taken, generated pseudonyms stable and unrelated to logins; leaderboards ranked
 * from each student's counting submission's newest graded results, pseudonyms only for students.
 */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import type { Actor, CourseFile } from '../../src/platform/model.ts';
import { pseudonymKey, pseudonymProblem } from '../../src/platform/pseudonym-names.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

describe('pseudonym names', () => {
  it.each([
    ['', /must be 2 to 32 characters/],
    ['a', /must be 2 to 32 characters/],
    ['x'.repeat(33), /must be 2 to 32 characters long \(it is 33\)/],
    ['x'.repeat(1000), /is too long/],
    [' padded', /starts or ends with a space/],
    ['padded ', /starts or ends with a space/],
    ['two  spaces', /two spaces in a row/],
    ['tab\there', /control, format or invisible/],
    ['new\nline', /control, format or invisible/],
    ['evil\u202Eeman', /bidirectional override/],
    ['zero\u200Bwidth', /invisible/],
    ['joiner\u200Dx', /invisible/],
    ['no\u00A0break', /space other than the ordinary one/],
    ['\u001b[31mred', /control/],
    ['emoji 😀', /only have 2 to 32 letters, digits, spaces/],
    ['<script>', /only have/],
    ['---', /at least one letter or digit/],
    ['z\u0301\u0302\u0303algo', /too many accents/],
    ['Admin', /reserved/],
    ['ＡＤＭＩＮ', /reserved/],
    ['T.A.', /reserved/],
    ['anonymous-abcd2345', /reserved/],
    ['Anonymous Koala', /reserved/],
    [42, /must be a text/],
  ])('refuses %j', (name, problem) => {
    expect(pseudonymProblem(name)).toMatch(problem);
  });

  it.each(['Ada', 'Grace Hopper', "O'Brien", 'Zoë', 'José-María', '李小龙', 'user_42', 'Ω team', 'Nguyễn Thị'])('accepts %j', (name) => {
    expect(pseudonymProblem(name)).toBeUndefined();
  });

  it('folds look-alikes to one key: case, width, accents, Cyrillic and Greek letters, separators, digits', () => {
    const key = pseudonymKey('ada lovelace');
    for (const alike of ['Ada Lovelace', 'ADA-LOVELACE', 'ＡＤＡ ＬＯＶＥＬＡＣＥ', 'аda lovelace', 'Ádà Lövelace', 'ada_l0velace', 'adalovelace', 'ada.1ovelace']) {
      expect(pseudonymKey(alike), alike).toBe(key);
    }
    expect(pseudonymKey('ada lovelock')).not.toBe(key);
  });
});

const course = (leaderboard: boolean, extra: Partial<CourseFile> = {}): CourseFile => {
  const base = courseFile();
  const [hw1] = base.assignments ?? [];
  return {
    ...base,
    members: [...(base.members ?? []), { login: 'sid', role: 'student' }, { login: 'stu', role: 'student' }],
    assignments: [{ ...hw1!, leaderboard }, { id: 'hw2', title: 'Homework 2', parts: [{ id: 'p1', points: 1 }] }],
    ...extra,
  };
};

async function setUp(h: Harness, leaderboard = true): Promise<void> {
  await h.platform.applyCourseFile(h.admin, course(leaderboard));
  for (const partId of ['p1', 'p2']) await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: ASSIGNMENT, partId, imageId: imageId(1) });
  await h.platform.publish(h.admin, COURSE, ASSIGNMENT);
}

/** Submits for `actor` and stores each part's result with these leaderboard entries (p1, p2). */
async function submitWith(h: Harness, actor: Actor, p1: unknown[] | undefined, p2: unknown[] | undefined = undefined, status: 'graded' | 'grader-error' = 'graded') {
  const submitted = await h.platform.submit(actor, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('a.py', String(Math.random()))] });
  const staff = await h.actor('ines');
  const view = await h.platform.getSubmission(staff, submitted.id);
  for (const part of view.parts) {
    const entries = part.partId === 'p1' ? p1 : p2;
    const result = gradeResult({ status, ...(entries === undefined ? {} : { leaderboard: entries }) });
    await h.store.saveResult(part.job!.id, encodeResult(result));
  }
  h.clock.advance(1000);
  return submitted;
}

describe.each(databases)('pseudonyms and leaderboards on $name', (factory) => {
  let h: Harness;
  let t: TestDatabase;
  useHarness(factory, (world) => ({ h, t } = world));

  it('give each student a stable generated pseudonym until they choose one, unrelated to their login', async () => {
    await setUp(h);
    const sam = await h.actor('sam', ['read', 'submit']);
    const first = await h.platform.getPseudonym(sam, COURSE);
    expect(first).toMatchObject({ courseId: COURSE, login: 'sam', chosen: false, pseudonym: expect.stringMatching(/^anonymous-[a-z2-7]{8}$/) as unknown });
    expect(first.pseudonym).not.toContain('sam');
    expect(await h.platform.getPseudonym(sam, COURSE)).toEqual(first);
    const sue = await h.actor('sue', ['read', 'submit']);
    expect((await h.platform.getPseudonym(sue, COURSE)).pseudonym).not.toBe(first.pseudonym);

    expect(await h.platform.setPseudonym(sam, COURSE, 'Grace Hopper')).toEqual({ courseId: COURSE, login: 'sam', pseudonym: 'Grace Hopper', chosen: true });
    expect(await h.platform.getPseudonym(sam, COURSE)).toMatchObject({ pseudonym: 'Grace Hopper', chosen: true });
    // Changing it again, even to a variant of their own, is fine.
    expect(await h.platform.setPseudonym(sam, COURSE, 'grace-hopper')).toMatchObject({ pseudonym: 'grace-hopper' });
    // null: back to a generated one.
    expect(await h.platform.setPseudonym(sam, COURSE, null)).toMatchObject({ chosen: false, pseudonym: expect.stringMatching(/^anonymous-/) as unknown });
  });

  it('refuse hostile names (400), look-alikes of a taken one and other members’ logins (409), and need submit', async () => {
    await setUp(h);
    const [sam, sue] = await Promise.all(['sam', 'sue'].map((login) => h.actor(login, ['read', 'submit'])));
    await h.platform.setPseudonym(sam!, COURSE, 'Ada Lovelace');
    for (const alike of ['ada lovelace', 'АDА LOVELACE', 'ＡＤＡ-ＬＯＶＥＬＡＣＥ', 'Ada_L0velace']) {
      await expect(h.platform.setPseudonym(sue!, COURSE, alike), alike).rejects.toMatchObject({ status: 409, code: 'pseudonym-taken' });
    }
    // Another member's login (a TA's, a student's), however written: the same answer as taken.
    for (const login of ['tara', 'TARA', 'sid', 'ines']) {
      await expect(h.platform.setPseudonym(sue!, COURSE, login), login).rejects.toMatchObject({ status: 409, code: 'pseudonym-taken' });
    }
    for (const bad of ['evil\u202Eeman', ' x ', 'admin', 'a', '\u0007bell']) {
      await expect(h.platform.setPseudonym(sue!, COURSE, bad), bad).rejects.toMatchObject({ status: 400, code: 'invalid-input', message: expect.stringMatching(/^pseudonym: /) as unknown });
    }
    const readOnly = await h.actor('sue', ['read']);
    await expect(h.platform.setPseudonym(readOnly, COURSE, 'Sue Q')).rejects.toMatchObject({ status: 403 });
    // Once sam lets it go, sue may have it; two at once cannot both get one name.
    await h.platform.setPseudonym(sam!, COURSE, 'Someone Else');
    expect(await h.platform.setPseudonym(sue!, COURSE, 'ada lovelace')).toMatchObject({ pseudonym: 'ada lovelace' });
    const sid = await h.actor('sid', ['read', 'submit']);
    const race = await Promise.allSettled([h.platform.setPseudonym(sam!, COURSE, 'Racer X'), h.platform.setPseudonym(sid, COURSE, 'racer x')]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // Courses the caller is not in are not found.
    await expect(h.platform.getPseudonym(sam!, 'nope')).rejects.toMatchObject({ status: 404 });
  });

  it('give up a chosen pseudonym that a member who joins later has as login', async () => {
    await setUp(h);
    const sam = await h.actor('sam', ['read', 'submit']);
    await h.platform.setPseudonym(sam, COURSE, 'Newbie');
    await h.platform.applyCourseFile(h.admin, course(true, { members: [...(course(true).members ?? []), { login: 'newbie', role: 'student' }] }));
    expect(await h.platform.getPseudonym(sam, COURSE)).toMatchObject({ chosen: false, pseudonym: expect.stringMatching(/^anonymous-/) as unknown });
  });

  it('rank students per entry name from their counting submission, pseudonyms for students and logins for staff', async () => {
    await setUp(h);
    const [sam, sue, sid, stu] = await Promise.all(['sam', 'sue', 'sid', 'stu'].map((login) => h.actor(login, ['read', 'submit'])));
    await h.platform.setPseudonym(sam!, COURSE, 'Speedy');
    // sam: an older submission that was better does not count; the newest one does.
    await submitWith(h, sam!, [{ name: 'Runtime (s)', value: 0.5, order: 'asc' }]);
    await submitWith(h, sam!, [{ name: 'Runtime (s)', value: 2, order: 'asc' }, { name: 'Accuracy', value: 90 }]);
    await submitWith(h, sue!, [{ name: 'Runtime (s)', value: 1.5, order: 'asc' }], [{ name: 'Accuracy', value: 95, order: null }]);
    await submitWith(h, sid!, [{ name: 'Runtime (s)', value: 2, order: 'asc' }, { name: 'Model', value: 'tree' }]);
    // stu's grader failed: no entries from that result.
    await submitWith(h, stu!, [{ name: 'Runtime (s)', value: 0.1, order: 'asc' }], undefined, 'grader-error');

    const board = await h.platform.getLeaderboard(sue!, COURSE, ASSIGNMENT);
    expect(board.columns.map((c) => [c.name, c.order])).toEqual([['Runtime (s)', 'asc'], ['Accuracy', 'desc'], ['Model', 'desc']]);
    const runtime = board.columns[0]!.rows;
    expect(runtime.map((r) => [r.rank, r.value])).toEqual([[1, 1.5], [2, 2], [2, 2]]);
    expect(runtime[0]).toMatchObject({ you: true });
    expect(runtime.some((r) => r.pseudonym === 'Speedy')).toBe(true);
    for (const row of board.columns.flatMap((c) => c.rows)) {
      expect(row.login).toBeUndefined();
      expect(row.pseudonym).not.toMatch(/^(sam|sue|sid|stu)$/);
    }
    expect(board.columns[1]!.rows.map((r) => r.value)).toEqual([95, 90]);

    const staff = await h.platform.getLeaderboard(await h.actor('tara'), COURSE, ASSIGNMENT);
    const staffRows = staff.columns[0]!.rows;
    expect(staffRows[0]).toMatchObject({ rank: 1, login: 'sue', value: 1.5 });
    expect(staffRows.slice(1).map((r) => [r.rank, r.login]).sort()).toEqual([[2, 'sam'], [2, 'sid']]);
    expect(staff.columns[0]!.rows.find((r) => r.login === 'sam')).toMatchObject({ pseudonym: 'Speedy' });
    // The same generated pseudonyms for students who chose none, read after read.
    expect((await h.platform.getLeaderboard(sue!, COURSE, ASSIGNMENT)).columns).toEqual(board.columns);
  });

  it('rank completed work only with trigger completion, and hide the board from students while grades are not released', async () => {
    const file = course(true);
    file.assignments![0] = { ...file.assignments![0]!, trigger: 'completion' };
    await h.platform.applyCourseFile(h.admin, file);
    for (const partId of ['p1', 'p2']) await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: ASSIGNMENT, partId, imageId: imageId(1) });
    await h.platform.publish(h.admin, COURSE, ASSIGNMENT);
    const [sam, sue] = await Promise.all(['sam', 'sue'].map((login) => h.actor(login, ['read', 'submit'])));
    await submitWith(h, sam!, [{ name: 'Score', value: 1 }]);
    await submitWith(h, sam!, [{ name: 'Score', value: 7 }]);
    await submitWith(h, sue!, [{ name: 'Score', value: 9 }]);
    await h.platform.complete(sam!, COURSE, ASSIGNMENT);
    // sue has not completed: nothing of hers counts yet.
    const staff = await h.actor('ines');
    expect((await h.platform.getLeaderboard(staff, COURSE, ASSIGNMENT)).columns[0]!.rows.map((r) => [r.login, r.value])).toEqual([['sam', 7]]);

    await t.db.updateTable('assignments').set({ release_mode: 'manual' }).where('course_id', '=', COURSE).where('id', '=', ASSIGNMENT).execute();
    await expect(h.platform.getLeaderboard(sam!, COURSE, ASSIGNMENT)).rejects.toMatchObject({ status: 409, code: 'leaderboard-hidden' });
    expect((await h.platform.getLeaderboard(staff, COURSE, ASSIGNMENT)).columns).toHaveLength(1);
    await t.db.updateTable('assignments').set({ released_at: h.clock.now.toISOString(), released_by: 'ines' }).where('course_id', '=', COURSE).where('id', '=', ASSIGNMENT).execute();
    expect((await h.platform.getLeaderboard(sam!, COURSE, ASSIGNMENT)).columns[0]!.rows).toEqual([{ rank: 1, pseudonym: expect.stringMatching(/^anonymous-/) as unknown, value: 7, you: true }]);
  });

  it('bound untrusted names and values from graders', async () => {
    await setUp(h);
    const sam = await h.actor('sam', ['read', 'submit']);
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `metric ${i}`, value: i }));
    await submitWith(h, sam, [{ name: 'n'.repeat(5000), value: 'v'.repeat(5000) }, { name: '', value: 1 }, { name: '\u001b[2Jclear', value: 'x\u202Ey' }, ...many]);
    const board = await h.platform.getLeaderboard(sam, COURSE, ASSIGNMENT);
    expect(board.columns).toHaveLength(20);
    expect(board.columns[0]!.name).toHaveLength(100);
    expect(board.columns[0]!.name.endsWith('…')).toBe(true);
    expect(board.columns[0]!.rows[0]!.value).toHaveLength(100);
    expect(board.columns[1]!.name).toBe('(unnamed)');
    // Kept as text in the API (JSON is safe); the CLI neutralizes them when it prints.
    expect(board.columns[2]!.name).toBe('\u001b[2Jclear');
  });

  it('answer 409 no-leaderboard when the assignment has none, 404 for no such assignment or course', async () => {
    await setUp(h, false);
    const sam = await h.actor('sam', ['read', 'submit']);
    await expect(h.platform.getLeaderboard(sam, COURSE, ASSIGNMENT)).rejects.toMatchObject({ status: 409, code: 'no-leaderboard', message: expect.stringMatching(/leaderboard: true/) as unknown });
    await expect(h.platform.getLeaderboard(sam, COURSE, 'nope')).rejects.toMatchObject({ status: 404 });
    await expect(h.platform.getLeaderboard(sam, 'nope', ASSIGNMENT)).rejects.toMatchObject({ status: 404 });
    const [hw1] = await h.platform.listAssignments(sam, COURSE);
    expect(hw1).toMatchObject({ leaderboard: false });
    const changes = await h.platform.applyCourseFile(h.admin, course(true));
    expect(changes).toContainEqual({ action: 'update', kind: 'assignment', target: `${COURSE}/${ASSIGNMENT}`, detail: 'leaderboard' });
    expect((await h.platform.listAssignments(sam, COURSE))[0]).toMatchObject({ leaderboard: true });
    expect((await h.platform.getLeaderboard(sam, COURSE, ASSIGNMENT)).columns).toEqual([]);
  });

  it('check the course file’s leaderboard key', async () => {
    const bad = course(true);
    (bad.assignments![0] as Record<string, unknown>).leaderboard = 'yes';
    await expect(h.platform.applyCourseFile(h.admin, bad)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/assignments\[0\]\.leaderboard: must be true or false/) as unknown });
    const changes = await h.platform.applyCourseFile(h.admin, course(true));
    expect(changes).toContainEqual({ action: 'create', kind: 'assignment', target: `${COURSE}/${ASSIGNMENT}`, detail: 'leaderboard' });
  });
});
