import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/platform/errors.ts';
import type { Actor, Submission } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, courseFile, file, harness, imageId, type Harness } from './helpers.ts';

type Outcome = 'ok' | 403 | 404;

async function outcome(action: () => Promise<unknown>): Promise<Outcome | `unexpected ${string}`> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    if (error instanceof PlatformError && (error.status === 403 || error.status === 404)) return error.status;
    return `unexpected ${String(error)}`;
  }
}

describe.each(databases)('permission rules on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  let actors: Record<'admin' | 'ines' | 'tara' | 'sam' | 'sue' | 'olga', Actor>;
  let samsSubmission: Submission;
  let samsJobId: string;
  const target = { courseId: COURSE, assignmentId: ASSIGNMENT };

  beforeAll(async () => {
    t = await factory.create();
    h = await harness(t);
    await course(h);
    await h.platform.createUser(h.admin, { login: 'olga' }); // in no course
    await h.platform.applyCourseFile(h.admin, { course: { id: 'cs102', title: 'Other' }, members: [{ login: 'olga', role: 'instructor' }] });
    actors = {
      admin: h.admin,
      ines: await h.actor('ines'),
      tara: await h.actor('tara'),
      sam: await h.actor('sam'),
      sue: await h.actor('sue'),
      olga: await h.actor('olga'),
    };
    samsSubmission = await h.platform.submit(actors.sam, { ...target, files: [file('a.py')] });
    // Students never see jobs: the staff view has the id.
    samsJobId = (await h.platform.getSubmission(h.admin, samsSubmission.id)).parts[0]!.job!.id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  const p = () => h.platform;
  const rows: Array<[string, Array<[keyof typeof actors, Outcome]>, (a: Actor) => Promise<unknown>]> = [
    ['getCourse', [['admin', 'ok'], ['ines', 'ok'], ['tara', 'ok'], ['sam', 'ok'], ['olga', 404]], (a) => p().getCourse(a, COURSE)],
    ['listMembers', [['admin', 'ok'], ['ines', 'ok'], ['tara', 'ok'], ['sam', 403], ['olga', 404]], (a) => p().listMembers(a, COURSE)],
    ['listAssignments', [['tara', 'ok'], ['sam', 'ok'], ['olga', 404]], (a) => p().listAssignments(a, COURSE)],
    ['getAssignment', [['sam', 'ok'], ['olga', 404]], (a) => p().getAssignment(a, COURSE, ASSIGNMENT)],
    ['apply', [['admin', 'ok'], ['ines', 'ok'], ['tara', 403], ['sam', 403], ['olga', 404]], (a) => p().applyCourseFile(a, courseFile())],
    ['assertCanUpload', [['admin', 'ok'], ['ines', 'ok'], ['tara', 'ok'], ['sam', 403], ['olga', 404]], (a) => p().assertCanUpload(a, COURSE)],
    [
      'createDraft',
      [['tara', 'ok'], ['sam', 403], ['olga', 404]],
      (a) => p().createDraft(a, { ...target, partId: 'p2', imageId: imageId(5) }),
    ],
    ['listGraderVersions', [['tara', 'ok'], ['sam', 403], ['olga', 404]], (a) => p().listGraderVersions(a, COURSE, ASSIGNMENT, 'p1')],
    ['publish', [['tara', 403], ['sam', 403], ['olga', 404], ['ines', 'ok']], (a) => p().publish(a, COURSE, ASSIGNMENT)],
    ['assertCanReadImage', [['tara', 'ok'], ['sam', 403], ['olga', 404]], (a) => p().assertCanReadImage(a, COURSE, imageId(1))],
    ['submit', [['sam', 'ok'], ['tara', 'ok'], ['olga', 404]], (a) => p().submit(a, { ...target, files: [file('b.py')] })],
    [
      'submit author-test',
      [['tara', 'ok'], ['ines', 'ok'], ['sam', 403], ['olga', 404]],
      (a) => p().submit(a, { ...target, files: [file('b.py')], kind: 'author-test' }),
    ],
    ["getSubmission (sam's)", [['sam', 'ok'], ['tara', 'ok'], ['ines', 'ok'], ['admin', 'ok'], ['sue', 403], ['olga', 404]], (a) => p().getSubmission(a, samsSubmission.id)],
    ['getJob', [['tara', 'ok'], ['admin', 'ok'], ['sam', 403], ['olga', 404]], (a) => p().getJob(a, samsJobId)],
    ['listSubmissions', [['tara', 'ok'], ['sam', 'ok'], ['olga', 404]], (a) => p().listSubmissions(a, COURSE, ASSIGNMENT)],
    ['listUsers', [['admin', 'ok'], ['ines', 403], ['sam', 403]], (a) => p().listUsers(a)],
  ];

  it.each(rows)('%s by role', async (_name, expectations, action) => {
    for (const [who, expected] of expectations) {
      // publish consumes the drafts: give each publisher one to publish.
      if (_name === 'publish' && expected === 'ok') await p().createDraft(h.admin, { ...target, partId: 'p1', imageId: imageId(7) });
      expect(await outcome(() => action(actors[who])), who).toBe(expected);
    }
  });

  it('needs the scope for each kind of action, whatever the role', async () => {
    const readOnly = { ines: await h.actor('ines', ['read']), sam: await h.actor('sam', ['read']) };
    const noRead = { ines: await h.actor('ines', ['submit', 'author', 'manage']), sam: await h.actor('sam', ['submit']) };
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['ines read-only createDraft', () => p().createDraft(readOnly.ines, { ...target, partId: 'p1', imageId: imageId(3) })],
      ['ines read-only publish', () => p().publish(readOnly.ines, COURSE, ASSIGNMENT)],
      ['ines read-only apply', () => p().applyCourseFile(readOnly.ines, courseFile())],
      ['ines read-only author test', () => p().submit(readOnly.ines, { ...target, files: [file('x')], kind: 'author-test' })],
      ['sam read-only submit', () => p().submit(readOnly.sam, { ...target, files: [file('x')] })],
      ['ines without read listMembers', () => p().listMembers(noRead.ines, COURSE)],
      ['sam without read getSubmission', () => p().getSubmission(noRead.sam, samsSubmission.id)],
      ['sam without read listCourses', () => p().listCourses(noRead.sam)],
    ];
    for (const [name, action] of cases) {
      const error = await action().catch((e: unknown) => e);
      expect(error instanceof PlatformError && error.status, name).toBe(403);
      expect((error as Error).message, name).toMatch(/lacks the '\w+' scope/);
    }
  });

  it("lets an admin's manage scope stand for author and submit, but not for read", async () => {
    const manageOnly = await h.actor('admin', ['manage']);
    await p().createDraft(manageOnly, { ...target, partId: 'p1', imageId: imageId(4) });
    await p().publish(manageOnly, COURSE, ASSIGNMENT);
    await expect(p().listCourses(manageOnly)).rejects.toThrow(/lacks the 'read' scope/);
    const inesManage = await h.actor('ines', ['manage']);
    await expect(p().createDraft(inesManage, { ...target, partId: 'p1', imageId: imageId(4) })).rejects.toThrow(/lacks the 'author' scope/);
  });

  it('lists only the courses the caller is in; admins see all', async () => {
    expect((await p().listCourses(actors.sam)).map((c) => [c.id, c.myRole])).toEqual([['cs101', 'student']]);
    expect((await p().listCourses(actors.olga)).map((c) => [c.id, c.myRole])).toEqual([['cs102', 'instructor']]);
    expect((await p().listCourses(actors.admin)).map((c) => [c.id, c.myRole])).toEqual([
      ['cs101', null],
      ['cs102', null],
    ]);
    const me = await p().whoami(actors.tara);
    expect(me.courses).toEqual([{ id: 'cs101', role: 'ta' }]);
  });
});
