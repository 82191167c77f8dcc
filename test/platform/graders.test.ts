import { beforeEach, describe, expect, it } from 'vitest';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../../src/platform/errors.ts';
import type { NewGraderVersion } from '../../src/platform/platform.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, courseFile, imageId, type Harness, useHarness } from './helpers.ts';

const draft = (partId: string, n: number, extra: Partial<NewGraderVersion> = {}): NewGraderVersion => ({
  courseId: COURSE,
  assignmentId: ASSIGNMENT,
  partId,
  imageId: imageId(n),
  ...extra,
});

describe.each(databases)('assignments and grader versions on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));
  beforeEach(async () => {
    await h.platform.applyCourseFile(h.admin, courseFile());
  });

  it('refuses a draft naming an image not uploaded to the course (404), and records uploads once', async () => {
    await expect(h.platform.createDraft(h.admin, draft('p1', 999))).rejects.toThrow(/was not uploaded to cs101/);
    const sam = await h.actor('sam');
    await expect(h.platform.recordImageUpload(sam, COURSE, imageId(999))).rejects.toBeInstanceOf(Forbidden);
    await h.platform.recordImageUpload(h.admin, COURSE, imageId(999));
    await h.platform.recordImageUpload(h.admin, COURSE, imageId(999));
    expect((await h.platform.createDraft(h.admin, draft('p1', 999))).imageId).toBe(imageId(999));
  });

  it('creates numbered drafts with default limits', async () => {
    const tara = await h.actor('tara', ['read', 'author']);
    const v1 = await h.platform.createDraft(tara, draft('p1', 1));
    expect(v1).toMatchObject({
      courseId: COURSE,
      assignmentId: ASSIGNMENT,
      partId: 'p1',
      number: 1,
      status: 'draft',
      imageId: imageId(1),
      protocol: null,
      runAs: null,
      cpus: 1,
      memoryMiB: 1024,
      timeoutSeconds: 1200,
      uploadedBy: 'tara',
      publishedBy: null,
      publishedAt: null,
    });
    expect(v1.id).toMatch(/^gv_/);
    const v2 = await h.platform.createDraft(tara, draft('p1', 2, { protocol: 'gradescope', cpus: 2.5, memoryMiB: 2048, timeoutSeconds: 60 }));
    expect(v2).toMatchObject({ number: 2, protocol: 'gradescope', cpus: 2.5, memoryMiB: 2048, timeoutSeconds: 60 });
    expect((await h.platform.createDraft(tara, draft('p2', 3))).number).toBe(1);
  });

  it('keeps who a version runs as, in its one spelling, and refuses anything else', async () => {
    for (const [given, kept] of [['root', 'root'], ['0', 'root'], ['0:0', 'root'], ['1000', '1000'], ['1000:1000', '1000'], [' 2000:100 ', '2000:100'], [null, null]] as const) {
      expect((await h.platform.createDraft(h.admin, draft('p1', 1, { runAs: given }))).runAs, String(given)).toBe(kept);
    }
    for (const bad of ['student', '65536', '-1', '1000:', '1.5', '', 'root:0']) {
      const error = await h.platform.createDraft(h.admin, draft('p1', 1, { runAs: bad })).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).message).toMatch(/^runAs: a user must be root, UID or UID:GID with ids from 0 to 65535/);
    }
  });

  it('numbers concurrent uploads to one part without gaps or duplicates', async () => {
    const versions = await Promise.all([1, 2, 3, 4].map((n) => h.platform.createDraft(h.admin, draft('p1', n))));
    expect(versions.map((v) => v.number).sort()).toEqual([1, 2, 3, 4]);
  });

  it('refuses limits outside the server ranges, naming the range', async () => {
    const cases: Array<[Partial<NewGraderVersion>, RegExp, Record<string, unknown>]> = [
      [{ cpus: 8 }, /cpus must be a number from 1 to 4 on this server \(got 8\)/, { field: 'cpus', min: 1, max: 4 }],
      [{ cpus: 0.5 }, /from 1 to 4/, { field: 'cpus' }],
      [{ memoryMiB: 512 }, /memoryMiB must be a whole number from 1024 to 4096 MiB/, { field: 'memoryMiB', min: 1024, max: 4096 }],
      [{ memoryMiB: 1500.5 }, /whole number/, { field: 'memoryMiB' }],
      [{ timeoutSeconds: 7200 }, /timeoutSeconds must be a whole number from 1 to 3600 s/, { field: 'timeoutSeconds', min: 1, max: 3600 }],
      [{ cpus: Number.NaN }, /got null/, { field: 'cpus' }],
    ];
    for (const [extra, message, details] of cases) {
      const error = await h.platform.createDraft(h.admin, draft('p1', 1, extra)).catch((e: unknown) => e);
      expect(error, JSON.stringify(extra)).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).message).toMatch(message);
      expect((error as InvalidInput).details).toMatchObject(details);
    }
    await expect(h.platform.createDraft(h.admin, draft('p1', 1, { imageId: 'busybox:latest' }))).rejects.toThrow(/imageId: expected an image id/);
    await expect(h.platform.createDraft(h.admin, draft('p1', 1, { protocol: 'codio' as 'coursera' }))).rejects.toThrow(/protocol: must be one of coursera, gradescope, script/);
    expect(await h.platform.listGraderVersions(h.admin, COURSE, ASSIGNMENT, 'p1')).toEqual([]);
  });

  it('uses the server configured ranges', async () => {
    const { createPlatform } = await import('../../src/platform/create-platform.ts');
    const platform = createPlatform({
      db: t.db,
      queue: h.queue,
      limits: { cpus: { min: 0.5, max: 2 }, memoryMiB: { min: 256, max: 512 }, timeoutSeconds: { min: 5, max: 30, default: 20 } },
    });
    const v = await platform.createDraft(h.admin, draft('p1', 1));
    expect(v).toMatchObject({ cpus: 1, memoryMiB: 512, timeoutSeconds: 20 });
    await expect(platform.createDraft(h.admin, draft('p1', 1, { cpus: 3 }))).rejects.toThrow(/from 0.5 to 2/);
  });

  it('publishes every newest draft at once, superseding the old versions', async () => {
    await h.platform.createDraft(h.admin, draft('p1', 1));
    await h.platform.createDraft(h.admin, draft('p1', 2));
    await h.platform.createDraft(h.admin, draft('p2', 3));
    const ines = await h.actor('ines', ['read', 'author']);
    const first = await h.platform.publish(ines, COURSE, ASSIGNMENT);
    expect(first.published.map((v) => [v.partId, v.number, v.status, v.publishedBy])).toEqual([
      ['p1', 2, 'published', 'ines'],
      ['p2', 1, 'published', 'ines'],
    ]);
    expect((await h.platform.listGraderVersions(ines, COURSE, ASSIGNMENT, 'p1')).map((v) => [v.number, v.status])).toEqual([
      [2, 'published'],
      [1, 'superseded'],
    ]);
    const conflict = await h.platform.publish(ines, COURSE, ASSIGNMENT).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(Conflict);
    expect((conflict as Conflict).code).toBe('nothing-to-publish');

    await h.platform.createDraft(h.admin, draft('p1', 4));
    const parts = (await h.platform.getAssignment(ines, COURSE, ASSIGNMENT)).parts;
    expect(parts.map((p) => [p.id, p.published?.number, p.draft?.number ?? null])).toEqual([
      ['p1', 2, 3],
      ['p2', 1, null],
    ]);
    const second = await h.platform.publish(ines, COURSE, ASSIGNMENT);
    expect(second.published.map((v) => [v.partId, v.number])).toEqual([['p1', 3]]);
    expect((await h.platform.listGraderVersions(ines, COURSE, ASSIGNMENT, 'p1')).map((v) => [v.number, v.status])).toEqual([
      [3, 'published'],
      [2, 'superseded'],
      [1, 'superseded'],
    ]);
    const p2 = await h.platform.listGraderVersions(ines, COURSE, ASSIGNMENT, 'p2');
    expect(p2.map((v) => v.status)).toEqual(['published']);
  });

  it('shows drafts to staff only', async () => {
    await h.platform.createDraft(h.admin, draft('p1', 1));
    const sam = await h.actor('sam', ['read']);
    const tara = await h.actor('tara', ['read']);
    expect((await h.platform.getAssignment(tara, COURSE, ASSIGNMENT)).parts[0]?.draft?.number).toBe(1);
    const forSam = await h.platform.getAssignment(sam, COURSE, ASSIGNMENT);
    expect(forSam.parts.map((p) => [p.published, p.draft])).toEqual([
      [null, null],
      [null, null],
    ]);
    await expect(h.platform.listGraderVersions(sam, COURSE, ASSIGNMENT, 'p1')).rejects.toBeInstanceOf(Forbidden);
  });

  it('reports unknown courses, assignments and parts as not found', async () => {
    await expect(h.platform.createDraft(h.admin, draft('p9', 1))).rejects.toThrow(/no part cs101\/hw1\/p9/);
    await expect(h.platform.createDraft(h.admin, { ...draft('p1', 1), assignmentId: 'hw9' })).rejects.toBeInstanceOf(NotFound);
    await expect(h.platform.createDraft(h.admin, { ...draft('p1', 1), courseId: 'nope' })).rejects.toBeInstanceOf(NotFound);
    await expect(h.platform.listGraderVersions(h.admin, COURSE, ASSIGNMENT, 'p9')).rejects.toBeInstanceOf(NotFound);
    await expect(h.platform.publish(h.admin, COURSE, 'hw9')).rejects.toThrow(/no assignment cs101\/hw9/);
    await expect(h.platform.getAssignment(h.admin, COURSE, 'hw9')).rejects.toBeInstanceOf(NotFound);
  });

  it('lets staff with author read images their course uses', async () => {
    await h.platform.createDraft(h.admin, draft('p1', 1));
    const tara = await h.actor('tara', ['read', 'author']);
    await h.platform.assertCanReadImage(tara, COURSE, imageId(1));
    await expect(h.platform.assertCanReadImage(tara, COURSE, imageId(2))).rejects.toBeInstanceOf(NotFound);
    await expect(h.platform.assertCanReadImage(await h.actor('tara', ['read']), COURSE, imageId(1))).rejects.toBeInstanceOf(Forbidden);
    await expect(h.platform.assertCanReadImage(await h.actor('sam'), COURSE, imageId(1))).rejects.toBeInstanceOf(Forbidden);
  });
});
