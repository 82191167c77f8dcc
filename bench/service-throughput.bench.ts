/**
 * End-to-end throughput and latency of the grading service, side by side with the engine alone:
 *
 *   engine alone   grade() called in-process, as many at once as the service runs workers: the
 *                  ceiling the service can reach on this machine
 *   service        `gradebox serve` (the real command, its own process) on a fresh data
 *                  directory (embedded SQLite): N submissions POSTed over HTTP (multipart) by C
 *                  concurrent clients in this process, each waiting for its result over
 *                  server-sent events
 *
 * Reports gradings per second and submit→result latency percentiles, the service's throughput as
 * a fraction of the engine's, and how fast the machine itself ran (see machine-speed.ts). Target (issue 4): ≥ 40 trivial gradings/s on 2 cores.
 * `--grader-cpus X` sets the CPUs the trivial grader reserves (default 1, the minimum): the
 * server is started with `--grader-cpus X-4` and one worker slot per X of the machine's CPUs, the
 * engine-alone baseline with as many at once.
 * Usage: node bench/service-throughput.bench.ts [--submissions N] [--clients C] [--grader-cpus X]
 */
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestImages } from '../scripts/build-test-images.ts';
import { grade } from '../src/grader/grade.ts';
import { ImageStore } from '../src/image/image-store.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openStoreSandbox } from '../src/toolkit/store-sandbox.ts';
import { fmt, median, percentile } from './stats.ts';
import { removeLiveStateDir } from '../src/sandbox/oci/live-dir.ts';
import { describeSpeed, machineSpeed } from './machine-speed.ts';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SUBMISSIONS = arg('--submissions', 400);
const CLIENTS = arg('--clients', 16);
const GRADER_CPUS = arg('--grader-cpus', 1);
// Gradings the service admits at once: the machine's CPUs over what each grader reserves.
const WORKERS = Math.max(1, Math.floor(availableParallelism() / GRADER_CPUS));

const images = await buildTestImages({ only: ['echo-busybox'] });
const tar = images['echo-busybox'];
if (!tar) throw new Error('echo-busybox test image missing');
const work = await mkdtemp(join(tmpdir(), 'gradebox-service-bench-'));

// --- engine alone -----------------------------------------------------------------------------
const store = new ImageStore(join(work, 'engine', 'images'));
const image = await store.import(tar);
const rootfs = await store.rootfs(image);
const sandbox = await openStoreSandbox(store, 'auto', join(work, 'engine', 'sandbox'));
const submissionDir = join(work, 'submission');
await mkdir(submissionDir);
await writeFile(join(submissionDir, 'answer.txt'), '42\n');
const speedBefore = machineSpeed();
process.stderr.write(`engine alone: ${SUBMISSIONS} gradings, ${WORKERS} at a time…\n`);
const engineLatencies: number[] = [];
const engineStart = performance.now();
await inParallel(SUBMISSIONS, WORKERS, async () => {
  const start = performance.now();
  const result = await grade({ image, rootfs, submissionDir, limits: { cpus: GRADER_CPUS, timeoutSeconds: 60 } }, { sandbox });
  if (result.status !== 'graded') throw new Error(`engine grading failed: ${result.status} ${result.errors.join('; ')}`);
  engineLatencies.push(performance.now() - start);
});
const engineSeconds = (performance.now() - engineStart) / 1000;

