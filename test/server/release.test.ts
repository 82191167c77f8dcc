/**
 * Release and withdrawal over HTTP, with real servers: the routes and their refusals, the grade
 * event feed and its query checks; an automatic release time passing while the server is stopped
 * (the next start records the events once, later starts nothing more); two servers on one
 * PostgreSQL database starting after the moment, racing for it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedGradeChange } from '../../src/platform/grade-log.ts';
import type { Assignment } from '../../src/platform/model.ts';
import type { ReleaseOutcome } from '../../src/platform/releases.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { POSTGRES_TEST_URL } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const HOUR = 3600_000;

function course(release: { release?: string; releaseAt?: string | null } = { release: 'manual' }, students = ['sam', 'sue']) {
  return {
    course: { id: 'cs101', title: 'Intro' },
    members: [{ login: 'ines', role: 'instructor' }, { login: 'tara', role: 'ta' }, ...students.map((login) => ({ login, role: 'student' }))],
    assignments: [{ id: 'hw1', title: 'Homework 1', ...release, parts: [{ id: 'p1', points: 10 }] }],
  };
}

type Feed = { events: LoggedGradeChange[]; next: number };

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (done(value) || i >= 600) return value;
    await sleep(100);
  }
}

describe('release routes', () => {
  let t: TestServer;
  const tokens: Record<string, string> = {};
  const path = '/api/courses/cs101/assignments/hw1';

  beforeAll(async () => {
    t = await startTestServer();
    expect((await t.admin('POST', '/api/apply', course())).status).toBe(200);
    tokens.ines = await t.tokenFor('ines', ['read', 'manage']);
    tokens.inesRead = await t.tokenFor('ines', ['read', 'submit', 'author']);
    tokens.tara = await t.tokenFor('tara', ['read', 'manage']);
    tokens.sam = await t.tokenFor('sam', ['read', 'submit', 'manage']);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('releases and withdraws for instructors with manage; refuses the others and what changes nothing', async () => {
    expect((await t.as(tokens.tara)('POST', `${path}/release`)).status).toBe(403);
    expect((await t.as(tokens.sam)('POST', `${path}/release`)).status).toBe(403);
    expect((await t.as(tokens.inesRead)('POST', `${path}/release`)).status).toBe(403);
    expect((await t.as(undefined)('POST', `${path}/release`)).status).toBe(401);
    expect((await t.as(tokens.ines)('POST', '/api/courses/cs101/assignments/nope/release')).status).toBe(404);
    const notReleased = await t.as(tokens.ines)('POST', `${path}/withdraw`);
    expect(notReleased.status).toBe(409);
    expect(notReleased.body.error.code).toBe('not-released');

    const released = await t.as(tokens.ines)<ReleaseOutcome>('POST', `${path}/release`);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ courseId: 'cs101', assignmentId: 'hw1', events: 2, release: { mode: 'manual', releasedBy: 'ines', scoresVisible: true } });
    const again = await t.as(tokens.ines)('POST', `${path}/release`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already-released');
    expect((await t.as(tokens.sam)<Assignment>('GET', path)).body.release).toMatchObject({ published: true, scoresVisible: true });

    const withdrawn = await t.as(tokens.ines)<ReleaseOutcome>('POST', `${path}/withdraw`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.release).toMatchObject({ mode: 'manual', releasedAt: null, scoresVisible: false });
  });

  it('serves released grade events to staff after a seq, and checks the query', async () => {
    const all = await t.as(tokens.tara)<Feed>('GET', '/api/courses/cs101/grade-events');
    expect(all.status).toBe(200);
    expect(all.body.events.map((e) => `${e.cause} ${e.login}`)).toEqual(['release sam', 'release sue', 'withdraw sam', 'withdraw sue']);
    expect(all.body.next).toBe(all.body.events[3]!.seq);
    const page = await t.as(tokens.tara)<Feed>('GET', `/api/courses/cs101/grade-events?after=${all.body.events[0]!.seq}&limit=2`);
    expect(page.body.events).toEqual(all.body.events.slice(1, 3));
    const end = await t.as(tokens.tara)<Feed>('GET', `/api/courses/cs101/grade-events?after=${all.body.next}`);
    expect(end.body).toEqual({ events: [], next: all.body.next });
    for (const query of ['after=-1', 'after=abc', 'limit=0', 'limit=1001', 'limit=99999999999999999999', 'after=1.5', 'limit=', 'other=1']) {
      const bad = await t.as(tokens.tara)('GET', `/api/courses/cs101/grade-events?${query}`);
      expect(bad.status, query).toBe(400);
    }
    expect((await t.as(tokens.sam)('GET', '/api/courses/cs101/grade-events')).status).toBe(403);
    expect((await t.as(tokens.ines)('GET', '/api/courses/nope/grade-events')).status).toBe(404);
  });

  it('refuses bad release keys in a course file with the path of each', async () => {
    const bad = await t.admin('POST', '/api/apply', course({ release: 'sometimes', releaseAt: 'soon' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('assignments[0].release: must be one of immediate, manual (got "sometimes")');
    expect(bad.body.error.message).toContain('assignments[0].releaseAt: "soon" is not a time with a time zone');
  });
});

describe('the release time, while the server is stopped', () => {
  let dataDir: string;
  let running: RunningServer | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gradebox-release-'));
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

  it('is recorded at the next start, once', async () => {
    const first = await start();
    const admin = first.adminToken!.token;
    // Soon, but after this server's start-up check, and it checks again only in an hour.
    const releaseAt = new Date(Date.now() + 2000).toISOString();
    expect(await call(first, admin, 'POST', '/api/apply', course({ releaseAt }))).toHaveProperty('changes');
    await first.close();
    running = undefined;
    await sleep(Math.max(0, Date.parse(releaseAt) - Date.now() + 100));

    const second = await start();
    const feed = await eventually(async () => call<Feed>(second, admin, 'GET', '/api/courses/cs101/grade-events'), (f) => f.events.length === 2);
    expect(feed.events).toMatchObject([
      { cause: 'release', login: 'sam', actor: null, at: releaseAt },
      { cause: 'release', login: 'sue', actor: null, at: releaseAt },
    ]);
    await second.close();

    const third = await start();
    await sleep(500);
    expect(await call(third, admin, 'GET', '/api/courses/cs101/grade-events')).toEqual(feed);
  }, 60_000);
});

describe('two servers on one PostgreSQL database', () => {
  const schema = `gbx_release_${randomBytes(4).toString('hex')}`;
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

  it('race for a release time that has passed; its events are recorded once', async () => {
    const start = async (): Promise<RunningServer> => {
      const dataDir = await mkdtemp(join(tmpdir(), 'gradebox-release-pg-'));
      dirs.push(dataDir);
      const server = await startServer({ dataDir, port: 0, workers: 0, version: 'test', databaseUrl: POSTGRES_TEST_URL, databaseSchema: schema, schedulePollMs: 200 });
      servers.push(server);
      return server;
    };
    const first = await start();
    const admin = first.adminToken!.token;
    const students = ['sam', 'sue', ...['a', 'b', 'c', 'd', 'e', 'f'].map((s) => `student-${s}`)];
    const apply = await fetch(`${first.url}/api/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(course({ releaseAt: new Date(Date.now() - HOUR).toISOString() }, students)),
    });
    expect(apply.status).toBe(200);
    const second = await start();
    const read = async (server: RunningServer): Promise<Feed> =>
      (await (await fetch(`${server.url}/api/courses/cs101/grade-events`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Feed;
    const feed = await eventually(() => read(second), (f) => f.events.length === 8);
    await sleep(1000);
    expect(await read(first)).toEqual(feed);
    expect(feed.events.map((e) => e.login).sort()).toEqual([...students].sort());
  }, 60_000);
});
