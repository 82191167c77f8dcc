import { describe, expect, it } from 'vitest';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../../src/platform/errors.ts';
import type { ApplyChange, CourseFile } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, courseFile, file, type Harness, useHarness } from './helpers.ts';

const actions = (changes: ApplyChange[]): string[] => changes.map((c) => `${c.action} ${c.kind} ${c.target}`);

describe.each(databases)('applyCourseFile on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it('creates everything, then is idempotent', async () => {
    const first = await h.platform.applyCourseFile(h.admin, courseFile());
    expect(first).toEqual([
      { action: 'create', kind: 'course', target: 'cs101' },
      { action: 'create', kind: 'member', target: 'cs101/ines', detail: 'instructor (new user)' },
      { action: 'create', kind: 'member', target: 'cs101/tara', detail: 'ta (new user)' },
      { action: 'create', kind: 'member', target: 'cs101/sam', detail: 'student (new user)' },
      { action: 'create', kind: 'member', target: 'cs101/sue', detail: 'student (new user)' },
      { action: 'create', kind: 'assignment', target: 'cs101/hw1' },
      { action: 'create', kind: 'part', target: 'cs101/hw1/p1', detail: '10 points' },
      { action: 'create', kind: 'part', target: 'cs101/hw1/p2', detail: '5 points' },
    ]);
    const second = await h.platform.applyCourseFile(h.admin, courseFile());
    expect(second.every((c) => c.action === 'unchanged')).toBe(true);
    expect(second).toHaveLength(first.length);

    const members = await h.platform.listMembers(h.admin, COURSE);
    expect(members).toEqual([
      { login: 'ines', displayName: 'Ines Instructor', role: 'instructor' },
      { login: 'tara', displayName: 'tara', role: 'ta' },
      { login: 'sam', displayName: 'sam', role: 'student' },
      { login: 'sue', displayName: 'sue', role: 'student' },
    ]);
    const [assignment] = await h.platform.listAssignments(h.admin, COURSE);
    expect(assignment).toMatchObject({ id: 'hw1', title: 'Homework 1', deadline: '2030-01-01T00:00:00.000Z' });
    expect(assignment?.parts.map((p) => [p.id, p.title, p.points])).toEqual([
      ['p1', 'Part 1', 10],
      ['p2', 'p2', 5],
    ]);
  });

  it('reports updates precisely', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    const changed = courseFile({
      course: { id: COURSE, title: 'Intro (2026)' },
      members: [
        { login: 'ines', role: 'instructor' },
        { login: 'tara', role: 'student' },
        { login: 'sam', role: 'student' },
        { login: 'sue', role: 'student' },
      ],
      assignments: [{ id: ASSIGNMENT, title: 'Homework 1', deadline: null, parts: [{ id: 'p2', points: 6 }, { id: 'p1', title: 'Part 1', points: 10 }] }],
    });
    const changes = await h.platform.applyCourseFile(h.admin, changed);
    expect(changes.filter((c) => c.action !== 'unchanged')).toEqual([
      { action: 'update', kind: 'course', target: 'cs101', detail: 'title' },
      { action: 'update', kind: 'member', target: 'cs101/tara', detail: 'role: ta → student' },
      { action: 'update', kind: 'assignment', target: 'cs101/hw1', detail: 'deadline' },
      { action: 'update', kind: 'part', target: 'cs101/hw1/p2', detail: 'points, order' },
      { action: 'update', kind: 'part', target: 'cs101/hw1/p1', detail: 'order' },
    ]);
    expect((await h.platform.getAssignment(h.admin, COURSE, ASSIGNMENT)).parts.map((p) => p.id)).toEqual(['p2', 'p1']);
  });

  it('dry run reports the changes and writes nothing', async () => {
    const dry = await h.platform.applyCourseFile(h.admin, courseFile(), { dryRun: true });
    expect(actions(dry)).toContain('create course cs101');
    expect(dry).toEqual(await h.platform.applyCourseFile(h.admin, courseFile(), { dryRun: true }));
    await expect(h.platform.getCourse(h.admin, COURSE)).rejects.toBeInstanceOf(NotFound);
    expect(await t.db.selectFrom('users').select('login').execute()).toEqual([{ login: 'admin' }]);
    expect(await h.platform.applyCourseFile(h.admin, courseFile())).toEqual(dry);
  });

  it('prunes unlisted members, assignments and parts; without prune leaves them', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile({ assignments: [...courseFile().assignments!, { id: 'hw2', title: 'HW 2', parts: [{ id: 'q', points: 1 }] }] }));
    const smaller: CourseFile = courseFile({
      members: [{ login: 'ines', role: 'instructor' }, { login: 'sam', role: 'student' }],
      assignments: [{ id: ASSIGNMENT, title: 'Homework 1', deadline: '2030-01-01T00:00:00Z', parts: [{ id: 'p1', title: 'Part 1', points: 10 }] }],
    });
    const kept = await h.platform.applyCourseFile(h.admin, smaller);
    expect(kept.filter((c) => c.action !== 'unchanged')).toEqual([]);
    const pruned = await h.platform.applyCourseFile(h.admin, smaller, { prune: true });
    expect(actions(pruned.filter((c) => c.action === 'remove'))).toEqual([
      'remove member cs101/sue',
      'remove member cs101/tara',
      'remove part cs101/hw1/p2',
      'remove assignment cs101/hw2',
    ]);
    expect((await h.platform.listMembers(h.admin, COURSE)).map((m) => m.login)).toEqual(['ines', 'sam']);
    expect((await h.platform.listAssignments(h.admin, COURSE)).map((a) => a.id)).toEqual(['hw1']);
    // Users stay: they may be in other courses.
    expect((await h.platform.listUsers(h.admin)).map((u) => u.login)).toContain('sue');
  });

  it('refuses to prune anything with submissions, and changes nothing then', async () => {
    await course(h, { bothParts: true });
    const sam = await h.actor('sam');
    await h.platform.submit(sam, { courseId: COURSE, assignmentId: ASSIGNMENT, files: [file('a.py')] });
    const withoutSam = courseFile({ members: courseFile().members!.filter((m) => m.login !== 'sam'), course: { id: COURSE, title: 'Renamed' } });
    const memberError = await h.platform.applyCourseFile(h.admin, withoutSam, { prune: true }).catch((e: unknown) => e);
    expect(memberError).toBeInstanceOf(Conflict);
    expect((memberError as Conflict).message).toMatch(/cannot remove member cs101\/sam: they have 1 submission/);
    expect((await h.platform.getCourse(h.admin, COURSE)).title).toBe('Intro to Programming');
    const onlyP1 = courseFile({ assignments: [{ ...courseFile().assignments![0]!, parts: [{ id: 'p1', title: 'Part 1', points: 10 }] }] });
    await expect(h.platform.applyCourseFile(h.admin, onlyP1, { prune: true })).rejects.toThrow(/cannot remove part cs101\/hw1\/p2: it has 1 submission/);
    await expect(h.platform.applyCourseFile(h.admin, courseFile({ assignments: [] }), { prune: true })).rejects.toThrow(/cannot remove assignment cs101\/hw1/);
  });

  it('needs an admin to create a course; its instructors may apply it later', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    const ines = await h.actor('ines');
    const tara = await h.actor('tara');
    const sam = await h.actor('sam');
    await expect(h.platform.applyCourseFile(ines, courseFile({ course: { id: 'cs102', title: 'New' } }))).rejects.toBeInstanceOf(Forbidden);
    const changes = await h.platform.applyCourseFile(ines, courseFile({ course: { id: COURSE, title: 'By Ines' } }));
    expect(changes[0]).toEqual({ action: 'update', kind: 'course', target: 'cs101', detail: 'title' });
    await expect(h.platform.applyCourseFile(tara, courseFile())).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.applyCourseFile(sam, courseFile())).rejects.toBeInstanceOf(Forbidden);
    const inesReadOnly = await h.actor('ines', ['read', 'author']);
    await expect(h.platform.applyCourseFile(inesReadOnly, courseFile())).rejects.toThrow(/lacks the 'manage' scope/);
    await h.platform.applyCourseFile(h.admin, { course: { id: 'other', title: 'Other' } });
    await expect(h.platform.applyCourseFile(ines, { course: { id: 'other', title: 'Mine now' } })).rejects.toBeInstanceOf(NotFound);
  });

  it('keeps an instructor from taking away their own role', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    const ines = await h.actor('ines');
    const demoted = courseFile({ members: courseFile().members!.map((m) => (m.login === 'ines' ? { ...m, role: 'ta' as const } : m)) });
    await expect(h.platform.applyCourseFile(ines, demoted)).rejects.toThrow(/your own instructor role/);
    const without = courseFile({ members: courseFile().members!.filter((m) => m.login !== 'ines') });
    await expect(h.platform.applyCourseFile(ines, without, { prune: true })).rejects.toThrow(/your own instructor role/);
    await h.platform.applyCourseFile(ines, without);
  });

  it('refuses invalid files with a clear message before touching anything', async () => {
    const bad = { course: { id: COURSE, title: 'T' }, assignments: [{ id: 'hw1', title: 'HW', parts: [{ id: 'p1', points: -3 }] }] };
    const error = await h.platform.applyCourseFile(h.admin, bad as CourseFile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).message).toBe('invalid course file: assignments[0].parts[0].points: must be a number ≥ 0 (got -3)');
    await expect(h.platform.getCourse(h.admin, COURSE)).rejects.toBeInstanceOf(NotFound);
  });
});
