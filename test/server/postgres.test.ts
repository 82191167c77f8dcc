/**
 * The same service on the real PostgreSQL (a schema of its own, dropped afterwards) instead of the
 * embedded SQLite file: set-up, upload, publish, submit and grade end to end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { POSTGRES_TEST_URL } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

const schema = `gradebox_srv_${randomBytes(4).toString('hex')}`;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ databaseUrl: POSTGRES_TEST_URL, databaseSchema: schema, workers: 1 });
}, 60_000);

afterAll(async () => {
  await t?.close();
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

it('grades a submission end to end with its state in PostgreSQL', async () => {
  const course = {
    course: { id: 'pg', title: 'On PostgreSQL' },
    members: [{ login: 'stu', role: 'student' }],
    assignments: [{ id: 'a', title: 'A', parts: [{ id: 'sum', points: 2 }] }],
  };
  expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
  const imageId = await t.uploadImage(t.adminToken, 'pg', testImage('coursera-sh'));
  expect((await t.admin('POST', '/api/courses/pg/assignments/a/parts/sum/graders', { imageId })).status).toBe(201);
  expect((await t.admin('POST', '/api/courses/pg/assignments/a/publish')).status).toBe(200);
  const student = await t.tokenFor('stu');
  const form = new FormData();
  form.append('file', new Blob(['3\n']), 'sum.txt');
  const submitted = await t.as(student)<{ id: string }>('POST', '/api/courses/pg/assignments/a/submissions', form);
  expect(submitted.status).toBe(201);
  const events = await fetch(`${t.url}/api/submissions/${submitted.body.id}/events`, { headers: { authorization: `Bearer ${student}` } });
  const text = await events.text();
  expect(text).toMatch(/event: done/);
  const final = await t.as(student)<{ status: string; parts: Array<{ result: { status: string } }> }>('GET', `/api/submissions/${submitted.body.id}`);
  expect(final.body.status).toBe('graded');
  expect(final.body.parts[0]?.result.status).toBe('graded');

  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  const rows = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".results`);
  await client.end();
  expect(rows.rows[0]?.n).toBe(1);
}, 60_000);
