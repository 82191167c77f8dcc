/**
 * Completion and grades over HTTP, with real servers: the routes and their refusals; an
 * assignment's completion time passing while the server is stopped (the next start completes
 * every student, once, and later starts do nothing more); two servers on one PostgreSQL database
 * starting after the moment, racing for it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentGrade, Completion, CompletionOutcome } from '../../src/platform/model.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { POSTGRES_TEST_URL } from '../support/databases.ts';
import { testImage } from '../support/test-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const HOUR = 3600_000;

function course(completeAt: string | null = null) {
  return {
    course: { id: 'cs101', title: 'Intro' },
    members: [
      { login: 'ines', role: 'instructor' },
      { login: 'sam', role: 'student' },
      { login: 'sue', role: 'student' },
    ],
    assignments: [
      { id: 'unit1', title: 'Unit 1', trigger: 'completion', completeAt, parts: [{ id: 'p1', points: 10 }] },
      { id: 'hw', title: 'Homework', parts: [{ id: 'p1', points: 10 }] },
      { id: 'unit2', title: 'Unit 2', trigger: 'completion', partFeedback: 'on-completion', parts: [{ id: 'p1', points: 10 }] },
    ],
  };
}

/** GETs until `done` says yes (the start-up run is asynchronous); fails after a generous while. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (done(value) || i >= 600) return value;
    await sleep(100);
  }
}

describe('completion routes', () => {
  let t: TestServer;
  const tokens: Record<string, string> = {};
  const path = '/api/courses/cs101/assignments/unit1';

  beforeAll(async () => {
    t = await startTestServer();
    expect((await t.admin('POST', '/api/apply', course())).status).toBe(200);
    for (const login of ['ines', 'sam', 'sue']) tokens[login] = await t.tokenFor(login, ['read', 'submit']);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('the assignment shows its workflow', async () => {
    const answer = await t.as(tokens.sam)<{ trigger: string; partFeedback: string; completeAt: string | null; autograde: string }>('GET', path);
    expect(answer.body).toMatchObject({ trigger: 'completion', partFeedback: 'immediate', completeAt: null, autograde: 'aggregate' });
  });

  it('a student completes their own work once; staff un-complete it', async () => {
    const made = await t.as(tokens.sam)<CompletionOutcome>('POST', `${path}/completions`, {});
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ changed: 1, completions: [{ login: 'sam', how: 'student', completedBy: 'sam', submissionId: null }] });
    const twice = await t.as(tokens.sam)('POST', `${path}/completions`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already-completed');
    expect(twice.body.error.message).toContain('gradebox uncomplete cs101 unit1 --student sam');

    const own = await t.as(tokens.sam)<{ grades: AssignmentGrade[] }>('GET', `${path}/grades`);
    expect(own.body.grades).toMatchObject([{ login: 'sam', status: 'no-submission', rawGrade: 0, finalGrade: 0 }]);
    const all = await t.as(tokens.ines)<{ grades: AssignmentGrade[] }>('GET', `${path}/grades`);
    expect(all.body.grades.map((g) => [g.login, g.status])).toEqual([
      ['sam', 'no-submission'],
      ['sue', 'not-completed'],
    ]);
    expect((await t.as(tokens.sue)('GET', `${path}/grades?login=sam`)).status).toBe(403);
    expect((await t.as(tokens.sue)<{ completions: Completion[] }>('GET', `${path}/completions`)).body.completions).toEqual([]);

    expect((await t.as(tokens.sue)('DELETE', `${path}/completions/sam`)).status).toBe(403);
    const undone = await t.as(tokens.ines)<CompletionOutcome>('DELETE', `${path}/completions/sam`);
    expect(undone.status).toBe(200);
    expect(undone.body.completions[0]).toMatchObject({ login: 'sam' });
    expect((await t.as(tokens.ines)('DELETE', `${path}/completions/sam`)).body.error.code).toBe('not-completed');
  });

  it('staff complete everyone, with a count', async () => {
    const all = await t.as(tokens.ines)<CompletionOutcome>('POST', `${path}/completions`, { all: true });
    expect(all.body.changed).toBe(2);
    expect((await t.as(tokens.ines)<CompletionOutcome>('POST', `${path}/completions`, { all: true })).body.changed).toBe(0);
  });

  it('part feedback on completion: a submission waits (its event stream ends at once) until the work is completed', async () => {
    const author = await t.tokenFor('ines', ['read', 'submit', 'author']);
    const imageId = await t.uploadImage(author, 'cs101', testImage('coursera-sh'));
    expect((await t.as(author)('POST', '/api/courses/cs101/assignments/unit2/parts/p1/graders', { imageId })).status).toBe(201);
    expect((await t.as(author)('POST', '/api/courses/cs101/assignments/unit2/publish')).status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob(['42\n']), 'answer.txt');
    const submitted = await t.as(tokens.sam)<{ id: string; status: string; parts: unknown[] }>('POST', '/api/courses/cs101/assignments/unit2/submissions', form);
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ status: 'awaiting-completion', parts: [] });
    const events = await fetch(`${t.url}/api/submissions/${submitted.body.id}/events`, { headers: { authorization: `Bearer ${tokens.sam}` } });
    expect(await events.text()).toMatch(/event: done\ndata: \{"submissionId":"[^"]+","status":"awaiting-completion"\}/);

    expect((await t.as(tokens.ines)('POST', '/api/courses/cs101/assignments/unit2/completions', { login: 'sam' })).status).toBe(200);
    const queued = await t.as(tokens.ines)<{ status: string; parts: Array<{ partId: string; job: { phase: string } }> }>('GET', `/api/submissions/${submitted.body.id}`);
    expect(queued.body).toMatchObject({ status: 'grading', parts: [{ partId: 'p1', job: { phase: 'queued' } }] });
    const again = new FormData();
    again.append('file', new Blob(['43\n']), 'answer.txt');
    const locked = await t.as(tokens.sam)('POST', '/api/courses/cs101/assignments/unit2/submissions', again);
    expect(locked.status).toBe(409);
    expect(locked.body.error.code).toBe('completed');
  });

  it('refuses bad input and unknown names', async () => {
    const wrongType = await t.as(tokens.ines)('POST', `${path}/completions`, { all: 'yes' });
    expect(wrongType.status).toBe(400);
    expect((await t.as(tokens.ines)('POST', `${path}/completions`, { login: 'Not A Login' })).status).toBe(400);
    expect((await t.as(tokens.ines)('POST', `${path}/completions`, { login: 'sue', extra: 1 })).status).toBe(400);
    expect((await t.as(tokens.ines)('POST', '/api/courses/cs101/assignments/nope/completions', {})).status).toBe(404);
    expect((await t.as(tokens.ines)('POST', `${path}/completions`, { login: 'nobody' })).status).toBe(404);
    expect((await t.as(tokens.sam)('POST', '/api/courses/cs101/assignments/hw/completions', {})).body.error.code).toBe('not-completion-trigger');
    const garbage = await t.admin('POST', '/api/apply', course('soon'));
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.message).toContain('assignments[0].completeAt: "soon" is not a time with a time zone');
    expect((await t.as(undefined)('GET', `${path}/grades`)).status).toBe(401);
  });
});

describe('the completion time, while the server is stopped', () => {
  let dataDir: string;
  let running: RunningServer | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gradebox-completion-'));
  });
  afterAll(async () => {
    await running?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<RunningServer> => (running = await startServer({ dataDir, port: 0, workers: 0, version: 'test', schedulePollMs: HOUR }));
  const call = async <T>(server: RunningServer, token: string, method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  };

  it('is acted on at the next start, completing each student once', async () => {
    const first = await start();
    const admin = first.adminToken!.token;
    // Soon, but after this server's start-up check, and it checks again only in an hour.
    const completeAt = new Date(Date.now() + 2000).toISOString();
    expect(await call(first, admin, 'POST', '/api/apply', course(completeAt))).toHaveProperty('changes');
    await first.close();
    running = undefined;
    await sleep(Math.max(0, Date.parse(completeAt) - Date.now() + 100));

    const second = await start();
    const completions = await eventually(
      async () => (await call<{ completions: Completion[] }>(second, admin, 'GET', '/api/courses/cs101/assignments/unit1/completions')).completions,
      (list) => list.length === 2,
    );
    expect(completions).toMatchObject([
      { login: 'sam', how: 'expiry', completedBy: 'gradebox', completedAt: completeAt },
      { login: 'sue', how: 'expiry', completedBy: 'gradebox', completedAt: completeAt },
    ]);
    await second.close();

    const third = await start();
    await sleep(500);
    const again = await call<{ completions: Completion[] }>(third, admin, 'GET', '/api/courses/cs101/assignments/unit1/completions');
    expect(again).toEqual({ completions });
  }, 60_000);
});

describe('two servers on one PostgreSQL database', () => {
  const schema = `gbx_completion_${randomBytes(4).toString('hex')}`;
  const dirs: string[] = [];
  const servers: RunningServer[] = [];

  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('race for a completion time that has passed; each student is completed once', async () => {
    const start = async (): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), 'gradebox-completion-pg-'));
      dirs.push(dataDir);
      const server = await startServer({ dataDir, port: 0, workers: 0, version: 'test', databaseUrl: POSTGRES_TEST_URL, databaseSchema: schema, schedulePollMs: 200 });
      servers.push(server);
      return server;
    };
    const first = await start();
    const admin = first.adminToken!.token;
    const apply = await fetch(`${first.url}/api/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...course(new Date(Date.now() - HOUR).toISOString()), members: [...course().members, ...['a', 'b', 'c', 'd', 'e', 'f'].map((login) => ({ login: `student-${login}`, role: 'student' }))] }),
    });
    expect(apply.status).toBe(200);
    // The first server is already at it (its timer runs every 200 ms); a second one joins in.
    const second = await start();
    const read = async (server: RunningServer) =>
      ((await (await fetch(`${server.url}/api/courses/cs101/assignments/unit1/completions`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { completions: Completion[] }).completions;
    const completions = await eventually(() => read(second), (list) => list.length === 8);
    expect(completions).toHaveLength(8);
    await sleep(1000);
    expect(await read(first)).toEqual(completions);
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await client.connect();
    const schedule = await client.query<{ done_at: string | null }>(`SELECT done_at FROM "${schema}".completion_schedules`);
    await client.end();
    expect(schedule.rows).toHaveLength(1);
    expect(schedule.rows[0]!.done_at).not.toBeNull();
  }, 60_000);
});
