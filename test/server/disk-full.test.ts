/**
 * The submission store's disk fills up (a 1 MiB tmpfs mounted as the data directory's submission
 * store): the upload is refused with 507 and a message saying nothing was stored, no submission
 * exists afterwards, no temporary file is left, and the next submission that fits goes through.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

let t: TestServer;
let root: string;
let store: string;
let student: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gradebox-full-'));
  store = join(root, 'submissions');
  await mkdir(store);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', store]);
  t = await startTestServer({ dataDir: root });
  const course = {
    course: { id: 'full', title: 'Full disk' },
    members: [{ login: 'stu', role: 'student' }],
    assignments: [{ id: 'a', title: 'A', parts: [{ id: 'p', points: 1 }] }],
  };
  expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
  const imageId = await t.uploadImage(t.adminToken, 'full', testImage('echo-busybox'));
  expect((await t.admin('POST', '/api/courses/full/assignments/a/parts/p/graders', { imageId })).status).toBe(201);
  expect((await t.admin('POST', '/api/courses/full/assignments/a/publish')).status).toBe(200);
  student = await t.tokenFor('stu');
}, 120_000);

afterAll(async () => {
  await t?.close();
  execFileSync('umount', [store]);
  await rm(root, { recursive: true, force: true });
});

it('refuses a submission that does not fit with 507, keeps nothing, and takes the next one', async () => {
  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(700 * 1024, 'a')]), 'one.txt');
  form.append('file', new Blob([Buffer.alloc(700 * 1024, 'b')]), 'two.txt');
  const full = await t.as(student)('POST', '/api/courses/full/assignments/a/submissions', form);
  expect(full.status).toBe(507);
  expect(full.body.error.code).toBe('storage-full');
  expect(full.body.error.message).toMatch(/nothing was stored/);
  const listed = await t.as(student)<{ submissions: unknown[] }>('GET', '/api/courses/full/assignments/a/submissions');
  expect(listed.body.submissions).toEqual([]);
  expect(await readdir(join(store, 'tmp')).catch(() => [])).toEqual([]);

  const small = new FormData();
  small.append('file', new Blob(['42\n']), 'answer.txt');
  const ok = await t.as(student)('POST', '/api/courses/full/assignments/a/submissions', small);
  expect(ok.status).toBe(201);
});
