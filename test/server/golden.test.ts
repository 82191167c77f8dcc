/**
 * Golden submissions over HTTP (a real server, SQLite, no workers, so runs stay queued): the
 * routes' answers and status codes, bad bodies refused by the schema or the platform, roles, and
 * publish's rule while the goldens are not graded by the draft.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoldenRunOutcome, GoldenSubmission, Submission } from '../../src/platform/model.ts';
import { startTestServer, type ErrorAnswerBody, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

let t: TestServer;
const tokens: Record<string, string> = {};
let imageId: string;
let samSubmission: string;
const goldens = '/api/courses/cs101/assignments/hw1/goldens';

const COURSE = {
  course: { id: 'cs101', title: 'Intro' },
  members: [
    { login: 'alice', role: 'instructor' },
    { login: 'tom', role: 'ta' },
    { login: 'sam', role: 'student' },
  ],
  assignments: [
    { id: 'hw1', title: 'Homework 1', parts: [{ id: 'p1', points: 10 }] },
    { id: 'hw2', title: 'Homework 2', parts: [{ id: 'p1', points: 10 }] },
  ],
};

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  tokens.sam = await t.tokenFor('sam', ['read', 'submit', 'author']);
  tokens.alice = await t.tokenFor('alice', ['read', 'submit', 'author']);
  tokens.tom = await t.tokenFor('tom', ['read', 'author']);
  tokens.tomRead = await t.tokenFor('tom', ['read']);
  imageId = await t.uploadImage(tokens.alice, 'cs101', testImage('coursera-sh'));
  for (const assignment of ['hw1', 'hw2']) {
    expect((await t.as(tokens.alice)('POST', `/api/courses/cs101/assignments/${assignment}/parts/p1/graders`, { imageId })).status).toBe(201);
    expect((await t.as(tokens.alice)('POST', `/api/courses/cs101/assignments/${assignment}/publish`)).status).toBe(200);
  }
  const body = new FormData();
  body.append('file', new Blob(['55\n385\n']), 'answer.txt');
  const submitted = await t.as(tokens.sam)<Submission>('POST', '/api/courses/cs101/assignments/hw1/submissions', body);
  expect(submitted.status).toBe(201);
  samSubmission = submitted.body.id;
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('golden submissions over HTTP', () => {
  it('refuses bad bodies, unknown submissions and callers who may not', async () => {
    const tom = t.as(tokens.tom);
    const bad = [
      { submissionId: samSubmission, expect: { p1: 'ten' } },
      { submissionId: samSubmission, expect: { p1: 11 } },
      { submissionId: samSubmission, expect: { p9: 1 } },
      { submissionId: samSubmission, label: '' },
      { submissionId: samSubmission, label: 'a\u0007b' },
      { submissionId: samSubmission, extra: 1 },
      { submissionId: 'sub with spaces' },
      { expect: { p1: 1 } },
    ];
    for (const body of bad) {
      const answer = await tom('POST', goldens, body);
      expect([answer.status, answer.body.error.code], JSON.stringify(body)).toEqual([400, 'invalid-input']);
    }
    // The submission of another assignment: a clear 400; none at all: 404.
    const hw2 = await t.as(tokens.alice)<Submission>('POST', '/api/courses/cs101/assignments/hw2/submissions', (() => {
      const form = new FormData();
      form.append('kind', 'author-test');
      form.append('file', new Blob(['1\n']), 'answer.txt');
      return form;
    })());
    const other = await tom('POST', goldens, { submissionId: hw2.body.id, expect: { p1: 1 } });
    expect([other.status, other.body.error.message]).toEqual([400, expect.stringContaining('belongs to cs101/hw2, not hw1')]);
    expect((await tom('POST', goldens, { submissionId: 'sub_nope' })).status).toBe(404);
    // Not yet graded (no workers here): expectations are needed.
    const ungraded = await tom('POST', goldens, { submissionId: samSubmission });
    expect([ungraded.status, ungraded.body.error.message]).toEqual([400, expect.stringContaining('has no result yet')]);

    expect((await t.as(undefined)('GET', goldens)).status).toBe(401);
    expect((await t.as(tokens.sam)('GET', goldens)).status).toBe(403);
    expect((await t.as(tokens.sam)('POST', goldens, { submissionId: samSubmission, expect: { p1: 10 } })).status).toBe(403);
    const readOnly = await t.as(tokens.tomRead)('POST', goldens, { submissionId: samSubmission, expect: { p1: 10 } });
    expect([readOnly.status, readOnly.body.error.message]).toEqual([403, expect.stringContaining("lacks the 'author' scope")]);
    expect((await t.as(tokens.tom)('GET', '/api/courses/nope/assignments/hw1/goldens')).status).toBe(404);
    expect((await t.as(tokens.tom)('GET', '/api/courses/cs101/assignments/nope/goldens')).status).toBe(404);
  });

  it('pins, runs, checks publish and unpins', async () => {
    const tom = t.as(tokens.tom);
    const alice = t.as(tokens.alice);
    const pinned = await tom<GoldenSubmission>('POST', goldens, { submissionId: samSubmission, label: 'sam right', expect: { p1: 10 } });
    expect(pinned.status).toBe(201);
    expect(pinned.body).toMatchObject({ submissionId: samSubmission, label: 'sam right', source: { login: 'sam', kind: 'student' }, expected: [{ partId: 'p1', status: 'graded', points: 10, how: 'pinned', setBy: 'tom' }] });
    const twice = await tom('POST', goldens, { submissionId: samSubmission, expect: { p1: 10 } });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'already-golden']);
    expect((await tom<{ goldens: GoldenSubmission[] }>('GET', goldens)).body.goldens.map((g) => g.id)).toEqual([pinned.body.id]);

    // No draft: publishing has nothing to do, goldens or not; a bad body is refused.
    expect((await alice('POST', '/api/courses/cs101/assignments/hw1/publish', {})).body.error.code).toBe('nothing-to-publish');
    const badFlag = await alice('POST', '/api/courses/cs101/assignments/hw1/publish', { acceptChanges: 'yes' });
    expect([badFlag.status, badFlag.body.error.code]).toEqual([400, 'invalid-input']);
    expect((await tom<GoldenRunOutcome>('POST', '/api/courses/cs101/assignments/hw1/golden-runs')).body).toEqual({ runs: [], upToDate: 1 });

    expect((await alice('POST', '/api/courses/cs101/assignments/hw1/parts/p1/graders', { imageId })).status).toBe(201);
    const notRun = await alice('POST', '/api/courses/cs101/assignments/hw1/publish', { acceptChanges: true });
    expect([notRun.status, notRun.body.error.code]).toEqual([409, 'goldens-not-graded']);
    expect(notRun.body.error.details).toMatchObject({ pending: [{ goldenId: pinned.body.id, partId: 'p1', state: 'not-run', graderNumber: 2 }] });

    const runs = await tom<GoldenRunOutcome>('POST', '/api/courses/cs101/assignments/hw1/golden-runs');
    expect(runs.status).toBe(200);
    expect(runs.body.runs.map((r) => [r.goldenId, r.parts])).toEqual([[pinned.body.id, ['p1']]]);
    const grading = await alice<ErrorAnswerBody>('POST', '/api/courses/cs101/assignments/hw1/publish');
    expect([grading.status, grading.body.error.code, grading.body.error.details?.pending]).toEqual([409, 'goldens-not-graded', [expect.objectContaining({ state: 'grading' })]]);
    // Students see none of it: their own submission list is unchanged.
    expect((await t.as(tokens.sam)<{ submissions: Submission[] }>('GET', '/api/courses/cs101/assignments/hw1/submissions')).body.submissions.map((s) => s.id)).toEqual([samSubmission]);

    expect((await t.as(tokens.sam)('DELETE', `${goldens}/${pinned.body.id}`)).status).toBe(403);
    const removed = await tom<GoldenSubmission>('DELETE', `${goldens}/${pinned.body.id}`);
    expect([removed.status, removed.body.id]).toEqual([200, pinned.body.id]);
    expect((await tom('DELETE', `${goldens}/${pinned.body.id}`)).status).toBe(404);
    // Without goldens the draft publishes.
    expect((await alice('POST', '/api/courses/cs101/assignments/hw1/publish')).status).toBe(200);
  });

  it('the routes are in the OpenAPI description', async () => {
    const paths = Object.keys((await t.admin<{ paths: Record<string, unknown> }>('GET', '/openapi.json')).body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/courses/{course}/assignments/{assignment}/goldens', '/api/courses/{course}/assignments/{assignment}/goldens/{golden}', '/api/courses/{course}/assignments/{assignment}/golden-runs']));
  });
});
