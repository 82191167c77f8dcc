/**
 * Grading through a real server with in-process workers (SQLite data directory, the oci sandbox
 * when a runtime works here, else docker): submit over HTTP, wait over server-sent events, read
 * results as the student and as staff. A grader that crashes or times out gives a stored result,
 * never a stuck job; nothing is left behind in the sandbox.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import { newLeftovers, snapshotLeftovers, type LeftoverScope } from '../support/leftovers.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

let t: TestServer;
let student: string;
let instructor: string;
let scope: LeftoverScope;
let before: string[];

const COURSE = {
  course: { id: 'cs1', title: 'CS 1' },
  members: [
    { login: 'ines', role: 'instructor' },
    { login: 'stu', role: 'student' },
  ],
  assignments: [
    { id: 'sums', title: 'Sums', parts: [{ id: 'sum', points: 10 }] },
    { id: 'runs', title: 'Runs', parts: [{ id: 'main', points: 4 }] },
    { id: 'broken', title: 'Broken grader', parts: [{ id: 'p', points: 1 }] },
    { id: 'as-root', title: 'A grader version that runs as root', parts: [{ id: 'main', points: 1 }] },
    { id: 'bare', title: 'A bare score', parts: [{ id: 'p', points: 10 }] },
    { id: 'huge', title: 'A million tests', parts: [{ id: 'p', points: 10 }] },
    { id: 'deep', title: 'A million levels', parts: [{ id: 'p', points: 10 }] },
    { id: 'large', title: 'The largest result kept', parts: [{ id: 'p', points: 10000 }] },
  ],
};

interface Submission {
  id: string;
  status: string;
  parts: Array<{
    partId: string;
    job: null | { phase: string; phases: Record<string, string>; attempts: number; lastError: string | null };
    result: null | { status: string; score: number | null; points: number | null; tests: unknown[]; full: null | { status: string; protocol: string; errors: string[]; warnings: string[] } };
  }>;
}

beforeAll(async () => {
  t = await startTestServer({ workers: 2 });
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  student = await t.tokenFor('stu', ['read', 'submit']);
  instructor = await t.tokenFor('ines', ['read', 'submit', 'author']);
  const publish = async (assignment: string, part: string, image: string, limits: Record<string, number | string> = {}): Promise<void> => {
    const imageId = await t.uploadImage(instructor, 'cs1', testImage(image));
    const draft = await t.as(instructor)('POST', `/api/courses/cs1/assignments/${assignment}/parts/${part}/graders`, { imageId, ...limits });
    expect(draft.status).toBe(201);
    expect((await t.as(instructor)('POST', `/api/courses/cs1/assignments/${assignment}/publish`)).status).toBe(200);
  };
  await publish('sums', 'sum', 'coursera-sh');
  await publish('runs', 'main', 'run-submission', { timeoutSeconds: 2 });
  await publish('broken', 'p', 'bad-json');
  await publish('as-root', 'main', 'run-submission', { timeoutSeconds: 20, runAs: 'root' });
  await publish('bare', 'p', 'gradescope-bare-score');
  await publish('huge', 'p', 'gradescope-huge');
  await publish('deep', 'p', 'gradescope-deep');
  await publish('large', 'p', 'gradescope-large');
  const stateDir = join(t.dataDir, 'sandbox');
  scope = { stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs'] };
}, 180_000);

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  before = await snapshotLeftovers(scope);
});

afterEach(async () => {
  expect(newLeftovers(before, await snapshotLeftovers(scope))).toEqual([]);
});

async function submit(assignment: string, files: Record<string, string>, token = student): Promise<Submission> {
  const form = new FormData();
  for (const [path, content] of Object.entries(files)) form.append('file', new Blob([content]), path);
  const answer = await t.as(token)<Submission>('POST', `/api/courses/cs1/assignments/${assignment}/submissions`, form);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** Reads the submission's event stream to its end; returns every `submission` event and whether `done` came. */
