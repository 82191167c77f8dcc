/**
 * The HTTP API of a real server (SQLite data directory, no workers): authentication, the
 * permission matrix across courses and roles, and hostile requests — each answered with a clear
 * JSON error and a 4xx status, never a 500.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dir, file, makeImage, makeSandbox } from '../image/build-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';
import { buildZip } from '../support/zip-writer.ts';

let t: TestServer;
const tokens: Record<string, string> = {};
let imageId: string;

const COURSE = {
  course: { id: 'cs101', title: 'Intro' },
  members: [
    { login: 'alice', role: 'instructor' },
    { login: 'tom', role: 'ta' },
    { login: 'sam', role: 'student' },
    { login: 'sue', role: 'student' },
  ],
  assignments: [{ id: 'hw1', title: 'Homework 1', deadline: '2030-01-01T00:00:00Z', parts: [{ id: 'p1', points: 10 }] }],
};
const OTHER = {
  course: { id: 'other', title: 'Other' },
  members: [{ login: 'olivia', role: 'student' }],
  assignments: [{ id: 'hw1', title: 'Other homework', parts: [{ id: 'p1', points: 1 }] }],
};

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  expect((await t.admin('POST', '/api/apply', OTHER)).status).toBe(200);
  for (const login of ['sam', 'sue', 'olivia']) tokens[login] = await t.tokenFor(login, ['read', 'submit']);
  for (const login of ['alice', 'tom']) tokens[login] = await t.tokenFor(login, ['read', 'submit', 'author']);
  imageId = await t.uploadImage(tokens.alice!, 'cs101', testImage('coursera-sh'));
  const draft = await t.as(tokens.alice)('POST', '/api/courses/cs101/assignments/hw1/parts/p1/graders', { imageId });
  expect(draft.status).toBe(201);
  expect((await t.as(tokens.alice)('POST', '/api/courses/cs101/assignments/hw1/publish')).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** Writes `request` on a new connection and returns everything the server sent until it closed. */
async function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.write(request);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function submissionForm(files: Record<string, string>): FormData {
  const form = new FormData();
  for (const [path, content] of Object.entries(files)) form.append('file', new Blob([content]), path);
  return form;
}

