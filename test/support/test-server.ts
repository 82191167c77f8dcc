/**
 * A real grading service for tests: `startServer` on a fresh temporary data directory, listening
 * on a free port, with a fetch-based client per token. `close()` stops it and deletes the folder.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/start-server.ts';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** The body of an error answer (docs/api.md "Errors"); the default body type of a call. */
export interface ErrorAnswerBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export type ApiCall = <T = ErrorAnswerBody>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer<T>>;

export interface TestServer {
  url: string;
  dataDir: string;
  server: RunningServer;
  adminToken: string;
  /** Calls the API with a token (or none); JSON bodies are encoded, FormData and bytes sent as they are. */
  as(token: string | undefined): ApiCall;
  admin: ApiCall;
  /** Makes a user in the course (apply) and returns a token with the given scopes. */
  tokenFor(login: string, scopes?: string[]): Promise<string>;
  /** Uploads a grader image tarball into a course; returns its image id. */
  uploadImage(token: string, course: string, tarPath: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<ServeOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gradebox-server-')));
  const server = await startServer({ port: 0, workers: 0, version: 'test', ...options, dataDir });
  const adminToken = server.adminToken?.token;
  if (adminToken === undefined) throw new Error('a fresh data directory gave no admin token');
  const as = (token: string | undefined): ApiCall => async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } };
    if (body instanceof FormData || body instanceof Uint8Array || typeof body === 'string') init.body = body as NonNullable<RequestInit['body']>;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(server.url + path, init);
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
    return { status: response.status, body: parsed as never, headers: response.headers };
  };
  const admin = as(adminToken);
  return {
    url: server.url,
    dataDir,
    server,
    adminToken,
    as,
    admin,
    async tokenFor(login, scopes = ['read', 'submit']) {
      const issued = await admin<{ token: string }>('POST', `/api/users/${login}/tokens`, { name: 'test', scopes });
      if (issued.status !== 201) throw new Error(`token for ${login}: ${issued.status} ${JSON.stringify(issued.body)}`);
      return issued.body.token;
    },
    async uploadImage(token, course, tarPath) {
      const bytes = await readFile(tarPath);
      const answer = await as(token)<{ imageId: string }>('POST', `/api/courses/${course}/images`, bytes, {
        'content-type': 'application/x-tar',
        'x-content-sha256': createHash('sha256').update(bytes).digest('hex'),
      });
      if (answer.status !== 201) throw new Error(`image upload: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.imageId;
    },
    async close() {
      await server.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