async function events(id: string, token = student): Promise<{ updates: Submission[]; done: boolean }> {
  const response = await fetch(`${t.url}/api/submissions/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
  const text = await response.text();
  const updates: Submission[] = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (event === 'submission' && data) updates.push(JSON.parse(data) as Submission);
    if (event === 'done') done = true;
  }
  return { updates, done };
}

describe('grading through the service', () => {
  it('grades a submission and streams its progress until done', async () => {
    const submission = await submit('sums', { 'sum.txt': '3\n' });
    expect(submission.status).toBe('grading');
    const { updates, done } = await events(submission.id);
    expect(done).toBe(true);
    const last = updates.at(-1)!;
    expect(last.status).toBe('graded');
    expect(last.parts[0]?.result).toMatchObject({ status: 'graded' });
  }, 60_000);

  it('shows students their score and feedback only; staff see the job phases and the whole result', async () => {
    const submission = await submit('sums', { 'sum.txt': '3\n' });
    await events(submission.id);
    const mine = (await t.as(student)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    const part = mine.parts[0]!;
    expect(part.job).toBeNull();
    expect(part.result?.full).toBeNull();
    expect(typeof part.result?.score).toBe('number');
    const staff = (await t.as(instructor)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    const staffPart = staff.parts[0]!;
    expect(staffPart.result?.full).toMatchObject({ status: 'graded', protocol: 'coursera' });
    expect(staffPart.job?.phase).toBe('done');
    expect(Object.keys(staffPart.job?.phases ?? {})).toEqual(expect.arrayContaining(['queued', 'preparing', 'running', 'reporting', 'done']));
    const phases = staffPart.job!.phases;
    const order = ['queued', 'preparing', 'running', 'reporting', 'done'].map((p) => Date.parse(phases[p]!));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  }, 60_000);

  it('a grader that runs past its timeout gives a stored timeout result', async () => {
    const submission = await submit('runs', { 'main.sh': 'sleep 60\n' });
    const { updates, done } = await events(submission.id);
    expect(done).toBe(true);
    expect(updates.at(-1)?.parts[0]?.result).toMatchObject({ status: 'timeout' });
  }, 60_000);

  it('a grader with invalid output gives a stored grader-error result', async () => {
    const submission = await submit('broken', { 'x.txt': 'x' });
    const { done } = await events(submission.id);
    expect(done).toBe(true);
    const staff = (await t.as(instructor)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    expect(staff.parts[0]?.result).toMatchObject({ status: 'grader-error' });
    expect(staff.parts[0]?.result?.full?.errors.length).toBeGreaterThan(0);
  }, 60_000);

  it('a hostile submission (fork bomb) is contained and graded', async () => {
    const submission = await submit('runs', { 'main.sh': 'f() { f | f & }; f\n' });
    const { done, updates } = await events(submission.id);
    expect(done).toBe(true);
    expect(['graded', 'timeout']).toContain(updates.at(-1)?.parts[0]?.result?.status);
  }, 60_000);

  it("runs a grader version as its runAs says: here root, of the run's own user namespace", async () => {
    const submission = await submit('as-root', { 'main.sh': '[ "$(id -u):$(id -g)" = 0:0 ] && chown 1000 /tmp && [ "$(cat /proc/self/uid_map | tr -s " " | cut -d" " -f3)" != 0 ]\n' });
    expect((await events(submission.id)).done).toBe(true);
    const staff = (await t.as(instructor)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    expect(staff.parts[0]?.result).toMatchObject({ status: 'graded', score: 1, full: { run: { user: { uid: 0, gid: 0 } } } });
  }, 60_000);

  it("a bare score from a Gradescope grader is graded out of the part's points", async () => {
    const submission = await submit('bare', { 'x.txt': 'x' });
    await events(submission.id);
    const mine = (await t.as(student)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    expect(mine.parts[0]?.result).toMatchObject({ status: 'graded', score: 0.7, points: 7 });
  }, 60_000);

  it.each([
    ['huge', 'tests has 1500000 entries; gradebox accepts at most 10000 tests per result'],
    ['deep', 'nests arrays and objects more than 64 levels deep'],
  ])('a hostile result (%s) is stored once as a grader-error for the author; the grader is not run again', async (assignment, message) => {
    const submission = await submit(assignment, { 'x.txt': 'x' });
    const { done } = await events(submission.id);
    expect(done).toBe(true);
    expect((await t.admin('GET', '/api/health')).status).toBe(200);
    const staff = (await t.as(instructor)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    const part = staff.parts[0]!;
    expect(part.result).toMatchObject({ status: 'grader-error', score: null, tests: [] });
    expect(part.result?.full?.errors).toEqual([expect.stringContaining(message) as unknown]);
    expect(part.job).toMatchObject({ attempts: 1, lastError: null });
    const mine = (await t.as(student)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    expect(JSON.stringify(mine)).not.toContain(message);
  }, 120_000);

  it('the largest result kept (10000 tests, 4 MB of outputs) is stored and read whole, alone and in lists', async () => {
    const submission = await submit('large', { 'x.txt': 'x' });
    await events(submission.id);
    const staff = await t.as(instructor)<Submission>('GET', `/api/submissions/${submission.id}`);
    expect(staff.headers.get('content-type')).toMatch(/^application\/json/);
    expect(staff.body.parts[0]?.result).toMatchObject({ status: 'graded', score: 0.5, points: 5000 });
    expect(staff.body.parts[0]?.result?.tests).toHaveLength(10_000);
    expect(staff.body.parts[0]?.result?.full?.warnings).toEqual([]);
    const listed = (await t.as(instructor)<{ submissions: Submission[] }>('GET', '/api/courses/cs1/assignments/large/submissions')).body;
    expect(listed.submissions.map((s) => s.id)).toEqual([submission.id]);
    expect(listed.submissions[0]?.parts[0]?.result?.tests).toHaveLength(10_000);
    const mine = (await t.as(student)<Submission>('GET', `/api/submissions/${submission.id}`)).body;
    expect(mine.parts[0]?.result?.tests).toHaveLength(10_000);
  }, 120_000);

  it('an instructor can download the submission exactly as submitted', async () => {
    const submission = await submit('sums', { 'sum.txt': '3\n', 'notes/readme.md': '# hi\n' });
    const response = await fetch(`${t.url}/api/submissions/${submission.id}/archive`, { headers: { authorization: `Bearer ${instructor}` } });
    expect(response.status).toBe(200);
    const tar = Buffer.from(await response.arrayBuffer());
    expect(tar.includes('notes/readme.md')).toBe(true);
    await events(submission.id);
  }, 60_000);
});
