/** Grader versions of protocol `script`: their script and arguments, stored and checked, on both databases. */
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../src/platform/errors.ts';
import type { NewGraderVersion } from '../../src/platform/platform.ts';
import { databases } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, courseFile, imageId, type Harness, useHarness } from './helpers.ts';

const draft = (extra: Partial<NewGraderVersion>): NewGraderVersion => ({ courseId: COURSE, assignmentId: ASSIGNMENT, partId: 'p1', imageId: imageId(1), ...extra });

describe.each(databases)('script grader versions on $name', (factory) => {
  let h: Harness;
  useHarness(factory, (world) => ({ h } = world));
  beforeEach(async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
  });

  it('keeps the script and its arguments; the timeout defaults to Codio\'s 3 minutes', async () => {
    const version = await h.platform.createDraft(h.admin, draft({ protocol: 'script', script: { path: '.guides/secure/grade.py', args: ['2016-11-24T14:30', 'a b'] } }));
    expect(version).toMatchObject({ protocol: 'script', script: { path: '.guides/secure/grade.py', args: ['2016-11-24T14:30', 'a b'] }, timeoutSeconds: 180 });
    const listed = await h.platform.listGraderVersions(h.admin, COURSE, ASSIGNMENT, 'p1');
    expect(listed[0]?.script).toEqual({ path: '.guides/secure/grade.py', args: ['2016-11-24T14:30', 'a b'] });
    expect((await h.platform.createDraft(h.admin, draft({ protocol: 'script', script: { path: '/grader/grade.sh' }, timeoutSeconds: 60 })))).toMatchObject({ script: { path: '/grader/grade.sh', args: [] }, timeoutSeconds: 60 });
    expect((await h.platform.createDraft(h.admin, draft({ protocol: 'coursera' }))).script).toBeNull();
  });

  it.each([
    [{ protocol: 'script' as const }, /^script: a script grader needs its script/],
    [{ protocol: 'script' as const, script: null }, /^script: a script grader needs its script/],
    [{ protocol: 'coursera' as const, script: { path: 'grade.py' } }, /^script: only script graders have one/],
    [{ script: { path: 'grade.py' } }, /^script: only script graders have one/],
    [{ protocol: 'script' as const, script: { path: ' ' } }, /^script\.path: must be a path/],
    [{ protocol: 'script' as const, script: { path: 'a\0b' } }, /^script\.path: must be a path/],
    [{ protocol: 'script' as const, script: { path: 'g.py', args: Array.from({ length: 65 }, () => 'x') } }, /^script\.args: must be at most 64 strings/],
    [{ protocol: 'script' as const, script: { path: 'g.py', args: [42 as unknown as string] } }, /^script\.args: must be at most 64 strings/],
  ])('refuses %j', async (extra, message) => {
    const error = await h.platform.createDraft(h.admin, draft(extra)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).message).toMatch(message);
  });
});
