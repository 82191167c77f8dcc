/**
 * Submission limits over HTTP (a real server, SQLite, no workers): set by the course file, shown
 * in the assignment, and refused before the upload is read — 429 with Retry-After within the
 * minimum interval, 429 without it once every submission is used — with nothing stored.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

let t: TestServer;
const tokens: Record<string, string> = {};

const COURSE = {
  course: { id: 'cs101', title: 'Intro' },
  members: [
    { login: 'alice', role: 'instructor' },
    { login: 'sam', role: 'student' },
    { login: 'sue', role: 'student' },
  ],
  assignments: [
    { id: 'hw1', title: 'Homework 1', maxSubmissions: 2, minIntervalSeconds: 3600, parts: [{ id: 'p1', points: 10 }] },
    { id: 'hw2', title: 'Homework 2', maxSubmissions: 1, parts: [{ id: 'p1', points: 10 }] },
  ],
};

function form(content: string): FormData {
  const body = new FormData();
  body.append('file', new Blob([content]), 'answer.txt');
  return body;
}

const submit = (login: string, assignment: string, body: FormData | string = form('42\n'), headers?: Record<string, string>) =>
  t.as(tokens[login])('POST', `/api/courses/cs101/assignments/${assignment}/submissions`, body, headers);

beforeAll(async () => {
  t = await startTestServer();
  const applied = await t.admin<{ changes: Array<{ target: string; detail?: string }> }>('POST', '/api/apply', COURSE);
  expect(applied.status).toBe(200);
  expect(applied.body.changes).toContainEqual({ action: 'create', kind: 'assignment', target: 'cs101/hw1', detail: 'at most 2 submissions, one per 3600 s' });
  for (const login of ['sam', 'sue']) tokens[login] = await t.tokenFor(login, ['read', 'submit']);
  tokens.alice = await t.tokenFor('alice', ['read', 'submit', 'author']);
  const imageId = await t.uploadImage(tokens.alice, 'cs101', testImage('coursera-sh'));
  for (const assignment of ['hw1', 'hw2']) {
    expect((await t.as(tokens.alice)('POST', `/api/courses/cs101/assignments/${assignment}/parts/p1/graders`, { imageId })).status).toBe(201);
    expect((await t.as(tokens.alice)('POST', `/api/courses/cs101/assignments/${assignment}/publish`)).status).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** Files under the server's submission store (none may appear for a refused upload). */
async function storedFiles(): Promise<number> {
  const entries = await readdir(join(t.dataDir, 'submissions'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

describe('submission limits over HTTP', () => {
  it('shows the limits in the assignment object', async () => {
    const answer = await t.as(tokens.sam)<{ maxSubmissions: number | null; minIntervalSeconds: number | null }>('GET', '/api/courses/cs101/assignments/hw1');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ maxSubmissions: 2, minIntervalSeconds: 3600 });
  });

  it('answers 429 with Retry-After within the minimum interval, before reading the upload', async () => {
    expect((await submit('sam', 'hw1')).status).toBe(201);
    const before = await storedFiles();
    const refused = await submit('sam', 'hw1', form('a different answer\n'));
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'submission-too-soon', details: { minIntervalSeconds: 3600, nextAllowedAt: expect.any(String) as unknown } });
    // Seconds left of the hour since the first submission, a moment ago.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.body.error.details?.retryAfterSeconds).toBe(retryAfter);
    expect(await storedFiles()).toBe(before);
    // Refused before the body is looked at: even a body that is not multipart gets the 429.
    expect((await submit('sam', 'hw1', 'not a form', { 'content-type': 'text/plain' })).status).toBe(429);
    // Other students and staff go on.
    expect((await submit('sue', 'hw1')).status).toBe(201);
    expect((await submit('alice', 'hw1')).status).toBe(201);
    expect((await submit('alice', 'hw1')).status).toBe(201);
  });

  it('answers 429 without Retry-After once every allowed submission is made, saying no more will be allowed', async () => {
    expect((await submit('sam', 'hw2')).status).toBe(201);
    const before = await storedFiles();
    const refused = await submit('sam', 'hw2');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.body.error).toMatchObject({ code: 'submission-limit', details: { maxSubmissions: 1, used: 1, nextAllowedAt: null } });
    expect(refused.body.error.message).toMatch(/no further submission will be accepted: ask your instructors/);
    expect(await storedFiles()).toBe(before);
    // Refused before the body is looked at, as within the interval.
    expect((await submit('sam', 'hw2', 'not a form', { 'content-type': 'text/plain' })).status).toBe(429);
    expect((await submit('alice', 'hw2')).status).toBe(201);
  });

  it('refuses limits out of range in the course file, naming them', async () => {
    const bad = { ...COURSE, assignments: [{ ...COURSE.assignments[0], maxSubmissions: 0, minIntervalSeconds: 'an hour' }] };
    const answer = await t.admin('POST', '/api/apply', bad);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/maxSubmissions/);
  });
});