describe('public routes', () => {
  it('health answers without a token', async () => {
    const answer = await t.as(undefined)('GET', '/api/health');
    expect(answer).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('serves an OpenAPI 3 document naming the routes', async () => {
    const answer = await t.as(undefined)<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toMatch(/^3\./);
    expect(Object.keys(answer.body.paths)).toEqual(
      expect.arrayContaining(['/api/courses/{course}/assignments/{assignment}/submissions', '/api/submissions/{id}/events', '/api/apply']),
    );
  });

  it('answers an unknown route with a JSON 404', async () => {
    const answer = await t.admin('GET', '/api/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not-found');
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['an unknown token', { authorization: 'Bearer gbx_not-a-real-token' }],
    ['a Basic header', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('%s gets 401 with a hint', async (_name, headers) => {
    const answer = await t.as(undefined)('GET', '/api/whoami', undefined, headers);
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthenticated');
  });

  // The router matches the decoded path; authentication must look at the route that matched,
  // not at the raw URL, or an escaped letter walks past it.
  it.each(['/%61pi/limits', '/api/lim%69ts', '/%61%70%69/whoami', '/api/%75sers', '/%61pi/courses/cs101'])(
    '%s, a protected route spelled with escapes, gets 401 without a token',
    async (path) => {
      const anonymous = await t.as(undefined)('GET', path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('unauthenticated');
      expect((await t.admin('GET', path)).status).toBe(200);
    },
  );

  it('HEAD of a protected route gets 401 without a token; health answers HEAD to anyone', async () => {
    expect((await t.as(undefined)('HEAD', '/%61pi/limits')).status).toBe(401);
    expect((await t.as(undefined)('HEAD', '/api/health')).status).toBe(200);
  });

  it('an unknown route needs a token too (deny by default): 401 without one, 404 with one', async () => {
    const anonymous = await t.as(undefined)('GET', '/api/nothing-here');
    expect(anonymous.status).toBe(401);
    expect((await t.admin('GET', '/api/nothing-here')).status).toBe(404);
  });

  it('a revoked token gets 401', async () => {
    const issued = await t.admin<{ id: string; token: string }>('POST', '/api/users/sam/tokens', { name: 'short-lived', scopes: ['read'] });
    expect((await t.as(issued.body.token)('GET', '/api/whoami')).status).toBe(200);
    expect((await t.as(tokens.sam)('DELETE', `/api/tokens/${issued.body.id}`)).status).toBe(204);
    expect((await t.as(issued.body.token)('GET', '/api/whoami')).status).toBe(401);
  });

  it('a token minted with a one-day token expires with it, has no more scopes, and is revoked with it', async () => {
    const daily = await t.admin<{ id: string; token: string; expiresAt: string }>('POST', '/api/users/sue/tokens', { name: 'one day', scopes: ['read', 'submit'], expiresInDays: 1 });
    expect(daily.status).toBe(201);
    const minted = await t.as(daily.body.token)<{ id: string; token: string; expiresAt: string | null; parentId: string }>('POST', '/api/users/sue/tokens', { name: 'forever?', scopes: ['read'] });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ expiresAt: daily.body.expiresAt, parentId: daily.body.id });
    const wider = await t.as(daily.body.token)('POST', '/api/users/sue/tokens', { name: 'wider', scopes: ['read', 'author'] });
    expect(wider.status).toBe(403);
    expect((await t.as(daily.body.token)('DELETE', `/api/tokens/${daily.body.id}`)).status).toBe(204);
    expect((await t.as(minted.body.token)('GET', '/api/whoami')).status).toBe(401);
  });

  it("DELETE /api/users/:login/tokens cuts a user off (admins; a student for others gets 403)", async () => {
    const one = await t.tokenFor('olivia', ['read']);
    const two = await t.tokenFor('olivia', ['read', 'submit']);
    expect((await t.as(tokens.sam)('DELETE', '/api/users/olivia/tokens')).status).toBe(403);
    const cut = await t.admin<{ login: string; revoked: number }>('DELETE', '/api/users/olivia/tokens');
    expect(cut.status).toBe(200);
    expect(cut.body.login).toBe('olivia');
    expect(cut.body.revoked).toBeGreaterThanOrEqual(3);
    for (const token of [one, two, tokens.olivia]) expect((await t.as(token)('GET', '/api/whoami')).status).toBe(401);
    tokens.olivia = await t.tokenFor('olivia', ['read', 'submit']);
  });

  it('tokens are stored hashed: the database file never holds a token', async () => {
    const db = await readFile(`${t.dataDir}/gradebox.db`);
    const wal = await readFile(`${t.dataDir}/gradebox.db-wal`).catch(() => Buffer.alloc(0));
    for (const token of [t.adminToken, tokens.sam!]) {
      expect(db.includes(token)).toBe(false);
      expect(wal.includes(token)).toBe(false);
    }
  });
});

describe('security headers', () => {
  function expectSecurityHeaders(headers: Headers, what: string): void {
    expect(headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(headers.get('content-security-policy'), what).toMatch(/default-src 'none'/);
    expect(headers.get('content-security-policy'), what).toMatch(/frame-ancestors 'none'/);
    expect(headers.get('x-frame-options'), what).toBe('DENY');
    expect(headers.get('referrer-policy'), what).toBe('no-referrer');
    expect(headers.get('cross-origin-resource-policy'), what).toBe('same-origin');
    expect(headers.get('strict-transport-security'), what).toMatch(/max-age=\d+/);
    expect(headers.get('x-powered-by'), what).toBeNull();
  }

  it('every kind of answer carries them: JSON, errors, 404, validation, downloads', async () => {
    const submitted = await t.as(tokens.sam)<{ id: string }>('POST', '/api/courses/cs101/assignments/hw1/submissions', submissionForm({ 'h.txt': 'x' }));
    const answers: Array<[string, Promise<{ status: number; headers: Headers }>]> = [
      ['health', t.as(undefined)('GET', '/api/health')],
      ['openapi', t.as(undefined)('GET', '/openapi.json')],
      ['whoami', t.as(tokens.sam)('GET', '/api/whoami')],
      ['no token (401)', t.as(undefined)('GET', '/api/whoami')],
      ['forbidden (403)', t.as(tokens.sam)('GET', '/api/users')],
      ['unknown route (404)', t.admin('GET', '/api/nothing-here')],
      ['bad params (400)', t.admin('GET', '/api/courses/..%2F..%2Fetc')],
      ['bad JSON (400)', t.admin('POST', '/api/apply', '{"course": {', { 'content-type': 'application/json' })],
      ['created (201)', Promise.resolve(submitted)],
      ['archive download', t.as(tokens.sam)('GET', `/api/submissions/${submitted.body.id}/archive`)],
    ];
    for (const [what, answer] of answers) expectSecurityHeaders((await answer).headers, what);
    expect((await t.as(tokens.sam)('GET', '/api/whoami')).headers.get('cache-control')).toBe('no-store');
  });

  it('a request that is not HTTP gets a JSON 400 with them, and the connection closes', async () => {
    const answer = await rawExchange(t.url, 'GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'invalid-input' } });
  });

  it('the server-sent event stream carries them too', async () => {
    const submitted = await t.as(tokens.sam)<{ id: string }>('POST', '/api/courses/cs101/assignments/hw1/submissions', submissionForm({ 's.txt': 'x' }));
    const abort = new AbortController();
    const response = await fetch(`${t.url}/api/submissions/${submitted.body.id}/events`, { headers: { authorization: `Bearer ${tokens.sam}` }, signal: abort.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    expectSecurityHeaders(response.headers, 'events');
    expect(response.headers.get('cache-control')).toMatch(/no-cache/);
    abort.abort();
  });
});

describe('permissions across roles and courses', () => {
  it('a student sees their course but not another course (404)', async () => {
    expect((await t.as(tokens.sam)('GET', '/api/courses/cs101')).status).toBe(200);
    const other = await t.as(tokens.sam)('GET', '/api/courses/other');
    expect(other.status).toBe(404);
  });

  it("a student cannot read another student's submission (403), staff can", async () => {
    const mine = await t.as(tokens.sue)<{ id: string }>('POST', '/api/courses/cs101/assignments/hw1/submissions', submissionForm({ 'answer.txt': '42\n' }));
    expect(mine.status).toBe(201);
    const id = mine.body.id;
    expect((await t.as(tokens.sue)('GET', `/api/submissions/${id}`)).status).toBe(200);
    const stranger = await t.as(tokens.sam)('GET', `/api/submissions/${id}`);
    expect(stranger.status).toBe(403);
    expect((await t.as(tokens.sam)('GET', `/api/submissions/${id}/archive`)).status).toBe(403);
    expect((await t.as(tokens.sam)('GET', `/api/submissions/${id}/events`)).status).toBe(403);
    expect((await t.as(tokens.olivia)('GET', `/api/submissions/${id}`)).status).toBe(404);
    expect((await t.as(tokens.tom)('GET', `/api/submissions/${id}`)).status).toBe(200);
    // A student's own listing holds only their own submissions.
    const listed = await t.as(tokens.sam)<{ submissions: Array<{ login: string }> }>('GET', '/api/courses/cs101/assignments/hw1/submissions');
    expect(listed.body.submissions.every((s) => s.login === 'sam')).toBe(true);
  });

  it('students cannot read grader images or upload them (403)', async () => {
    expect((await t.as(tokens.sam)('GET', `/api/courses/cs101/images/${imageId}`)).status).toBe(403);
    const upload = await t.as(tokens.sam)('POST', '/api/courses/cs101/images', new Uint8Array([1, 2, 3]), {
      'content-type': 'application/x-tar',
      'x-content-sha256': createHash('sha256').update(new Uint8Array([1, 2, 3])).digest('hex'),
    });
    expect(upload.status).toBe(403);
  });

  it('a user of another course cannot read this course\'s image, even with the author scope (404)', async () => {
    const outsiderToken = await t.tokenFor('olivia', ['read', 'author']);
    const outsider = await t.as(outsiderToken)('GET', `/api/courses/cs101/images/${imageId}`);
    expect(outsider.status).toBe(404);
  });

  it("staff of another course cannot use this course's image by its digest, nor download it", async () => {
    const olga = { course: { id: 'elsewhere', title: 'Elsewhere' }, members: [{ login: 'olga', role: 'instructor' }], assignments: [{ id: 'x', title: 'X', parts: [{ id: 'p', points: 1 }] }] };
    expect((await t.admin('POST', '/api/apply', olga)).status).toBe(200);
    const olgaToken = await t.tokenFor('olga', ['read', 'author']);
    const draft = await t.as(olgaToken)('POST', '/api/courses/elsewhere/assignments/x/parts/p/graders', { imageId });
    expect(draft.status).toBe(404);
    expect(draft.body.error.message).toMatch(/not uploaded to elsewhere/);
    expect((await t.as(olgaToken)('GET', `/api/courses/elsewhere/images/${imageId}`)).status).toBe(404);
  });

  it('a TA may upload drafts but not publish (403)', async () => {
    const draft = await t.as(tokens.tom)('POST', '/api/courses/cs101/assignments/hw1/parts/p1/graders', { imageId });
    expect(draft.status).toBe(201);
    const publish = await t.as(tokens.tom)('POST', '/api/courses/cs101/assignments/hw1/publish');
    expect(publish.status).toBe(403);
    expect(publish.body.error.code).toBe('forbidden');
  });

  it('a token without the submit scope cannot submit (403)', async () => {
    const readOnly = await t.tokenFor('sam', ['read']);
    const answer = await t.as(readOnly)('POST', '/api/courses/cs101/assignments/hw1/submissions', submissionForm({ 'a.txt': 'x' }));
    expect(answer.status).toBe(403);
  });

  it('students cannot apply course files or list members (403)', async () => {
    expect((await t.as(tokens.sam)('POST', '/api/apply', COURSE)).status).toBe(403);
    expect((await t.as(tokens.sam)('GET', '/api/courses/cs101/members')).status).toBe(403);
  });
});

describe('Coursera part ids', () => {
  it('keeps a mixed-case part id (graders compare partId exactly) through apply and grader upload', async () => {
    const course = { course: { id: 'coursera', title: 'Imported' }, assignments: [{ id: 'week1', title: 'Week 1', parts: [{ id: 'Lk3bY', points: 1 }] }] };
    expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
    const own = await t.uploadImage(t.adminToken, 'coursera', testImage('coursera-sh'));
    const draft = await t.admin<{ partId: string }>('POST', '/api/courses/coursera/assignments/week1/parts/Lk3bY/graders', { imageId: own });
    expect(draft.status).toBe(201);
    expect(draft.body.partId).toBe('Lk3bY');
  });
});

describe('hostile and malformed requests', () => {
  it('malformed JSON gets 400, not 500', async () => {
    const answer = await t.admin('POST', '/api/apply', '{"course": {', { 'content-type': 'application/json' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid-input');
  });

  it('a JSON body over the limit gets 413', async () => {
    const huge = JSON.stringify({ course: { id: 'big', title: 'x'.repeat(2 * 1024 * 1024) } });
    const answer = await t.admin('POST', '/api/apply', huge, { 'content-type': 'application/json' });
    expect(answer.status).toBe(413);
  });

  it('an unsupported content type gets 415', async () => {
    const answer = await t.admin('POST', '/api/apply', '<course/>', { 'content-type': 'application/xml' });
    expect(answer.status).toBe(415);
  });

  it('a course file with bad values is refused with the field named', async () => {
    const answer = await t.admin('POST', '/api/apply', { course: { id: 'Bad Id!', title: 'x' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/course\/id|pattern/);
  });

  it('grader limits out of range are refused with the allowed range', async () => {
    const answer = await t.as(tokens.alice)('POST', '/api/courses/cs101/assignments/hw1/parts/p1/graders', { imageId, memoryMiB: 64 });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/1024/);
    expect(answer.body.error.message).toMatch(/4096/);
  });

  it('an image whose digest differs from the header is refused and nothing is kept', async () => {
    const bytes = await readFile(testImage('echo-busybox'));
    const answer = await t.as(tokens.alice)('POST', '/api/courses/cs101/images', bytes, {
      'content-type': 'application/x-tar',
      'x-content-sha256': '0'.repeat(64),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/digest|sha256/i);
  });

  it('an image whose layer climbs out of the root is refused at upload, as the web page refuses it', async () => {
    const box = await makeSandbox();
    try {
      const bytes = await readFile(await makeImage(box.dir, [[dir('etc/'), file('../../outside/evil', 'x')]]));
      const answer = await t.as(tokens.alice)('POST', '/api/courses/cs101/images', bytes, {
        'content-type': 'application/x-tar',
        'x-content-sha256': createHash('sha256').update(bytes).digest('hex'),
      });
      expect([answer.status, answer.body.error.code]).toEqual([400, 'invalid-input']);
      expect(answer.body.error.message).toContain('entry "../../outside/evil" has a ".." component and could escape the root');
      await box.assertOutsideUntouched();
    } finally {
      await box.cleanup();
    }
  });

  it('an image upload without the digest header is refused', async () => {
    const answer = await t.as(tokens.alice)('POST', '/api/courses/cs101/images', new Uint8Array(10), { 'content-type': 'application/x-tar' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/X-Content-SHA256/);
  });

  it('a body that is no image is refused with 400', async () => {
    const junk = new TextEncoder().encode('not a tarball at all');
    const answer = await t.as(tokens.alice)('POST', '/api/courses/cs101/images', junk, {
      'content-type': 'application/x-tar',
      'x-content-sha256': createHash('sha256').update(junk).digest('hex'),
    });
    expect(answer.status).toBe(400);
  });

  it('a submission that is not multipart is refused with 4xx', async () => {
    const answer = await t.as(tokens.sam)('POST', '/api/courses/cs101/assignments/hw1/submissions', { files: [] });
    expect([400, 415]).toContain(answer.status);
  });

  it('a zip-slip archive is refused with 400 and a clear message', async () => {
    const form = new FormData();
    form.append('archive', new Blob([buildZip([{ name: '../../etc/evil', data: 'x' }])]), 'sub.zip');
    const answer = await t.as(tokens.sam)('POST', '/api/courses/cs101/assignments/hw1/submissions', form);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/\.\./);
  });

  it('an unknown form field is refused', async () => {
    const form = submissionForm({ 'a.txt': 'x' });
    form.append('evil', 'yes');
    const answer = await t.as(tokens.sam)('POST', '/api/courses/cs101/assignments/hw1/submissions', form);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/evil/);
  });

  it('a submission to an assignment that does not exist gets 404', async () => {
    const answer = await t.as(tokens.sam)('POST', '/api/courses/cs101/assignments/nope/submissions', submissionForm({ 'a.txt': 'x' }));
    expect(answer.status).toBe(404);
  });

  it('a file part named with .. is refused with 400 and nothing stored', async () => {
    const answer = await t.as(tokens.sam)('POST', '/api/courses/cs101/assignments/hw1/submissions', submissionForm({ '../escape.txt': 'x' }));
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/\.\./);
  });

  it('path parameters that are no slugs are refused', async () => {
    const answer = await t.admin('GET', '/api/courses/..%2F..%2Fetc');
    expect(answer.status).toBe(400);
  });
});
