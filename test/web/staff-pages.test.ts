/**
 * The staff view of a submission's page and the queue dashboard over real HTTP against a real
 * server (SQLite data directory, no workers): results are stored through the grading store on the
 * server's own database, so hostile grader output and file names are exact. Who sees what (staff,
 * the student, a classmate, an administrator), escaping, and the downloads.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../src/db/database.ts';
import { encodeResult } from '../../src/grader/stored-result.ts';
import { createGradingStore } from '../../src/platform/grading-store.ts';
import { SubmissionEvents } from '../../src/platform/submission-events.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { SHOWN_OUTPUT_CHARS } from '../../src/server/web/staff-result.tsx';
import { gradeResult } from '../platform/helpers.ts';
import { testImage } from '../support/test-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { WebClient } from './web-client.ts';

let t: TestServer;
let database: OpenedDatabase;
const PASSWORD = 'a long enough passphrase';
const HOSTILE_NAME = 'evil<img src=x onerror=alert(1)>.py';
const HOSTILE_SOURCE = '<script>alert("src")</script>\n\u001b[31mred\u001b[0m\n';
const LONG_STDOUT = `<script>alert("out")</script>\u001b[32mgreen\u001b[0m\n${'x'.repeat(SHOWN_OUTPUT_CHARS + 5000)}THE-END`;
let graded: { id: string; job: string };
let failed: { id: string; job: string };
const clients: Record<string, WebClient> = {};

const COURSE = {
  course: { id: 'cs101', title: 'Intro' },
  members: [
    { login: 'ines', displayName: 'Ines <Instructor>', role: 'instructor' },
    { login: 'tara', role: 'ta' },
    { login: 'sam', displayName: 'Sam <b>Student</b>', role: 'student' },
    { login: 'sue', role: 'student' },
  ],
  assignments: [{ id: 'hw1', title: 'Homework 1', deadline: '2030-01-01T00:00:00Z', parts: [{ id: 'p1', points: 10 }] }],
};

async function submit(token: string, files: Record<string, string>): Promise<{ id: string; job: string }> {
  const form = new FormData();
  for (const [path, content] of Object.entries(files)) form.append('file', new Blob([content]), path);
  const answer = await t.as(token)<{ id: string }>('POST', '/api/courses/cs101/assignments/hw1/submissions', form);
  expect(answer.status).toBe(201);
  const job = await database.db.selectFrom('grading_jobs').select('id').where('submission_id', '=', answer.body.id).executeTakeFirstOrThrow();
  return { id: answer.body.id, job: job.id };
}

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  const ines = await t.tokenFor('ines', ['read', 'submit', 'author']);
  const imageId = await t.uploadImage(ines, 'cs101', testImage('coursera-sh'));
  expect((await t.as(ines)('POST', '/api/courses/cs101/assignments/hw1/parts/p1/graders', { imageId })).status).toBe(201);
  expect((await t.as(ines)('POST', '/api/courses/cs101/assignments/hw1/publish')).status).toBe(200);
  for (const login of ['ines', 'tara', 'sam', 'sue', 'admin']) expect((await t.admin('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);

  // The server's own database, a second connection: the grading store records what a worker would.
  database = await openDatabase(join(t.dataDir, 'gradebox.db'));
  const store = createGradingStore({ db: database.db, queue: new SqlJobQueue(database.db), events: new SubmissionEvents() });
  const sam = await t.tokenFor('sam', ['read', 'submit']);
  graded = await submit(sam, { [HOSTILE_NAME]: HOSTILE_SOURCE });
  for (const phase of ['preparing', 'running', 'reporting'] as const) await store.setPhase(graded.job, phase);
  const out = (text: string) => ({ text, bytes: Buffer.byteLength(text), truncated: false });
  await store.saveResult(
    graded.job,
    encodeResult(
      gradeResult({
        tests: [
          { name: 'shown test', score: 1, maxScore: 1, status: 'passed', output: 'ok', outputFormat: 'text', visibility: 'visible' },
          { name: 'secret <test>', score: 0, maxScore: 1, status: 'failed', output: 'expected 42', outputFormat: 'text', visibility: 'hidden' },
        ],
        output: { stdout: out(LONG_STDOUT), stderr: out('trace <b>back</b>'), visibleToStudents: false },
      }),
    ),
  );
  failed = await submit(sam, { 'b.py': 'print(1)\n' });
  await store.setPhase(failed.job, 'preparing');
  await store.saveResult(failed.job, encodeResult(gradeResult({ status: 'grader-error', score: null, errors: ['results.json: <b>score</b> is missing'] })));

  for (const login of ['ines', 'tara', 'sam', 'sue', 'admin']) {
    clients[login] = new WebClient(t.url);
    expect((await clients[login].signIn(login, PASSWORD)).status).toBe(303);
  }
}, 60_000);

afterAll(async () => {
  await database?.close();
  await t?.close();
});

/** Reads server-sent events from `client`'s stream of `path` until `until` matches their text (or `ms` pass); aborts. */
async function readEvents(client: WebClient, path: string, until: RegExp, ms = 20_000): Promise<string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  let text = '';
  try {
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const stream = await fetch(`${t.url}${path}`, { headers: { cookie }, signal: abort.signal });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    while (!until.test(text)) {
      const { value, done } = (await reader.read()) as { value: Uint8Array | undefined; done: boolean };
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return text;
}

describe('a submission, as staff see it', () => {
  it('keeps the jobs live while grading: the stream sends them beside the status, to staff only', async () => {
    const sam = await t.tokenFor('sam', ['read', 'submit']);
    const waiting = await submit(sam, { 'c.py': 'print(2)\n' });
    const path = `/submissions/${waiting.id}/live`;
    const page = await clients.ines!.get(`/submissions/${waiting.id}`);
    expect(page.text).toContain('<section id="staff-jobs"');
    expect(page.text).toContain('This updates by itself while the submission is being graded.');
    const first = await readEvents(clients.ines!, path, /\n\n/);
    expect(first).toMatch(/^event: status\n/);
    expect(first).toContain('id="staff-jobs" aria-labelledby="jobs-heading" hx-swap-oob="true"');
    expect(first).toContain(waiting.job);
    expect(first).not.toContain('claimed, preparing');
    // The student's own stream: the status only.
    const own = await readEvents(clients.sam!, path, /\n\n/);
    expect(own).toMatch(/^event: status\n/);
    expect(own).not.toContain('staff-jobs');
    // A worker claims the job: the next event has its new phase (found by polling, as from another server).
    const store = createGradingStore({ db: database.db, queue: new SqlJobQueue(database.db), events: new SubmissionEvents() });
    const later = readEvents(clients.ines!, path, /claimed, preparing[\s\S]*\n\n/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.setPhase(waiting.job, 'preparing');
    expect(await later).toMatch(/event: status\ndata: [\s\S]*id="staff-jobs"[\s\S]*claimed, preparing/);
  }, 30_000);

  it('shows whose it is, every job with its phases, the whole result escaped and the command', async () => {
    const page = await clients.tara!.get(`/submissions/${graded.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('For staff');
    // Text is escaped (`<` as `&lt;`: no tag can open).
    expect(page.text).toContain('Sam &lt;b>Student&lt;/b>');
    expect(page.text).toContain(`<code>sam</code>`);
    expect(page.text).toContain(graded.job);
    for (const phase of ['queued', 'claimed, preparing', 'running', 'saving the result', 'finished']) expect(page.text).toContain(phase);
    // Every test, the hidden one marked so, names escaped.
    expect(page.text).toContain('secret &lt;test>');
    expect(page.text).toContain('hidden: never');
    // Output escaped, colours as classes, cut with a download of the whole.
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('&lt;script&gt;alert(&quot;out&quot;)&lt;/script&gt;');
    expect(page.text).not.toContain('\u001b');
    expect(page.text).toContain('ansi-green-fg');
    expect(page.text).not.toContain('THE-END');
    expect(page.text).toContain(`/submissions/${graded.id}/jobs/${graded.job}/stdout`);
    expect(page.text).toContain('trace &lt;b&gt;back&lt;/b&gt;');
    // The command that runs it again, and the copy button's script.
    const version = (await database.db.selectFrom('grading_jobs').select('grader_version_id').where('id', '=', graded.job).executeTakeFirstOrThrow()).grader_version_id;
    expect(page.text).toContain(`gradebox grade remote ${graded.id} --part p1 --version ${version} --server ${t.url}`);
    expect(page.text).toMatch(/<script src="\/assets\/copy-command\.[0-9a-f]{12}\.js"/);
    // File names and contents escaped.
    expect(page.text).toContain('evil&lt;img src=x onerror=alert(1)>.py');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(');
    expect(page.text).toContain('\u241b[31mred\u241b[0m');
    expect(page.text).not.toMatch(/\sstyle=/);
  });

  it('leaves a Host header that is no plain host out of the command', async () => {
    const cookie = [...clients.ines!.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const html = await new Promise<string>((resolve, reject) => {
      const url = new URL(`${t.url}/submissions/${graded.id}`);
      const request = httpRequest(url, { headers: { cookie, host: 'x;touch${IFS}pwned' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      request.on('error', reject);
      request.end();
    });
    expect(html).toContain(`gradebox grade remote ${graded.id} --part p1 --version gv_`);
    expect(html).not.toContain('--server');
    expect(html).not.toContain('pwned');
  });

  it('serves the whole output and the archive as downloads', async () => {
    const stdout = await clients.ines!.get(`/submissions/${graded.id}/jobs/${graded.job}/stdout`);
    expect(stdout.status).toBe(200);
    expect(stdout.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(stdout.headers.get('content-disposition')).toBe(`attachment; filename="${graded.job}-stdout.txt"`);
    expect(stdout.text).toBe(LONG_STDOUT);
    const archive = await clients.ines!.get(`/submissions/${graded.id}/archive`);
    expect(archive.status).toBe(200);
    expect(archive.headers.get('content-type')).toBe('application/x-tar');
    expect(archive.text).toContain(HOSTILE_SOURCE.split('\n')[0]);
    // Its student may download their own files too (the API's rule).
    expect((await clients.sam!.get(`/submissions/${graded.id}/archive`)).status).toBe(200);
  });

  it('answers unknown jobs, streams and submissions with 404 pages', async () => {
    for (const path of [`/submissions/${graded.id}/jobs/job_nope/stdout`, `/submissions/${graded.id}/jobs/${graded.job}/passwords`, '/submissions/sub_nope', '/submissions/sub_nope/archive']) {
      const answer = await clients.ines!.get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers.get('content-type'), path).toMatch(/^text\/html/);
    }
  });

  it('shows students none of it on their own submission', async () => {
    const page = await clients.sam!.get(`/submissions/${graded.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('shown test');
    for (const secret of ['For staff', 'Grading jobs', 'secret', 'hidden: never', 'alert(&quot;out', 'trace', 'gradebox grade remote', 'copy-command', graded.job, '/archive']) {
      expect(page.text, secret).not.toContain(secret);
    }
    // Nor the staff-only downloads.
    expect((await clients.sam!.get(`/submissions/${graded.id}/jobs/${graded.job}/stdout`)).status).toBe(403);
  });

  it('refuses a classmate with 403 pages', async () => {
    for (const path of [`/submissions/${graded.id}`, `/submissions/${graded.id}/archive`, `/submissions/${graded.id}/jobs/${graded.job}/stdout`]) {
      const answer = await clients.sue!.get(path);
      expect(answer.status, path).toBe(403);
      expect(answer.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(answer.text).not.toContain('alert(');
    }
  });
});

describe('the queue dashboard', () => {
  it('shows a course its jobs by state and priority, timings and failures', async () => {
    const page = await clients.ines!.get('/courses/cs101/queue');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Jobs by state and priority');
    expect(page.text).toContain('How long jobs took');
    expect(page.text).toContain('Failed jobs');
    // The failure's cause escaped, with a link to its job on the submission's page.
    expect(page.text).toContain('results.json: &lt;b>score&lt;/b> is missing');
    expect(page.text).toContain(`href="/submissions/${failed.id}#job-${failed.job}"`);
    // Polling by htmx, a plain link without it; the course's staff navigation; no workers for course staff.
    expect(page.text).toContain('hx-trigger="every 5s"');
    expect(page.text).toContain('href="/courses/cs101/queue"');
    expect(page.text).toContain('aria-current="page"');
    expect(page.text).not.toContain('workers-heading');
  });

  it('shows administrators every course and the workers', async () => {
    const page = await clients.admin!.get('/queue');
    expect(page.status).toBe(200);
    expect(page.text).toContain('every course');
    expect(page.text).toContain('workers-heading');
    expect(page.text).toContain('href="/courses/cs101/queue"');
  });

  it('refuses students (403), other staff the all-courses page (403), and unknown courses (404)', async () => {
    for (const [login, path, status] of [
      ['sam', '/courses/cs101/queue', 403],
      ['sam', '/queue', 403],
      ['ines', '/queue', 403],
      ['ines', '/courses/nope/queue', 404],
      ['sue', '/courses/%3Cscript%3E/queue', 404],
    ] as const) {
      const answer = await clients[login]!.get(path);
      expect(answer.status, `${login} ${path}`).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.text).not.toContain('<script>');
    }
  });

  it('sends signed-out visitors to sign in', async () => {
    const answer = await new WebClient(t.url).get('/courses/cs101/queue');
    expect(answer.status).toBe(303);
  });
});
