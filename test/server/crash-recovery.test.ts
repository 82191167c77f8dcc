/**
 * The real `gradebox serve` process killed with SIGKILL in the middle of a grading: nothing
 * submitted is lost, and the job runs again and completes after a restart on the same data
 * directory, with no sandbox state or half-received upload left behind. Also: a second server on a busy data directory
 * is refused, and SIGTERM stops the server cleanly.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import { snapshotLeftovers } from '../support/leftovers.ts';
import { assertBuildIsFresh, cliEnv, runCli } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

let home: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertBuildIsFresh();
  home = await mkdtemp(join(tmpdir(), 'gradebox-crash-'));
  dataDir = join(home, 'data');
  env = cliEnv({ GRADEBOX_HOME: home, XDG_CONFIG_HOME: join(home, 'config') });
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Starts `gradebox serve --json` on the test's data directory. */
function serve(): Promise<ServedCli> {
  return startServeCli(['--data', dataDir, '--port', '0', '--workers', '1'], { env, timeoutMs: 120_000 });
}

async function call<T = unknown>(url: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } };
  if (body instanceof FormData || body instanceof Uint8Array) init.body = body as NonNullable<RequestInit['body']>;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(url + path, init);
  const text = await response.text();
  return { status: response.status, body: (text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T };
}

describe('gradebox serve under SIGKILL', () => {
  it('loses no submission and completes the job after a restart', async () => {
    const first = await serve();
    const admin = first.adminToken!;
    expect(admin).toMatch(/^gbx_/);
    const course = {
      course: { id: 'crash', title: 'Crash' },
      assignments: [{ id: 'a', title: 'A', parts: [{ id: 'main', points: 1 }] }],
    };
    expect((await call(first.url, admin, 'POST', '/api/apply', course)).status).toBe(200);
    const bytes = await readFile(testImage('run-submission'));
    const image = await call<{ imageId: string }>(first.url, admin, 'POST', '/api/courses/crash/images', bytes, {
      'content-type': 'application/x-tar',
      'x-content-sha256': createHash('sha256').update(bytes).digest('hex'),
    });
    expect(image.status).toBe(201);
    expect((await call(first.url, admin, 'POST', '/api/courses/crash/assignments/a/parts/main/graders', { imageId: image.body.imageId, timeoutSeconds: 60 })).status).toBe(201);
    expect((await call(first.url, admin, 'POST', '/api/courses/crash/assignments/a/publish')).status).toBe(200);

    const form = new FormData();
    // Slow enough to be caught running; a marker file proves the second run started afresh.
    form.append('file', new Blob(['sleep 4\nexit 0\n']), 'main.sh');
    form.append('kind', 'author-test');
    const submitted = await call<{ id: string; parts: Array<{ job: { id: string } }> }>(first.url, admin, 'POST', '/api/courses/crash/assignments/a/submissions', form);
    expect(submitted.status).toBe(201);
    const jobId = submitted.body.parts[0]!.job.id;

    // Wait until the grader runs, then kill the whole server without warning.
    for (let i = 0; ; i++) {
      const job = await call<{ phase: string }>(first.url, admin, 'GET', `/api/jobs/${jobId}`);
      if (job.body.phase === 'running') break;
      if (i > 200) throw new Error(`job never reached running: ${JSON.stringify(job.body)}`);
      await sleep(50);
    }
    first.cli.child.kill('SIGKILL');
    await first.cli.done;
    // An upload the killed server was receiving: staged, never recorded.
    const halfUpload = join(dataDir, 'submissions', 'tmp', `intake-${first.cli.child.pid}-0123456789ab`);
    await mkdir(halfUpload, { recursive: true });
    await writeFile(join(halfUpload, 'f1'), 'partial');

    const second = await serve();
    expect(second.adminToken).toBeNull(); // the admin exists already: no second bootstrap
    expect(existsSync(halfUpload)).toBe(false);
    let job: { phase: string; attempts: number } | undefined;
    for (let i = 0; i < 600; i++) {
      job = (await call<{ phase: string; attempts: number }>(second.url, admin, 'GET', `/api/jobs/${jobId}`)).body;
      if (job.phase === 'done') break;
      await sleep(100);
    }
    expect(job?.phase).toBe('done');
    expect(job?.attempts).toBeGreaterThanOrEqual(2);
    const submission = await call<{ status: string; parts: Array<{ result: { status: string; score: number } }> }>(second.url, admin, 'GET', `/api/submissions/${submitted.body.id}`);
    expect(submission.body.status).toBe('graded');
    expect(submission.body.parts[0]?.result).toMatchObject({ status: 'graded', score: 1 });

    // A second server on the same data directory is refused while the first runs.
    const busy = await runCli(['serve', '--data', dataDir, '--port', '0'], { env });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/another gradebox server \(pid \d+\) is using/);

    second.cli.child.kill('SIGTERM');
    const ended = await second.cli.done;
    expect(ended.code).toBe(0);
    const stateDir = join(dataDir, 'sandbox');
    expect(await snapshotLeftovers({ stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs'] })).toEqual([]);
  }, 120_000);
});
