/**
 * What the student pages cost on a big course, and how soon a waiting student sees a result.
 * A real SQLite file seeded with STUDENTS students × ASSIGNMENTS assignments of 3 parts (every
 * student submitted each once, each part graded: bench/seed-course.ts), served in this process by
 * the real app (API and pages), no worker: the bench stores results itself, as a worker of this
 * process would (the same grading store, so waiting pages hear of it the same way).
 *
 *   pages        for SAMPLE students signed in with a browser session, each round: `/` (their
 *                courses), `/courses/cs101` (20 assignments with late rule, completion and grade
 *                each), an assignment page (attempts and grade derivation), their submission's
 *                page (feedback of 3 parts × 10 tests, files); baselines side by side: `/api/health`
 *                (the server's floor) and `GET /api/submissions/:id` (the same submission as JSON)
 *   result       a student's new submission open in chromium (the live status over server-sent
 *                events) and, side by side, the API's event stream of it; the bench stores the
 *                three parts' results and times from the last store to "Graded" shown in the
 *                page (a MutationObserver in the page) and to the API's event
 *
 * Targets (issue 14): every student page under 50 ms; a stored result visible within 200 ms.
 * Usage (after `npx tsc -p tsconfig.json`): node bench/web-pages.bench.ts [--students 1000] [--assignments 20] [--runs 30] [--sample 10] [--trials 10]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { GradeResult } from '../src/grader/grade-result.ts';
import { SEED_PARTS, seedCourse, seededLogin, seededResultJson } from './seed-course.ts';
import { fmt, median, percentile } from './stats.ts';

/**
 * The server's modules as built (dist/): node runs no .tsx, and the pages are .tsx. Everything the
 * app touches comes from dist/ so that classes (errors, events) are the app's own.
 */
