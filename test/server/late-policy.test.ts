/**
 * Late rules over HTTP (a real server, SQLite, no workers): the assignment's policy and cutoff,
 * the late status a student reads before submitting, a submission after the cutoff refused
 * (409 `past-cutoff`) before the upload is read, and extensions granted and revoked by staff,
 * with bad input and roles refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Extension, LateStatus } from '../../src/platform/model.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

let t: TestServer;
const tokens: Record<string, string> = {};
const now = Date.now();
const iso = (offsetSeconds: number): string => new Date(now + offsetSeconds * 1000).toISOString();
/** hw1 was due an hour ago and closes in a day; hw2 was due two hours ago and closed an hour ago. */
const HW1 = { deadline: iso(-3600), cutoff: iso(86400) };
const HW2 = { deadline: iso(-7200), cutoff: iso(-3600) };

const COURSE = {
  course: { id: 'cs101', title: 'Intro' },
  members: [
    { login: 'alice', role: 'instructor' },
    { login: 'tom', role: 'ta' },
    { login: 'sam', role: 'student' },
    { login: 'sue', role: 'student' },
  ],
  assignments: [
    { id: 'hw1', title: 'Homework 1', ...HW1, latePolicy: { steps: [{ after: '10m', factor: 0.8 }, { after: '2d', factor: 0.5 }] }, parts: [{ id: 'p1', points: 10 }] },
    { id: 'hw2', title: 'Homework 2', ...HW2, latePolicy: { percent: 10, per: 'hour', floor: 0.5 }, parts: [{ id: 'p1', points: 10 }] },
  ],
};

function form(content: string): FormData {
  const body = new FormData();
  body.append('file', new Blob([content]), 'answer.txt');
  return body;
}

const submit = (login: string, assignment: string, body: FormData | string = form('42\n'), headers?: Record<string, string>) =>
  t.as(tokens[login])('POST', `/api/courses/cs101/assignments/${assignment}/submissions`, body, headers);
const extensionPath = (assignment: string, login: string): string => `/api/courses/cs101/assignments/${assignment}/extensions/${login}`;

