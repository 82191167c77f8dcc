/**
 * The gradebook over HTTP (a real server, SQLite, no workers): overrides set and removed with
 * their status codes for bad input and roles, the grade log per assignment and per course for
 * staff and students, and the export as CSV and JSON, staff only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedGradeChange } from '../../src/platform/grade-log.ts';
import type { AssignmentGrade } from '../../src/platform/model.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let t: TestServer;
const tokens: Record<string, string> = {};

const COURSE = {
  course: { id: 'cs101', title: 'Intro' },
  members: [
    { login: 'alice', role: 'instructor' },
    { login: 'tom', role: 'ta' },
    { login: 'sam', displayName: '=HYPERLINK("http://evil")', role: 'student' },
    { login: 'sue', role: 'student' },
  ],
  assignments: [
    { id: 'hw1', title: 'Homework 1', parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }] },
    { id: 'hw2', title: 'Homework 2', parts: [{ id: 'q', points: 1 }] },
  ],
};

const overridePath = (login: string, query = ''): string => `/api/courses/cs101/assignments/hw1/overrides/${login}${query}`;

beforeAll(async () => {
  t = await startTestServer();
  const applied = await t.admin('POST', '/api/apply', COURSE);
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  for (const login of ['sam', 'sue']) tokens[login] = await t.tokenFor(login, ['read', 'submit']);
  tokens.alice = await t.tokenFor('alice', ['read', 'submit', 'author', 'manage']);
  tokens.aliceRead = await t.tokenFor('alice', ['read']);
  tokens.tom = await t.tokenFor('tom', ['read', 'manage']);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('the gradebook over HTTP', () => {
  it('sets and removes overrides; bad input is 400, unknown things 404, students 403', async () => {
    const set = await t.as(tokens.tom)<{ warnings: string[]; override: { value: number } }>('PUT', overridePath('sam'), { part: 'p1', value: 12, reason: 'bonus' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ partId: 'p1', override: { value: 12, setBy: 'tom' }, warnings: ['12 is above the 10 points of part p1: extra credit'] });
    expect((await t.as(tokens.alice)('PUT', overridePath('sam'), { value: 80, reason: 'oral exam' })).status).toBe(200);
    const [grade] = (await t.as(tokens.alice)<{ grades: AssignmentGrade[] }>('GET', '/api/courses/cs101/assignments/hw1/grades?login=sam')).body.grades;
    expect(grade).toMatchObject({ status: 'not-submitted', finalGrade: 80, override: { value: 80 }, parts: [{ earned: 12, override: { value: 12, graderEarned: null } }, { earned: null }] });

    const cases: Array<[string, string, unknown, number]> = [
      ['no reason', overridePath('sam'), { value: 1 }, 400],
      ['an empty reason', overridePath('sam'), { value: 1, reason: '  ' }, 400],
      ['a value that is text', overridePath('sam'), { value: 'ten', reason: 'r' }, 400],
      ['a negative value', overridePath('sam'), { value: -1, reason: 'r' }, 400],
      ['an unknown field', overridePath('sam'), { value: 1, reason: 'r', extra: true }, 400],
      ['an unknown part', overridePath('sam'), { part: 'p9', value: 1, reason: 'r' }, 404],
      ['an unknown student', overridePath('nobody'), { value: 1, reason: 'r' }, 404],
      ['a bad login', overridePath('NOT%20A%20LOGIN'), { value: 1, reason: 'r' }, 400],
    ];
    for (const [what, path, body, status] of cases) expect((await t.as(tokens.alice)('PUT', path, body)).status, what).toBe(status);
    const nan = await t.as(tokens.alice)('PUT', overridePath('sam'), '{"value": NaN, "reason": "r"}', { 'content-type': 'application/json' });
    expect(nan.status).toBe(400);
    expect((await t.as(tokens.sam)('PUT', overridePath('sam'), { value: 100, reason: 'me' })).status).toBe(403);
    expect((await t.as(tokens.aliceRead)('PUT', overridePath('sam'), { value: 100, reason: 'r' })).status).toBe(403);
    expect((await t.as(undefined)('PUT', overridePath('sam'), { value: 100, reason: 'r' })).status).toBe(401);

    expect((await t.as(tokens.alice)('DELETE', overridePath('sam', '?reason=agreed'))).status).toBe(200);
    expect((await t.as(tokens.alice)('DELETE', overridePath('sam'))).status).toBe(404);
    expect((await t.as(tokens.alice)('DELETE', overridePath('sam', '?part=p1'))).status).toBe(200);
    expect((await t.as(tokens.sam)('DELETE', overridePath('sue', '?part=p1'))).status).toBe(403);
  });

  it('serves the grade log: staff everything, students their own released entries', async () => {
    const staff = await t.as(tokens.alice)<{ entries: LoggedGradeChange[] }>('GET', '/api/courses/cs101/assignments/hw1/grade-log?login=sam');
    expect(staff.status).toBe(200);
    expect(staff.body.entries.map((e) => [e.cause, e.partId, e.oldValue, e.newValue, e.actor])).toEqual([
      ['override', 'p1', null, 12, 'tom'],
      ['override', null, null, 80, 'alice'],
      ['override-removed', null, 80, null, 'alice'],
      ['override-removed', 'p1', 12, null, 'alice'],
    ]);
    const own = await t.as(tokens.sam)<{ entries: LoggedGradeChange[] }>('GET', '/api/courses/cs101/grade-log');
    expect(own.status).toBe(200);
    expect(own.body.entries).toHaveLength(4);
    expect((await t.as(tokens.sue)<{ entries: LoggedGradeChange[] }>('GET', '/api/courses/cs101/grade-log')).body.entries).toEqual([]);
    expect((await t.as(tokens.sue)('GET', '/api/courses/cs101/grade-log?login=sam')).status).toBe(403);
    expect((await t.as(tokens.sue)('GET', '/api/courses/cs102/grade-log')).status).toBe(404);
    expect((await t.as(tokens.sue)('GET', '/api/courses/cs101/assignments/hw9/grade-log')).status).toBe(404);
  });

  it('exports CSV and JSON to staff only', async () => {
    const csv = await t.as(tokens.tom)<string>('GET', '/api/courses/cs101/grades/export');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="cs101-grades.csv"');
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe('login,name,assignment,status,hw1/p1,hw1/p2,hw2/q,points,possible,raw,late_factor,late_rule,final,override,completed_at,released');
    expect(lines.slice(1, -1)).toHaveLength(4);
    expect(lines[1]).toBe(`sam,"'=HYPERLINK(""http://evil"")",hw1,not-submitted,,,,,15,,,,,no,,yes`);
    expect(lines.at(-1)).toBe('');
    const json = await t.as(tokens.alice)<{ rows: Array<{ login: string; assignmentId: string }> }>('GET', '/api/courses/cs101/grades/export?format=json&assignment=hw2');
    expect(json.status).toBe(200);
    expect(json.body.rows.map((r) => [r.login, r.assignmentId])).toEqual([['sam', 'hw2'], ['sue', 'hw2']]);
    expect((await t.as(tokens.sam)('GET', '/api/courses/cs101/grades/export')).status).toBe(403);
    expect((await t.as(tokens.alice)('GET', '/api/courses/cs101/grades/export?format=xlsx')).status).toBe(400);
    expect((await t.as(tokens.alice)('GET', '/api/courses/cs101/grades/export?assignment=hw9')).status).toBe(404);
    expect((await t.as(tokens.alice)('GET', '/api/courses/nope/grades/export')).status).toBe(404);
  });
});