// --- the service ------------------------------------------------------------------------------
// e.g. BENCH_SERVER_NODE_ARGS=--cpu-prof to profile the server.
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const server = spawn(process.execPath, [...serverNodeArgs, join(import.meta.dirname, '..', 'bin', 'gradebox.js'), 'serve', '--data', join(work, 'server'), '--port', '0', '--json',
  '--workers', String(WORKERS), '--grader-cpus', `${Math.min(GRADER_CPUS, 1)}-4`], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, GRADEBOX_HOME: join(work, 'home') },
});
try {
  const [firstLine] = (await once(server.stdout, 'data')) as [Buffer];
  const { url, adminToken: admin } = JSON.parse(firstLine.toString().split('\n')[0] ?? '') as { url: string; adminToken: string | null };
  if (!admin) throw new Error('no admin token on a fresh data directory');
  const serverUrl = url;
  const api = client(serverUrl, admin);
  await api('POST', '/api/apply', {
    course: { id: 'bench', title: 'Benchmark' },
    members: [{ login: 'student', role: 'student' }],
    assignments: [{ id: 'hw', title: 'Homework', parts: [{ id: 'p1', points: 1 }] }],
  });
  const archive = await readFile(tar);
  const uploaded = (await api('POST', '/api/courses/bench/images', archive, {
    'content-type': 'application/x-tar',
    'x-content-sha256': createHash('sha256').update(archive).digest('hex'),
  })) as { imageId: string };
  await api('POST', '/api/courses/bench/assignments/hw/parts/p1/graders', { imageId: uploaded.imageId, cpus: GRADER_CPUS, memoryMiB: 1024, timeoutSeconds: 60 });
  await api('POST', '/api/courses/bench/assignments/hw/publish');
  const issued = (await api('POST', '/api/users/student/tokens', { name: 'bench', scopes: ['read', 'submit'] })) as { token: string };
  const student = client(serverUrl, issued.token);

  process.stderr.write(`service: ${SUBMISSIONS} submissions over HTTP from ${CLIENTS} clients…\n`);
  const latencies: number[] = [];
  const clientCpuStart = process.cpuUsage();
  const serverCpuStart = await processCpuMs(server.pid);
  const serviceStart = performance.now();
  await inParallel(SUBMISSIONS, CLIENTS, async (i) => {
    const start = performance.now();
    const form = new FormData();
    form.append('file', new Blob([`${i}\n`]), 'answer.txt');
    const submission = (await student('POST', '/api/courses/bench/assignments/hw/submissions', form)) as { id: string };
    await waitForDone(serverUrl, issued.token, submission.id);
    latencies.push(performance.now() - start);
  });
  const serviceSeconds = (performance.now() - serviceStart) / 1000;
  const clientCpu = process.cpuUsage(clientCpuStart);
  const serverCpuMs = (await processCpuMs(server.pid)) - serverCpuStart;

  const engineRate = SUBMISSIONS / engineSeconds;
  const serviceRate = SUBMISSIONS / serviceSeconds;
  console.log(`\n${SUBMISSIONS} trivial gradings reserving ${GRADER_CPUS} CPU each, ${WORKERS} at a time, ${CLIENTS} HTTP clients; latency in ms`);
  console.log(`${'method'.padEnd(16)}${'per s'.padStart(8)}${'p50'.padStart(8)}${'p90'.padStart(8)}${'p99'.padStart(8)}  vs engine`);
  const row = (name: string, rate: number, samples: number[]): void =>
    console.log(`${name.padEnd(16)}${rate.toFixed(1).padStart(8)}${fmt(median(samples))}${fmt(percentile(samples, 90))}${fmt(percentile(samples, 99))}  ${(rate / engineRate).toFixed(2)}`);
  row('engine alone', engineRate, engineLatencies);
  row('service (HTTP)', serviceRate, latencies);
  console.log(describeSpeed(speedBefore));
  console.log(
    `CPU per grading: server process ${(serverCpuMs / SUBMISSIONS).toFixed(1)} ms (its runtimes and graders not included), ` +
      `HTTP clients ${((clientCpu.user + clientCpu.system) / 1000 / SUBMISSIONS).toFixed(1)} ms`,
  );
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  // BENCH_KEEP=1 keeps the data folder, e.g. to read the jobs' phase times from its database.
  if (process.env.BENCH_KEEP) process.stderr.write(`kept ${work}\n`);
  else {
    await rm(work, { recursive: true, force: true });
    for (const side of ['engine', 'server']) await removeLiveStateDir(join(work, side, 'sandbox'));
  }
}

/** CPU time (user + system) a process has used so far, from /proc. */
async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat(5); here 0-based after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Runs `count` tasks with at most `width` at once. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** A tiny JSON-over-fetch client; the benchmark measures the server, not a client library. */
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
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    if (/(^|\n)event: done\n/.test(buffered)) {
      if (!/"status":"graded"/.test(buffered)) throw new Error(`submission ${id} ended without a graded result`);
      return;
    }
  }
  throw new Error(`event stream of ${id} ended before done`);
}
