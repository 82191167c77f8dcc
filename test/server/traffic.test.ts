/**
 * Floods against a real server with small limits: slow uploads with one token, connections that
 * send nothing, bodies that stop coming, too many connections from one address or in all. Each
 * is refused politely (429/503 with Retry-After, or 408) while /api/health and other users are
 * still served, and the log does not grow a line per refusal. Behaviour only: no timings are
 * asserted (docs/service.md has the figures, from bench/slow-clients.bench.ts).
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficLimits } from '../../src/server/traffic/traffic-limits.ts';
import { openConnection, requestHead, type RawAnswer, type RawConnection } from '../support/slow-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

const LIMITS: Partial<TrafficLimits> = {
  maxConnections: 70,
  maxConnectionsPerAddress: 20,
  maxUploadsPerAddress: 10,
  maxRequestsPerUser: 4,
  maxUploadsPerUser: 2,
  headersTimeoutMs: 1000,
  bodyWindowMs: 1000,
  minBodyBytesPerWindow: 1024,
};
const SUBMIT = '/api/courses/cs/assignments/hw/submissions';

let t: TestServer;
let sam: string;
let sue: string;
const logLines: Array<{ level: number; msg: string; suppressed?: number }> = [];
const open: RawConnection[] = [];

beforeAll(async () => {
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as (typeof logLines)[number]);
      done();
    },
  });
  t = await startTestServer({ traffic: LIMITS, logger: { level: 'warn', stream: capture } });
  const course = {
    course: { id: 'cs', title: 'CS' },
    members: [{ login: 'sam', role: 'student' }, { login: 'sue', role: 'student' }],
    assignments: [{ id: 'hw', title: 'HW', parts: [{ id: 'p1', points: 1 }] }],
  };
  expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
  const imageId = await t.uploadImage(t.adminToken, 'cs', testImage('coursera-sh'));
  expect((await t.admin('POST', '/api/courses/cs/assignments/hw/parts/p1/graders', { imageId })).status).toBe(201);
  expect((await t.admin('POST', '/api/courses/cs/assignments/hw/publish')).status).toBe(200);
  sam = await t.tokenFor('sam');
  sue = await t.tokenFor('sue');
}, 120_000);

afterAll(async () => {
  for (const connection of open) connection.close();
  await t?.close();
});

function connection(localAddress?: string): RawConnection {
  const made = openConnection(t.url, localAddress);
  open.push(made);
  return made;
}

/** A multipart body holding one file. */
function multipart(content: string): { body: string; type: string } {
  const boundary = 'gradeboxboundary';
  const body = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="answer.txt"\r\ncontent-type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

function expectPoliteRefusal(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(JSON.parse(answer.body)).toMatchObject({ error: { code } });
}

async function expectOthersServed(): Promise<void> {
  expect((await t.as(undefined)('GET', '/api/health')).status).toBe(200);
  expect((await t.as(sue)('GET', '/api/whoami')).status).toBe(200);
  const form = new FormData();
  form.append('file', new Blob(['42\n']), 'answer.txt');
  expect((await t.as(sue)('POST', SUBMIT, form)).status).toBe(201);
}

describe('slow uploads with one token', () => {
  it('hold at most the user\'s share; the rest are refused at once with 429 and Retry-After; others are served', async () => {
    // From their own address, so the per-address limits of 127.0.0.1 (the other users) are not theirs.
    const flood = Array.from({ length: 12 }, () => connection('127.0.0.2'));
    await Promise.all(flood.map((c) => c.connected));
    for (const c of flood) {
      c.send(requestHead('POST', SUBMIT, { authorization: `Bearer ${sam}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': 10_000_000 }));
      // Fast enough never to be cut for stalling: these hold their place for as long as they like.
      const keepUp = setInterval(() => c.send('x'.repeat(200)), 100);
      void c.answer.finally(() => clearInterval(keepUp));
    }
    const refused: RawAnswer[] = [];
    const settled = flood.map((c) => c.answer.then((answer) => refused.push(answer)));
    for (let i = 0; refused.length < 10; i++) {
      if (i > 600) throw new Error(`only ${refused.length} refusals came`);
      await sleep(20);
    }
    expect(refused).toHaveLength(10);
    for (const answer of refused) expectPoliteRefusal(answer, 429, 'too-many-uploads');
    // The two the user may hold are still in progress, and the server serves everyone else.
    await expectOthersServed();
    expect(refused).toHaveLength(10);
    // Another request of the flooding user, without a body, still fits (4 requests, 2 in use).
    expect((await t.as(sam)('GET', '/api/whoami')).status).toBe(200);
    for (const c of flood) c.close();
    await Promise.all(settled);
  });

  it('a user over their requests in progress gets 429 for the next one, with or without a body', async () => {
    const held = Array.from({ length: 4 }, () => connection('127.0.0.9'));
    await Promise.all(held.map((c) => c.connected));
    // Event streams are requests in progress too.
    const submitted = await t.as(sam)<{ id: string }>('POST', SUBMIT, (() => {
      const form = new FormData();
      form.append('file', new Blob(['1\n']), 'answer.txt');
      return form;
    })());
    expect(submitted.status).toBe(201);
    for (const c of held) c.send(requestHead('GET', `/api/submissions/${submitted.body.id}/events`, { authorization: `Bearer ${sam}` }));
    await sleep(300);
    const over = await t.as(sam)('GET', '/api/whoami');
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('too-many-requests');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await t.as(sue)('GET', '/api/whoami')).status).toBe(200);
    for (const c of held) c.close();
    for (let i = 0; (await t.as(sam)('GET', '/api/whoami')).status !== 200; i++) {
      if (i > 100) throw new Error('the user\'s requests were not given back when their connections closed');
      await sleep(20);
    }
  });
});

describe('timeouts', () => {
  it('a body that stops coming is cut with 408 and its connection closed; a slow steady one passes', async () => {
    const stalled = connection();
    await stalled.connected;
    stalled.send(requestHead('POST', SUBMIT, { authorization: `Bearer ${sue}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': 100_000 }));
    stalled.trickle('y'.repeat(1000), 100);

    const { body, type } = multipart('z'.repeat(5000));
    const steady = connection();
    await steady.connected;
    steady.send(requestHead('POST', SUBMIT, { authorization: `Bearer ${sue}`, 'content-type': type, 'content-length': Buffer.byteLength(body), connection: 'close' }));
    for (let at = 0; at < body.length; at += 1500) {
      steady.send(body.slice(at, at + 1500));
      await sleep(400);
    }
    const cut = await stalled.answer;
    expect(cut.status).toBe(408);
    expect(JSON.parse(cut.body)).toMatchObject({ error: { code: 'request-timeout' } });
    expect(cut.headers['x-content-type-options']).toBe('nosniff');
    expect((await steady.answer).status).toBe(201);
    await expectOthersServed();
  });

  it('a connection that sends nothing, or its headers a byte at a time, is closed with 408', async () => {
    const silent = connection();
    const dribble = connection();
    await Promise.all([silent.connected, dribble.connected]);
    dribble.trickle(requestHead('GET', '/api/health', { 'x-padding': 'p'.repeat(200) }), 100);
    for (const answer of [await silent.answer, await dribble.answer]) {
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'request-timeout' } });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('an answer given before the body arrived closes the connection instead of reading the rest', async () => {
    const c = connection();
    await c.connected;
    c.send(requestHead('POST', SUBMIT, { 'content-type': 'multipart/form-data; boundary=x', 'content-length': 50_000_000 }));
    const answer = await c.answer;
    expect(answer.status).toBe(401);
    expect(answer.headers.connection).toBe('close');
  });
});

describe('connection limits', () => {
  it('one address over its connections gets 429 with Retry-After on arrival; other addresses are served', async () => {
    const crowd = Array.from({ length: 25 }, () => connection('127.0.0.3'));
    const answers = await Promise.all(crowd.slice(20).map((c) => c.answer));
    for (const answer of answers) expectPoliteRefusal(answer, 429, 'too-many-connections');
    await expectOthersServed();
    // The admitted ones sent nothing: the headers timeout closes them.
    for (const c of crowd.slice(0, 20)) expect((await c.answer).status).toBe(408);
  });

  it('beyond the server\'s connections, new ones get 503 with Retry-After; once they close, all is served again', async () => {
    const crowd = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'].flatMap((address) => Array.from({ length: 20 }, () => connection(address)));
    const answers = await Promise.all(crowd.map((c) => c.answer));
    const full = answers.filter((a) => a.status === 503);
    expect(full.length).toBeGreaterThanOrEqual(crowd.length - (LIMITS.maxConnections ?? 0));
    for (const answer of full) expectPoliteRefusal(answer, 503, 'unavailable');
    // Every other one was admitted, then closed by the headers timeout.
    expect(answers.filter((a) => a.status === 408)).toHaveLength(crowd.length - full.length);
    await expectOthersServed();
  });
});

describe('logs under a flood', () => {
  it('a refusal repeated many times is written a few times, then summed up in one line', async () => {
    const before = logLines.filter((l) => l.msg.includes('too many from one address')).length;
    const crowd = Array.from({ length: 60 }, () => connection('127.0.0.8'));
    const answers = await Promise.all(crowd.slice(20).map((c) => c.answer));
    expect(answers.every((a) => a.status === 429)).toBe(true);
    const written = logLines.filter((l) => l.msg.includes('too many from one address')).length;
    expect(written).toBeLessThanOrEqual(10);
    expect(written - before).toBeLessThan(answers.length);
    for (const c of crowd) c.close();
  });

  it('a server shutting down answers 503 with Retry-After; the suppressed lines are summed up at close', async () => {
    const c = connection();
    await c.connected;
    c.send('GET /api/health HTTP/1.1\r\nhost: gradebox\r\n');
    await sleep(100);
    const closing = t.close();
    await sleep(100);
    c.send('\r\n');
    const answer = await c.answer;
    expectPoliteRefusal(answer, 503, 'unavailable');
    await closing;
    const summary = logLines.find((l) => l.msg.includes('more lines like') && l.msg.includes('too many from one address'));
    expect(summary?.suppressed).toBeGreaterThan(0);
  });
});
