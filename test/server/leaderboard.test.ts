/**
 * Pseudonyms and the leaderboard over HTTP, end to end on a real server with a worker, on SQLite
 * and on PostgreSQL: a Gradescope grader reports each student's entries (test image
 * gradescope-leaderboard: the submission's board.json), and the leaderboard ranks them; status
 * codes for hostile pseudonyms (400), taken ones (409), an assignment without a leaderboard (409),
 * unknown ones (404), and a token without the scope (403).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leaderboard, Pseudonym } from '../../src/platform/model.ts';
import { POSTGRES_TEST_URL } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

const COURSE = {
  course: { id: 'cs1', title: 'Intro' },
  members: [
    { login: 'ines', role: 'instructor' },
    { login: 'sam', role: 'student' },
    { login: 'sue', role: 'student' },
    { login: 'sid', role: 'student' },
  ],
  assignments: [
    { id: 'race', title: 'Race', leaderboard: true, parts: [{ id: 'p1', points: 1 }] },
    { id: 'plain', title: 'Plain', parts: [{ id: 'p1', points: 1 }] },
  ],
};

const schema = `gradebox_lb_${randomBytes(4).toString('hex')}`;
const servers = [
  { name: 'SQLite', options: {} },
  { name: 'PostgreSQL', options: { databaseUrl: POSTGRES_TEST_URL, databaseSchema: schema } },
];

afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

describe.each(servers)('leaderboard over HTTP on $name', ({ options }) => {
  let t: TestServer;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestServer({ workers: 1, ...options });
    expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
    for (const login of ['sam', 'sue', 'sid']) tokens[login] = await t.tokenFor(login, ['read', 'submit']);
    tokens.ines = await t.tokenFor('ines', ['read', 'submit', 'author']);
    tokens.readOnly = await t.tokenFor('sue', ['read']);
    const imageId = await t.uploadImage(tokens.ines, 'cs1', testImage('gradescope-leaderboard'));
    expect((await t.as(tokens.ines)('POST', '/api/courses/cs1/assignments/race/parts/p1/graders', { imageId })).status).toBe(201);
    expect((await t.as(tokens.ines)('POST', '/api/courses/cs1/assignments/race/publish')).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  /** Submits board.json with these entries and waits until it is graded. */
  async function submitBoard(login: string, board: unknown): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify(board)]), 'board.json');
    const answer = await t.as(tokens[login])<{ id: string }>('POST', '/api/courses/cs1/assignments/race/submissions', form);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const events = await fetch(`${t.url}/api/submissions/${answer.body.id}/events`, { headers: { authorization: `Bearer ${tokens[login]}` } });
    expect(await events.text()).toMatch(/event: done/);
  }

  it('lets a student choose a pseudonym, refusing hostile (400) and taken (409) ones', async () => {
    const put = (login: string, pseudonym: unknown) => t.as(tokens[login])('PUT', '/api/courses/cs1/pseudonym', { pseudonym });
    const generated = await t.as(tokens.sam)<Pseudonym>('GET', '/api/courses/cs1/pseudonym');
    expect(generated.status).toBe(200);
    expect(generated.body).toMatchObject({ login: 'sam', chosen: false, pseudonym: expect.stringMatching(/^anonymous-/) as unknown });
    expect((await t.as(tokens.sam)<Pseudonym>('PUT', '/api/courses/cs1/pseudonym', { pseudonym: 'Speedy' })).body).toMatchObject({ pseudonym: 'Speedy', chosen: true });
    for (const hostile of ['evil\u202Etxt.exe', ' Speedy2', '\u001b]52;c;AAAA\u0007', 'x'.repeat(40), 'Admin']) {
      const refused = await put('sue', hostile);
      expect(refused.status, hostile).toBe(400);
      expect(refused.body.error.message).toMatch(/^pseudonym: /);
    }
    expect((await put('sue', 'x'.repeat(600))).status).toBe(400);
    expect((await put('sue', 42)).status).toBe(400);
    for (const taken of ['SPEEDY', 'ѕpeedy', 'sid', 'Ines']) {
      const refused = await put('sue', taken);
      expect(refused.status, taken).toBe(409);
      expect(refused.body.error.code).toBe('pseudonym-taken');
    }
    expect((await t.as(tokens.readOnly)('PUT', '/api/courses/cs1/pseudonym', { pseudonym: 'Sue' })).status).toBe(403);
    expect((await t.as(tokens.sam)('GET', '/api/courses/nope/pseudonym')).status).toBe(404);
    expect((await put('sue', 'Sue Q')).status).toBe(200);
  });

  it('ranks each student’s newest graded entries; students see pseudonyms, staff logins too', async () => {
    await submitBoard('sam', [{ name: 'Runtime', value: 2.5, order: 'asc' }, { name: 'Accuracy', value: 0.9 }]);
    await submitBoard('sue', [{ name: 'Runtime', value: 1.25, order: 'asc' }, { name: 'Accuracy', value: 0.95, order: null }]);
    // Hostile entry names and values are kept as text in JSON (bounded); the CLI neutralizes them.
    await submitBoard('sid', [{ name: 'Runtime', value: 9, order: 'asc' }, { name: '\u001b[2Jpwned', value: 'x'.repeat(500) }]);

    const answer = await t.as(tokens.sue)<Leaderboard>('GET', '/api/courses/cs1/assignments/race/leaderboard');
    expect(answer.status).toBe(200);
    const [runtime, accuracy, hostile] = answer.body.columns;
    expect(runtime).toMatchObject({ name: 'Runtime', order: 'asc' });
    expect(runtime!.rows.map((r) => [r.rank, r.pseudonym, r.value, r.you ?? false])).toEqual([[1, 'Sue Q', 1.25, true], [2, 'Speedy', 2.5, false], [3, expect.stringMatching(/^anonymous-/), 9, false]]);
    expect(accuracy!.rows.map((r) => r.value)).toEqual([0.95, 0.9]);
    expect(hostile!.name).toBe('\u001b[2Jpwned');
    expect(String(hostile!.rows[0]!.value)).toHaveLength(100);
    expect(JSON.stringify(answer.body)).not.toMatch(/"login"|"sam"|"sid"/);

    const staff = await t.as(tokens.ines)<Leaderboard>('GET', '/api/courses/cs1/assignments/race/leaderboard');
    expect(staff.body.columns[0]!.rows.map((r) => r.login)).toEqual(['sue', 'sam', 'sid']);

    // A newer submission counts instead of the older one, even when worse.
    await submitBoard('sue', [{ name: 'Runtime', value: 3, order: 'asc' }]);
    const after = await t.as(tokens.sam)<Leaderboard>('GET', '/api/courses/cs1/assignments/race/leaderboard');
    expect(after.body.columns[0]!.rows.map((r) => [r.pseudonym, r.you ?? false])).toEqual([['Speedy', true], ['Sue Q', false], [expect.stringMatching(/^anonymous-/), false]]);
    expect(after.body.columns.find((c) => c.name === 'Accuracy')!.rows.map((r) => r.pseudonym)).toEqual(['Speedy']);
  }, 120_000);

  it('answers 409 no-leaderboard when the assignment has none, 404 for an unknown one, 401 without a token', async () => {
    const none = await t.as(tokens.sam)('GET', '/api/courses/cs1/assignments/plain/leaderboard');
    expect(none.status).toBe(409);
    expect(none.body.error).toMatchObject({ code: 'no-leaderboard', message: expect.stringMatching(/leaderboard: true/) as unknown });
    expect((await t.as(tokens.sam)('GET', '/api/courses/cs1/assignments/nope/leaderboard')).status).toBe(404);
    expect((await t.as(tokens.sam)('GET', '/api/courses/nope/assignments/race/leaderboard')).status).toBe(404);
    expect((await t.as(undefined)('GET', '/api/courses/cs1/assignments/race/leaderboard')).status).toBe(401);
    const assignment = await t.as(tokens.sam)<{ leaderboard: boolean }>('GET', '/api/courses/cs1/assignments/race');
    expect(assignment.body.leaderboard).toBe(true);
  });
});
