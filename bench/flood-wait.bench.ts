/**
 * How long a student's trivial submission waits behind another student's flood (issue 11, item 6),
 * through the real `gradebox serve` in its own process on a fresh data folder (SQLite):
 *
 *   1. student `fay` submits FLOOD times a `main.sh` that sleeps SLEEP seconds (grader
 *      `run-submission`, 1 CPU each, WORKERS grading slots);
 *   2. right after, student `otto` submits `exit 0`;
 *   3. both wait over server-sent events until graded.
 *
 * Prints otto's wait (submit → graded, and submit → grader started) and how many of fay's jobs
 * started before his. Without fair scheduling his job waits for the whole flood (about
 * FLOOD / WORKERS × SLEEP seconds); with it, for the first grading slot to free up.
 * `--gradebox DIR` runs another checkout's `bin/gradebox.js` (built with `npx tsc -p tsconfig.json`),
 * e.g. the commit before fair scheduling, to compare side by side.
 * Usage: node bench/flood-wait.bench.ts [--flood 8] [--sleep 4] [--workers 2] [--gradebox DIR]
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTestImages } from '../scripts/build-test-images.ts';
import { removeLiveStateDir } from '../src/sandbox/oci/live-dir.ts';

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const FLOOD = Number(option('--flood', '8'));
const SLEEP = Number(option('--sleep', '4'));
const WORKERS = Number(option('--workers', '2'));
const GRADEBOX = resolve(option('--gradebox', join(import.meta.dirname, '..')));

interface StaffView {
  login: string;
  status: string;
  parts: Array<{ job: { phases: Record<string, string> } | null }>;
}

const images = await buildTestImages({ only: ['run-submission'] });
const tar = images['run-submission'];
if (!tar) throw new Error('run-submission test image missing');
const work = await mkdtemp(join(tmpdir(), 'gradebox-flood-bench-'));
const server = spawn(
  process.execPath,
  [join(GRADEBOX, 'bin', 'gradebox.js'), 'serve', '--data', join(work, 'server'), '--port', '0', '--json', '--workers', String(WORKERS), '--grader-cpus', '1-4'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GRADEBOX_HOME: join(work, 'home') } },
);
try {
  const [firstLine] = (await once(server.stdout, 'data')) as [Buffer];
  const { url, adminToken } = JSON.parse(firstLine.toString().split('\n')[0] ?? '') as { url: string; adminToken: string | null };
  if (!adminToken) throw new Error('no admin token on a fresh data directory');
  const admin = client(url, adminToken);
  await admin('POST', '/api/apply', {
    course: { id: 'bench', title: 'Benchmark' },
    members: [
      { login: 'fay', role: 'student' },
      { login: 'otto', role: 'student' },
    ],
    assignments: [{ id: 'runs', title: 'Runs', parts: [{ id: 'main', points: 1 }] }],
  });
  const archive = await readFile(tar);
  const { imageId } = (await admin('POST', '/api/courses/bench/images', archive, {
    'content-type': 'application/x-tar',
    'x-content-sha256': createHash('sha256').update(archive).digest('hex'),
  })) as { imageId: string };
  await admin('POST', '/api/courses/bench/assignments/runs/parts/main/graders', { imageId, cpus: 1, memoryMiB: 1024, timeoutSeconds: SLEEP * 4 + 30 });
  await admin('POST', '/api/courses/bench/assignments/runs/publish');
  const tokenOf = async (login: string): Promise<string> =>
    ((await admin('POST', `/api/users/${login}/tokens`, { name: 'bench', scopes: ['read', 'submit'] })) as { token: string }).token;
  const [fay, otto] = [await tokenOf('fay'), await tokenOf('otto')];
  const submit = async (token: string, script: string): Promise<string> => {
    const form = new FormData();
    form.append('file', new Blob([script]), 'main.sh');
    return ((await client(url, token)('POST', '/api/courses/bench/assignments/runs/submissions', form)) as { id: string }).id;
  };

  process.stderr.write(`${GRADEBOX}: fay submits ${FLOOD} × sleep ${SLEEP}, then otto submits exit 0; ${WORKERS} slots…\n`);
  const flood: string[] = [];
  for (let i = 0; i < FLOOD; i++) flood.push(await submit(fay, `sleep ${SLEEP}\n`));
  const start = performance.now();
  const mine = await submit(otto, 'exit 0\n');
  await waitForDone(url, otto, mine);
  const waitSeconds = (performance.now() - start) / 1000;
  for (const id of flood) await waitForDone(url, fay, id);
  const floodSeconds = (performance.now() - start) / 1000;

  const views = await Promise.all([...flood, mine].map(async (id) => (await admin('GET', `/api/submissions/${id}`)) as StaffView));
  const started = (v: StaffView): number => Date.parse(v.parts[0]?.job?.phases.running ?? '');
  const queued = (v: StaffView): number => Date.parse(v.parts[0]?.job?.phases.queued ?? '');
  const ottos = views.at(-1)!;
  const ahead = views.slice(0, -1).filter((v) => started(v) < started(ottos)).length;
  console.log(
    `| ${GRADEBOX} | ${FLOOD} × ${SLEEP} s, ${WORKERS} slots | ${waitSeconds.toFixed(1)} | ${((started(ottos) - queued(ottos)) / 1000).toFixed(1)} | ${ahead} of ${FLOOD} | ${floodSeconds.toFixed(1)} |`,
  );
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await rm(work, { recursive: true, force: true });
  await removeLiveStateDir(join(work, 'server', 'sandbox'));
}

/** A tiny JSON-over-fetch client. */
function client(base: string, token: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } };
    if (body instanceof FormData || body instanceof Uint8Array) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(base + path, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
}

/** Reads the submission's event stream until `done`. */
async function waitForDone(base: string, token: string, id: string): Promise<void> {
  const response = await fetch(`${base}/api/submissions/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok || !response.body) throw new Error(`events of ${id}: ${response.status}`);
  const text = await response.text();
  if (!/(^|\n)event: done\n/.test(text)) throw new Error(`event stream of ${id} ended before done`);
}
