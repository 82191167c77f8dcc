/**
 * Release and visibility end to end with a real grader (gradescope-py: four tests, `fib` kept
 * until publication, stdout visible) graded by an in-process worker: a student of a `manual`
 * assignment follows the grading over server-sent events and never receives a score, feedback,
 * test or output before the release; after it, the scores and the `after_published` test.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Submission } from '../../src/platform/model.ts';
import { REPO_ROOT } from '../support/run-cli.ts';
import { testImage } from '../support/test-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let t: TestServer;
const tokens: Record<string, string> = {};

const COURSE = {
  course: { id: 'cs1', title: 'CS 1' },
  members: [
    { login: 'ines', role: 'instructor' },
    { login: 'stu', role: 'student' },
  ],
  assignments: [{ id: 'funcs', title: 'Functions', release: 'manual', parts: [{ id: 'p', points: 4 }] }],
};

beforeAll(async () => {
  t = await startTestServer({ workers: 1 });
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  tokens.stu = await t.tokenFor('stu', ['read', 'submit']);
  tokens.ines = await t.tokenFor('ines', ['read', 'submit', 'author', 'manage']);
  const imageId = await t.uploadImage(tokens.ines, 'cs1', testImage('gradescope-py'));
  expect((await t.as(tokens.ines)('POST', '/api/courses/cs1/assignments/funcs/parts/p/graders', { imageId })).status).toBe(201);
  expect((await t.as(tokens.ines)('POST', '/api/courses/cs1/assignments/funcs/publish')).status).toBe(200);
}, 180_000);

afterAll(async () => {
  await t?.close();
});

/** The raw event stream of a submission, read to its end. */
async function stream(id: string, token: string): Promise<string> {
  const response = await fetch(`${t.url}/api/submissions/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.text();
}

describe('a manual assignment graded by a real grader', () => {
  it('streams "graded, not released yet" to the student, and the result after the release', async () => {
    const form = new FormData();
    form.append('file', new Blob([await readFile(join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'pyfuncs', 'good', 'solution.py'))]), 'solution.py');
    const submitted = await t.as(tokens.stu)<Submission>('POST', '/api/courses/cs1/assignments/funcs/submissions', form);
    expect(submitted.status).toBe(201);
    const text = await stream(submitted.body.id, tokens.stu!);
    expect(text).toContain('event: done');
    expect(text).toContain('graded, not released yet');
    // (A part's `points` is what it is worth, no secret; the result's points are.)
    for (const secret of ['tests passed', '"score":1', '"points":4,"feedback"', 'fib', 'is_prime', 'grading submission']) expect(text).not.toContain(secret);
    expect(text).toContain('"score":null,"points":null');

    const staff = await t.as(tokens.ines)<Submission>('GET', `/api/submissions/${submitted.body.id}`);
    expect(staff.body.parts[0]!.result).toMatchObject({ status: 'graded', score: 1, points: 4 });

    expect((await t.as(tokens.ines)('POST', '/api/courses/cs1/assignments/funcs/release')).status).toBe(200);
    const mine = await t.as(tokens.stu)<Submission>('GET', `/api/submissions/${submitted.body.id}`);
    expect(mine.body.parts[0]!.result).toMatchObject({ status: 'graded', score: 1, points: 4, feedback: { text: '4 of 4 tests passed.' } });
    expect(mine.body.parts[0]!.result!.tests.map((test) => test.name)).toEqual(['add', 'is_prime', 'reverse_words', 'fib']);
    expect(mine.body.parts[0]!.result!.output?.stdout).toContain('4/4 tests passed');
    expect(mine.body.parts[0]!.result).not.toHaveProperty('notReleased');
  }, 120_000);
});
