/** The HTTP client: headers, JSON, error bodies, unreachable servers, streamed uploads. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, parseRetryAfter } from '../../src/client/api-client.ts';
import { ApiError, isRetryable, ServerUnreachable } from '../../src/client/client-errors.ts';
import { json, ScriptedServer } from './scripted-server.ts';

let server: ScriptedServer;
let client: ApiClient;
beforeAll(async () => {
  server = await ScriptedServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  client = new ApiClient({ server: server.url, token: 'gbx_test', userAgent: 'gradebox-cli/9.9.9 (test)' });
});

const errorOf = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => expect.fail('expected a failure'), (e: unknown) => e);

describe('requests', () => {
  it('sends the bearer token, the user agent and JSON; encodes path segments', async () => {
    server.on('POST', '/api/apply', (_req, res) => json(res, 200, { changes: [] }));
    server.on('GET', '/api/courses/a%2Fb/assignments', (_req, res) => json(res, 200, { assignments: [] }));
    expect(await client.apply({ course: { id: 'c', title: 'C' } }, { dryRun: true, prune: false })).toEqual([]);
    expect(await client.assignments('a/b')).toEqual([]);
    const [apply] = server.requests;
    expect(apply?.url).toBe('/api/apply?dryRun=true&prune=false');
    expect(apply?.headers).toMatchObject({ authorization: 'Bearer gbx_test', 'user-agent': 'gradebox-cli/9.9.9 (test)', 'content-type': 'application/json', accept: 'application/json' });
    expect(JSON.parse(apply?.body.toString() ?? '')).toEqual({ course: { id: 'c', title: 'C' } });
  });

  it('streams an image with its length and sha256, never more than asked', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const sha256 = createHash('sha256').update(data).digest('hex');
    server.on('POST', '/api/courses/cs1/images', (_req, res, body) => json(res, 201, { imageId: 'sha256:x', archiveDigest: `sha256:${createHash('sha256').update(body).digest('hex')}`, size: body.length }));
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
    }
    const uploaded = await client.uploadImage('cs1', { stream: Readable.from(chunks()), size: data.length, sha256 });
    expect(uploaded).toEqual({ imageId: 'sha256:x', archiveDigest: `sha256:${sha256}`, size: data.length });
    expect(server.requests[0]?.headers).toMatchObject({ 'content-type': 'application/x-tar', 'content-length': String(data.length), 'x-content-sha256': sha256 });
    expect(server.requests[0]?.headers['transfer-encoding']).toBeUndefined();
  });
});

describe('accounts', () => {
  it('users, tokens: paths, JSON bodies; revoking reads the empty 204', async () => {
    const user = { login: 'ada', displayName: 'Ada', isAdmin: false, createdAt: '2026-01-01T00:00:00.000Z' };
    const token = { id: 'tok_1', login: 'a.b', name: 'laptop', scopes: ['read'], createdAt: user.createdAt, expiresAt: null, lastUsedAt: null, revokedAt: null, parentId: null };
    server.on('GET', '/api/users', (_req, res) => json(res, 200, { users: [user] }));
    server.on('POST', '/api/users', (_req, res) => json(res, 201, user));
    server.on('POST', '/api/users/a.b/tokens', (_req, res) => json(res, 201, { ...token, token: 'gbx_new' }));
    server.on('GET', '/api/users/a.b/tokens', (_req, res) => json(res, 200, { tokens: [token] }));
    server.on('DELETE', '/api/tokens/tok_1', (_req, res) => res.writeHead(204).end());
    server.on('DELETE', '/api/users/a.b/tokens', (_req, res) => json(res, 200, { login: 'a.b', revoked: 2 }));
    expect(await client.users()).toEqual([user]);
    expect(await client.createUser({ login: 'ada', displayName: 'Ada' })).toEqual(user);
    expect(await client.issueToken('a.b', { name: 'laptop', scopes: ['read'], expiresInDays: 7 })).toMatchObject({ id: 'tok_1', token: 'gbx_new' });
    expect(await client.tokens('a.b')).toEqual([token]);
    await client.revokeToken('tok_1');
    expect(await client.revokeUserTokens('a.b')).toEqual({ login: 'a.b', revoked: 2 });
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body.toString()}`)).toEqual([
      'GET /api/users ',
      'POST /api/users {"login":"ada","displayName":"Ada"}',
      'POST /api/users/a.b/tokens {"name":"laptop","scopes":["read"],"expiresInDays":7}',
      'GET /api/users/a.b/tokens ',
      'DELETE /api/tokens/tok_1 ',
      'DELETE /api/users/a.b/tokens ',
    ]);
  });

  it('revoking a token that is not there is an ApiError (404)', async () => {
    expect(await errorOf(client.revokeToken('tok_nope'))).toMatchObject({ status: 404, code: 'not-found' });
  });
});

describe('errors', () => {
  it("gradebox's error body becomes ApiError: status, code, message, details, Retry-After, server", async () => {
    server.on('GET', '/api/limits', (_req, res) => json(res, 503, { error: { code: 'unavailable', message: 'shutting down', details: { why: 'drain' } } }, { 'retry-after': '30' }));
    const error = await errorOf(client.limits());
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, code: 'unavailable', message: 'shutting down', details: { why: 'drain' }, retryAfterSeconds: 30, server: server.url, retryable: true });
    server.on('GET', '/api/whoami', (_req, res) => json(res, 404, { error: { code: 'not-found', message: 'no such thing' } }));
    expect(await errorOf(client.whoami())).toMatchObject({ status: 404, code: 'not-found', retryable: false });
  });

  it("another server's page (a proxy's 502 HTML) is summarised, and retryable", async () => {
    server.on('GET', '/api/courses', (_req, res) => res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>'));
    const error = await errorOf(client.courses());
    expect(error).toMatchObject({ status: 502, code: 'http-502', message: `the server at ${server.url} answered 502 Bad Gateway: 502 Bad Gateway nginx` });
    expect(isRetryable(error)).toBe(true);
  });

  it('a 200 that is not JSON: not a gradebox server', async () => {
    server.on('GET', '/api/whoami', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>welcome</html>'));
    expect(await errorOf(client.whoami())).toMatchObject({ code: 'bad-response', message: expect.stringMatching(/is it a gradebox server\?$/) as string });
  });

  it('no answer: connection refused, or closed before the answer, is ServerUnreachable and retryable', async () => {
    const gone = await ScriptedServer.start();
    await gone.close();
    const refused = await errorOf(new ApiClient({ server: gone.url, userAgent: 'x' }).health());
    expect(refused).toBeInstanceOf(ServerUnreachable);
    expect(refused).toMatchObject({ retryable: true, message: `cannot reach the gradebox server at ${gone.url}: connection refused (is the server running, and is the port right?)` });
    server.on('GET', '/api/health', (req) => req.socket.destroy());
    expect(await errorOf(client.health())).toMatchObject({ name: 'ServerUnreachable', retryable: true });
  });

  it('a connection cut in the middle of a JSON body is ServerUnreachable', async () => {
    server.on('GET', '/api/courses', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"courses": [');
      setTimeout(() => res.destroy(), 20);
    });
    expect(await errorOf(client.courses())).toBeInstanceOf(ServerUnreachable);
  });

  it('an aborted request throws the abort reason, not a network error', async () => {
    const controller = new AbortController();
    server.on('GET', '/api/whoami', () => controller.abort(new Error('stop')));
    const aborting = new ApiClient({ server: server.url, userAgent: 'x', signal: controller.signal });
    expect(await errorOf(aborting.whoami())).toEqual(new Error('stop'));
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