beforeAll(async () => {
  t = await startTestServer();
  const applied = await t.admin<{ changes: Array<{ target: string; detail?: string }> }>('POST', '/api/apply', COURSE);
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  expect(applied.body.changes).toContainEqual({ action: 'create', kind: 'assignment', target: 'cs101/hw2', detail: `late: 10% off per hour late, at least ×0.5; cutoff ${HW2.cutoff}` });
  for (const login of ['sam', 'sue']) tokens[login] = await t.tokenFor(login, ['read', 'submit']);
  tokens.alice = await t.tokenFor('alice', ['read', 'submit', 'author', 'manage']);
  tokens.aliceAuthor = await t.tokenFor('alice', ['read', 'submit', 'author']);
  tokens.tom = await t.tokenFor('tom', ['read', 'manage']);
  const imageId = await t.uploadImage(tokens.alice, 'cs101', testImage('coursera-sh'));
  for (const assignment of ['hw1', 'hw2']) {
    expect((await t.as(tokens.alice)('POST', `/api/courses/cs101/assignments/${assignment}/parts/p1/graders`, { imageId })).status).toBe(201);
    expect((await t.as(tokens.alice)('POST', `/api/courses/cs101/assignments/${assignment}/publish`)).status).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('late rules over HTTP', () => {
  it('shows the policy and cutoff in the assignment', async () => {
    const answer = await t.as(tokens.sam)('GET', '/api/courses/cs101/assignments/hw2');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ deadline: HW2.deadline, cutoff: HW2.cutoff, latePolicy: { kind: 'rate', percent: 10, per: 'hour', floor: 0.5 } });
  });

  it('tells a student the penalty a submission now would get; only staff ask about others', async () => {
    const mine = await t.as(tokens.sam)<LateStatus>('GET', '/api/courses/cs101/assignments/hw1/late-status');
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ login: 'sam', deadline: HW1.deadline, dueAt: HW1.deadline, cutoff: HW1.cutoff, factor: 0.8, refused: false });
    expect(mine.body.rule).toMatch(/^1 h( \d+ s)? late: more than 10 min late ×0\.8$/);
    expect((await t.as(tokens.sam)<LateStatus>('GET', '/api/courses/cs101/assignments/hw2/late-status')).body).toMatchObject({ refused: true });
    const other = await t.as(tokens.sam)('GET', '/api/courses/cs101/assignments/hw1/late-status?login=sue');
    expect(other.status).toBe(403);
    expect((await t.as(tokens.tom)<LateStatus>('GET', '/api/courses/cs101/assignments/hw1/late-status?login=sue')).body).toMatchObject({ login: 'sue', factor: 0.8 });
    expect((await t.as(tokens.sam)('GET', '/api/courses/cs101/assignments/hw1/late-status?login=NOT%20A%20LOGIN')).status).toBe(400);
    expect((await t.as(tokens.sam)('GET', '/api/courses/cs101/assignments/nope/late-status')).status).toBe(404);
  });

  it('accepts a late submission before the cutoff and refuses one after it with 409, before the upload is read; staff exempt', async () => {
    expect((await submit('sam', 'hw1')).status).toBe(201);
    const refused = await submit('sue', 'hw2');
    expect(refused.status).toBe(409);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.body.error).toMatchObject({ code: 'past-cutoff', message: `hw2 stopped accepting submissions at ${HW2.cutoff}; ask your instructors for an extension if you need one`, details: { cutoff: HW2.cutoff, deadline: HW2.deadline, extendedTo: null } });
    expect((await submit('sue', 'hw2', 'not a form', { 'content-type': 'text/plain' })).status).toBe(409);
    expect((await submit('alice', 'hw2')).status).toBe(201);
  });

  it('extensions: staff with a manage token grant and revoke them; a student sees their own', async () => {
    const until = iso(3600);
    const granted = await t.as(tokens.tom)<Extension>('PUT', extensionPath('hw2', 'sue'), { until });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    expect(granted.body).toMatchObject({ courseId: 'cs101', assignmentId: 'hw2', login: 'sue', until, grantedBy: 'tom' });
    // Her cutoff moved with her deadline (by three hours): she may submit, late by nothing.
    expect((await t.as(tokens.sue)<LateStatus>('GET', '/api/courses/cs101/assignments/hw2/late-status')).body).toMatchObject({ dueAt: until, extendedTo: until, cutoff: iso(-3600 + 3 * 3600), factor: 1, rule: 'on time', refused: false });
    expect((await submit('sue', 'hw2')).status).toBe(201);
    expect((await submit('sam', 'hw2')).status).toBe(409);
    const listed = await t.as(tokens.sam)<{ extensions: Extension[] }>('GET', '/api/courses/cs101/assignments/hw2/extensions');
    expect(listed.body.extensions).toEqual([]);
    expect((await t.as(tokens.sue)<{ extensions: Extension[] }>('GET', '/api/courses/cs101/assignments/hw2/extensions')).body.extensions).toEqual([granted.body]);
    expect((await t.as(tokens.alice)<{ extensions: Extension[] }>('GET', '/api/courses/cs101/assignments/hw2/extensions')).body.extensions.map((e) => e.login)).toEqual(['sue']);
    const revoked = await t.as(tokens.alice)<Extension>('DELETE', extensionPath('hw2', 'sue'));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual(granted.body);
    expect((await submit('sue', 'hw2')).status).toBe(409);
    const again = await t.as(tokens.alice)('DELETE', extensionPath('hw2', 'sue'));
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe("'sue' has no extension on cs101/hw2");
  });

  it('extensions: bad input and the wrong roles are refused', async () => {
    const put = (token: string | undefined, login: string, body: unknown) => t.as(token)('PUT', extensionPath('hw1', login), body);
    const until = iso(7200);
    for (const garbage of ['next week', '2030-01-01', '2030-01-01T00:00:00', '']) {
      const answer = await put(tokens.alice, 'sam', { until: garbage });
      expect(answer.status, garbage).toBe(400);
      expect(answer.body.error.code).toBe('invalid-input');
    }
    expect((await put(tokens.alice, 'sam', { until: 12 })).status).toBe(400);
    expect((await put(tokens.alice, 'sam', { until, note: 'x' })).status).toBe(400);
    expect((await put(tokens.alice, 'sam', {})).status).toBe(400);
    const early = await put(tokens.alice, 'sam', { until: iso(-7200) });
    expect(early.status).toBe(400);
    expect(early.body.error.message).toMatch(/is not after the deadline of hw1/);
    const unknown = await put(tokens.alice, 'nobody', { until });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe("'nobody' is not a member of cs101: add them as a student first");
    expect((await put(tokens.alice, 'tom', { until })).status).toBe(400);
    expect((await put(tokens.alice, 'Not-A-Login!', { until })).status).toBe(400);
    expect((await put(tokens.sam, 'sam', { until })).status).toBe(403);
    expect((await put(tokens.aliceAuthor, 'sam', { until })).status).toBe(403);
    expect((await put(undefined, 'sam', { until })).status).toBe(401);
    expect((await t.as(tokens.sam)('DELETE', extensionPath('hw1', 'sue'))).status).toBe(403);
    expect((await t.as(tokens.alice)('PUT', '/api/courses/cs101/assignments/nope/extensions/sam', { until })).status).toBe(404);
  });

  it('refuses a course file with bad late rules, naming each', async () => {
    const bad = {
      ...COURSE,
      assignments: [{ ...COURSE.assignments[0], latePolicy: { steps: [{ after: '1h', factor: 2 }] }, cutoff: iso(-86400), extensions: [{ student: 'zed', until: 'soon' }] }],
    };
    const answer = await t.admin('POST', '/api/apply', bad);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details?.problems).toEqual([
      'assignments[0].latePolicy.steps[0].factor: must be a number from 0 to 1, what the grade is multiplied by (0.8 keeps 80%) (got 2)',
      `assignments[0].cutoff: ${iso(-86400)} is before the deadline ${HW1.deadline}: the cutoff is when late work stops being accepted (equal to the deadline: no late work at all)`,
      "assignments[0].extensions[0].student: 'zed' is not a student of this course: the file's members list no student with that login",
      'assignments[0].extensions[0].until: "soon" is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00',
    ]);
  });
});