async function fromDist<T>(path: string): Promise<T> {
  return (await import(new URL(`../dist/${path}`, import.meta.url).href)) as T;
}
const { openDatabase } = await fromDist<typeof import('../src/db/database.ts')>('db/database.js');
const { encodeResult } = await fromDist<typeof import('../src/grader/stored-result.ts')>('grader/stored-result.js');
const { BlobStore } = await fromDist<typeof import('../src/image/blob-store.ts')>('image/blob-store.js');
const { ImageStore } = await fromDist<typeof import('../src/image/image-store.ts')>('image/image-store.js');
const { resolveIntakeLimits } = await fromDist<typeof import('../src/intake/intake-limits.ts')>('intake/intake-limits.js');
const { createGradingStore } = await fromDist<typeof import('../src/platform/grading-store.ts')>('platform/grading-store.js');
const { createPlatform } = await fromDist<typeof import('../src/platform/create-platform.ts')>('platform/create-platform.js');
const { SubmissionEvents } = await fromDist<typeof import('../src/platform/submission-events.ts')>('platform/submission-events.js');
const { SqlJobQueue } = await fromDist<typeof import('../src/queue/sql/sql-job-queue.ts')>('queue/sql/sql-job-queue.js');
const { buildApp } = await fromDist<typeof import('../src/server/app.ts')>('server/app.js');
const { dataDirLayout } = await fromDist<typeof import('../src/server/data-dir.ts')>('server/data-dir.js');
const { resolveTrafficLimits } = await fromDist<typeof import('../src/server/traffic/traffic-limits.ts')>('server/traffic/traffic-limits.js');
const { sessionCookieName } = await fromDist<typeof import('../src/server/web/web-session.ts')>('server/web/web-session.js');

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const STUDENTS = Number(option('--students', '1000'));
const ASSIGNMENTS = Number(option('--assignments', '20'));
const RUNS = Number(option('--runs', '30'));
const SAMPLE = Number(option('--sample', '10'));
const TRIALS = Number(option('--trials', '10'));
const COURSE = 'cs101';
const PASSWORD = 'bench passphrase';

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'gradebox-web-bench-'));
  const dir = dataDirLayout(root);
  const database = await openDatabase(dir.database);
  const { db } = database;
  const queue = new SqlJobQueue(db);
  const events = new SubmissionEvents();
  const platform = createPlatform({ db, queue, events });
  const issued = await platform.bootstrapAdmin();
  const admin = await platform.authenticate(issued!.token);
  const seeding = performance.now();
  await seedCourse(db, { course: COURSE, students: STUDENTS, assignments: ASSIGNMENTS, latePolicy: { kind: 'steps', steps: [{ afterSeconds: 3600, factor: 0.8 }] } });
  console.log(`seeded ${STUDENTS} students × ${ASSIGNMENTS} assignments × ${SEED_PARTS.length} parts in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  const app = await buildApp({
    platform, events, blobs: new BlobStore(dir.blobs), images: new ImageStore(dir.images), intakeLimits: resolveIntakeLimits(),
    maxImageBytes: 1024 ** 3, version: 'bench', logger: false, traffic: resolveTrafficLimits(),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const store = createGradingStore({ db, events, queue });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    // Students spread over the course; each with a browser session and an API token.
    const students = await Promise.all(Array.from({ length: SAMPLE }, async (_, i) => {
      const login = seededLogin(Math.floor((i * STUDENTS) / SAMPLE));
      await platform.setPassword(admin, login, PASSWORD);
      const session = await platform.signIn(login, PASSWORD);
      const token = await platform.issueToken(admin, { login, name: 'bench', scopes: ['read', 'submit'] });
      return { login, cookie: `${sessionCookieName(false)}=${session.sessionId}`, token: token.token };
    }));
    const assignment = `hw${Math.ceil(ASSIGNMENTS / 2)}`;
    type Student = (typeof students)[number];
    const methods: Record<string, (s: Student) => [string, Record<string, string>]> = {
      'page /': (s) => ['/', { cookie: s.cookie }],
      'page course': (s) => [`/courses/${COURSE}`, { cookie: s.cookie }],
      'page assignment': (s) => [`/courses/${COURSE}/assignments/${assignment}`, { cookie: s.cookie }],
      'page submission': (s) => [`/submissions/sub_${assignment}_${s.login}`, { cookie: s.cookie }],
      'api health': () => ['/api/health', {}],
      'api submission': (s) => [`/api/submissions/sub_${assignment}_${s.login}`, { authorization: `Bearer ${s.token}` }],
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(methods).map((m) => [m, []]));
    const bytes: Record<string, number> = {};
    const fetchOne = async (name: string, student: Student): Promise<number> => {
      const [path, headers] = methods[name]!(student);
      const started = performance.now();
      const response = await fetch(url + path, { headers, redirect: 'manual' });
      const body = await response.arrayBuffer();
      const ms = performance.now() - started;
      if (response.status !== 200) throw new Error(`${name} ${path}: HTTP ${response.status}`);
      bytes[name] = body.byteLength;
      return ms;
    };
    for (const student of students) for (const name of Object.keys(methods)) await fetchOne(name, student); // warm-up
    for (let run = 0; run < RUNS; run++) {
      const student = students[run % students.length]!;
      for (const name of Object.keys(methods)) samples[name]!.push(await fetchOne(name, student));
    }
    const floor = median(samples['api health']!);
    console.log(`\n${RUNS} requests each, one at a time (assignment ${assignment})`);
    console.log('method              median ms   p90 ms   KiB    − health');
    for (const [name, values] of Object.entries(samples)) {
      const m = median(values);
      console.log(`${name.padEnd(18)} ${fmt(m).padStart(9)} ${fmt(percentile(values, 90)).padStart(8)} ${(bytes[name]! / 1024).toFixed(1).padStart(6)} ${fmt(m - floor).padStart(9)}`);
    }
    const worst = Math.max(...Object.entries(samples).filter(([n]) => n.startsWith('page')).map(([, v]) => median(v)));
    console.log(`slowest student page / api submission JSON: ${(worst / median(samples['api submission']!)).toFixed(2)}× (target: every page < 50 ms: ${worst < 50 ? 'met' : 'NOT met'}, ${fmt(worst)} ms)`);

    // A stored result reaching a waiting student's page.
    const pageMs: number[] = [];
    const apiMs: number[] = [];
    const storeMs: number[] = [];
    const result = encodeResult(JSON.parse(seededResultJson(0.7)) as GradeResult);
    for (let trial = 0; trial < TRIALS; trial++) {
      const student = students[trial % students.length]!;
      const form = new FormData();
      form.append('file', new Blob([`answer ${trial}\n`]), 'answer.txt');
      const submitted = await fetch(`${url}/api/courses/${COURSE}/assignments/${assignment}/submissions`, { method: 'POST', headers: { authorization: `Bearer ${student.token}` }, body: form });
      if (submitted.status !== 201 && submitted.status !== 202) throw new Error(`submit: HTTP ${submitted.status} ${await submitted.text()}`);
      const { id } = (await submitted.json()) as { id: string };
      const context = await browser.newContext();
      await context.addCookies([{ name: sessionCookieName(false), value: student.cookie.split('=')[1]!, url }]);
      const page = await context.newPage();
      await page.goto(`${url}/submissions/${id}`);
      // The moment "Graded" appears in the status, by the page's own clock (the same machine's).
      await page.evaluate(`(() => {
        const status = document.getElementById('status');
        new MutationObserver(() => { if (!window.gradedAt && /Graded/.test(document.getElementById('status').textContent)) window.gradedAt = Date.now(); })
          .observe(document.body, { subtree: true, childList: true, characterData: true });
      })()`);
      const apiEvents = await fetch(`${url}/api/submissions/${id}/events`, { headers: { authorization: `Bearer ${student.token}`, accept: 'text/event-stream' } });
      const reader: ReadableStreamDefaultReader<Uint8Array> = apiEvents.body!.getReader();
      // Both listening before the results come: the page's stream and the API's.
      for (let i = 0; i < 200 && events.listenerCount(id) < 2; i++) await new Promise((r) => setTimeout(r, 10));
      if (events.listenerCount(id) < 2) throw new Error(`the page and the API client did not both subscribe to ${id}`);
      const jobs = await db.selectFrom('grading_jobs').select('id').where('submission_id', '=', id).orderBy('part_id').execute();
      for (const job of jobs.slice(0, -1)) await store.saveResult(job.id, result);
      let apiAt = 0;
      const apiDone = (async () => {
        const decoder = new TextDecoder();
        let text = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += decoder.decode(value);
          if (/"status":"graded"/.test(text.split('\n\n').slice(-2).join(''))) {
            apiAt = Date.now();
            return;
          }
        }
      })();
      const storedAt = Date.now();
      const before = performance.now();
      await store.saveResult(jobs.at(-1)!.id, result);
      storeMs.push(performance.now() - before);
      await page.waitForFunction('window.gradedAt', undefined, { timeout: 10_000 });
      const gradedAt = await page.evaluate<number>('window.gradedAt');
      await Promise.race([apiDone, new Promise((r) => setTimeout(r, 5000))]);
      await reader.cancel();
      pageMs.push(gradedAt - storedAt);
      if (apiAt > 0) apiMs.push(apiAt - storedAt);
      await context.close();
    }
    console.log(`\nresult visible, ${TRIALS} trials (ms from the last part's result being stored)`);
    console.log(`store itself        median ${fmt(median(storeMs))}  p90 ${fmt(percentile(storeMs, 90))}`);
    console.log(`API event stream    median ${fmt(median(apiMs))}  p90 ${fmt(percentile(apiMs, 90))}`);
    console.log(`page shows "Graded" median ${fmt(median(pageMs))}  p90 ${fmt(percentile(pageMs, 90))}  max ${fmt(Math.max(...pageMs))}`);
    console.log(`page / API stream: ${(median(pageMs) / median(apiMs)).toFixed(2)}× (target: within 200 ms: ${Math.max(...pageMs) <= 200 ? 'met' : 'NOT met'})`);
  } finally {
    await browser.close();
    await app.close();
    await database.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
