/** One member at a time, the set-up page's rights and the previewed course file, on SQLite and PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../../src/platform/errors.ts';
import { databases } from '../support/databases.ts';
import { COURSE, course, courseFile, file, type Harness, useHarness } from './helpers.ts';

describe.each(databases)('course members and the previewed course file on $name', (factory) => {
  let h: Harness;
  useHarness(factory, (world) => ({ h } = world));

  it('tells staff what they may change; students 403, strangers 404', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    expect(await h.platform.getSetupRights(h.admin, COURSE)).toEqual({ changeSetup: true, inviteRoles: ['instructor', 'ta', 'student'] });
    expect(await h.platform.getSetupRights(await h.actor('ines'), COURSE)).toEqual({ changeSetup: true, inviteRoles: ['ta', 'student'] });
    expect(await h.platform.getSetupRights(await h.actor('ines', ['read', 'author']), COURSE)).toEqual({ changeSetup: false, inviteRoles: [] });
    expect(await h.platform.getSetupRights(await h.actor('tara'), COURSE)).toEqual({ changeSetup: false, inviteRoles: [] });
    await expect(h.platform.getSetupRights(await h.actor('sam'), COURSE)).rejects.toBeInstanceOf(Forbidden);
    await h.platform.createUser(h.admin, { login: 'olga' });
    await expect(h.platform.getSetupRights(await h.actor('olga'), COURSE)).rejects.toBeInstanceOf(NotFound);
  });

  it('adds a member (a new user), changes a role, removes one, by apply\'s rules', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    const ines = await h.actor('ines');
    expect(await h.platform.setMember(ines, COURSE, { login: 'nora', role: 'ta', displayName: 'Nora N' })).toEqual({
      action: 'create', kind: 'member', target: 'cs101/nora', detail: 'ta (new user)',
    });
    expect(await h.platform.setMember(ines, COURSE, { login: 'nora', role: 'student' })).toMatchObject({ action: 'update', detail: 'role: ta → student' });
    expect(await h.platform.setMember(ines, COURSE, { login: 'nora', role: 'student' })).toMatchObject({ action: 'unchanged' });
    expect((await h.platform.listMembers(ines, COURSE)).find((m) => m.login === 'nora')).toEqual({ login: 'nora', displayName: 'Nora N', role: 'student' });
    expect(await h.platform.removeMember(ines, COURSE, 'nora')).toEqual({ action: 'remove', kind: 'member', target: 'cs101/nora', detail: 'student' });
    expect((await h.platform.listMembers(ines, COURSE)).map((m) => m.login)).toEqual(['ines', 'tara', 'sam', 'sue']);
  });

  it('refuses TAs, students, tokens without manage, bad values, self-lockout and members with submissions', async () => {
    await course(h);
    const tara = await h.actor('tara');
    await expect(h.platform.setMember(tara, COURSE, { login: 'x', role: 'ta' })).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.removeMember(tara, COURSE, 'sam')).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.setMember(await h.actor('sam'), COURSE, { login: 'sam', role: 'instructor' })).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.setMember(await h.actor('ines', ['read', 'author']), COURSE, { login: 'x', role: 'ta' })).rejects.toBeInstanceOf(Forbidden);
    const ines = await h.actor('ines');
    await expect(h.platform.setMember(ines, COURSE, { login: 'Bad Login', role: 'ta' })).rejects.toBeInstanceOf(InvalidInput);
    await expect(h.platform.setMember(ines, COURSE, { login: 'ok', role: 'owner' })).rejects.toThrow(/role: must be one of/);
    await expect(h.platform.setMember(ines, COURSE, { login: 'ok', role: 'ta', displayName: 'x'.repeat(201) })).rejects.toBeInstanceOf(InvalidInput);
    await expect(h.platform.setMember(ines, COURSE, { login: 'ines', role: 'ta' })).rejects.toBeInstanceOf(Conflict);
    await expect(h.platform.removeMember(ines, COURSE, 'ines')).rejects.toBeInstanceOf(Conflict);
    await expect(h.platform.removeMember(ines, COURSE, 'nobody')).rejects.toBeInstanceOf(NotFound);
    await h.platform.submit(await h.actor('sam'), { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py')] });
    await expect(h.platform.removeMember(ines, COURSE, 'sam')).rejects.toThrow(/cannot remove member cs101\/sam: they have 1 submission/);
    expect((await h.platform.listMembers(ines, COURSE)).map((m) => m.login)).toEqual(['ines', 'tara', 'sam', 'sue']);
    // An admin may take an instructor's role away.
    expect(await h.platform.setMember(h.admin, COURSE, { login: 'ines', role: 'ta' })).toMatchObject({ action: 'update' });
  });

  it('applies a previewed file only while it makes exactly the previewed changes', async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
    const ines = await h.actor('ines');
    const renamed = courseFile({ course: { id: COURSE, title: 'Renamed' } });
    const preview = await h.platform.previewCourseFile(ines, renamed);
    expect(preview.changes.filter((c) => c.action !== 'unchanged')).toEqual([{ action: 'update', kind: 'course', target: 'cs101', detail: 'title' }]);
    expect(preview.plan).toMatch(/^[0-9a-f]{64}$/);
    expect((await h.platform.getCourse(ines, COURSE)).title).toBe('Intro to Programming');

    // The course changes between preview and confirmation: nothing is applied.
    await h.platform.setMember(ines, COURSE, { login: 'sue', role: 'ta' });
    await expect(h.platform.applyPreviewedCourseFile(ines, renamed, { plan: preview.plan })).rejects.toThrow(/changed since its preview/);
    expect((await h.platform.getCourse(ines, COURSE)).title).toBe('Intro to Programming');
    expect((await h.platform.listMembers(ines, COURSE)).find((m) => m.login === 'sue')?.role).toBe('ta');

    const again = await h.platform.previewCourseFile(ines, renamed);
    await expect(h.platform.applyPreviewedCourseFile(ines, renamed, { plan: 'not a plan' })).rejects.toBeInstanceOf(InvalidInput);
    const applied = await h.platform.applyPreviewedCourseFile(ines, renamed, { plan: again.plan });
    expect(applied).toEqual(again.changes);
    expect((await h.platform.getCourse(ines, COURSE)).title).toBe('Renamed');
    expect((await h.platform.listMembers(ines, COURSE)).find((m) => m.login === 'sue')?.role).toBe('student');
    await expect(h.platform.previewCourseFile(await h.actor('tara'), renamed)).rejects.toBeInstanceOf(Forbidden);
  });
});
