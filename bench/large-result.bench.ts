/**
 * What big grader results cost a real `gradebox serve` (its own process, embedded SQLite, one
 * worker), side by side with a small result on the same server:
 *
 *   small   gradescope-sh: 3 tests, a few hundred bytes
 *   large   gradescope-large: the largest result kept whole (10000 tests, 4 MB of test outputs)
 *   huge    gradescope-huge: 1.5 million empty tests in a 4.5 MB results.json (refused)
 *   deep    gradescope-deep: extra_data nested a million levels deep (refused)
 *
 * For each: submit → result time, the job's running and reporting phases, what was stored (JSON
 * and compressed bytes), then reads of it (staff and student, median ms and bytes), and all the
 * while `/api/health` is polled every 20 ms to see how long the event loop was held (p50, p99,
 * max: compare with the idle baseline measured first). `--bin PATH` runs another build's
 * bin/gradebox.js (e.g. main's, for a before/after), `--reads N` sets the reads per result,
 * `--cases small,large` runs only those.
 * Usage: npx tsc -p tsconfig.json && node bench/large-result.bench.ts [--reads 10] [--bin PATH] [--cases …]
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gunzipSync } from 'node:zlib';
import { buildTestImages } from '../scripts/build-test-images.ts';
import { removeLiveStateDir } from '../src/sandbox/oci/live-dir.ts';
import { describeSpeed, machineSpeed } from './machine-speed.ts';
import { fmt, median, percentile } from './stats.ts';

const argOf = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const READS = Number(argOf('--reads') ?? 10);
const BIN = argOf('--bin') ?? join(import.meta.dirname, '..', 'bin', 'gradebox.js');

const ALL_CASES = [
  { name: 'small', image: 'gradescope-sh', points: 10 },
  { name: 'large', image: 'gradescope-large', points: 10000 },
  { name: 'huge', image: 'gradescope-huge', points: 10 },
  { name: 'deep', image: 'gradescope-deep', points: 10 },
] as const;
// e.g. `--cases small,large` against an older build, which the hostile ones would hold up for minutes.
const wanted = argOf('--cases')?.split(',');
const CASES = ALL_CASES.filter((c) => wanted === undefined || wanted.includes(c.name));

const images = await buildTestImages({ only: CASES.map((c) => c.image) });
const work = await mkdtemp(join(tmpdir(), 'gradebox-large-result-bench-'));
const dataDir = join(work, 'server');
const speedBefore = machineSpeed();
const server = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--port', '0', '--json', '--workers', '1'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, GRADEBOX_HOME: join(work, 'home') },
});
try {
  const [firstLine] = (await once(server.stdout, 'data')) as [Buffer];
  const { url, adminToken } = JSON.parse(firstLine.toString().split('\n')[0] ?? '') as { url: string; adminToken: string | null };
  if (!adminToken) throw new Error('no admin token on a fresh data directory');
  const admin = client(url, adminToken);
  await admin('POST', '/api/apply', {
    course: { id: 'bench', title: 'Benchmark' },
    members: [{ login: 'student', role: 'student' }],
    assignments: CASES.map((c) => ({ id: c.name, title: c.name, parts: [{ id: 'p', points: c.points }] })),
  });
  for (const c of CASES) {
    const archive = await readFile(images[c.image]!);
    const { imageId } = (await admin('POST', '/api/courses/bench/images', archive, {
      'content-type': 'application/x-tar',
      'x-content-sha256': createHash('sha256').update(archive).digest('hex'),
    })) as { imageId: string };
    await admin('POST', `/api/courses/bench/assignments/${c.name}/parts/p/graders`, { imageId, timeoutSeconds: 120 });
    await admin('POST', `/api/courses/bench/assignments/${c.name}/publish`);
  }
  const { token } = (await admin('POST', '/api/users/student/tokens', { name: 'bench', scopes: ['read', 'submit'] })) as { token: string };
  const student = client(url, token);

  const health = healthPoller(url);
  await sleep(2000);
  const idle = health.take();
  console.log(`\ngradebox serve (${BIN}), 1 worker; /api/health polled every 20 ms, latency in ms`);
  console.log(`${'phase'.padEnd(34)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}`);
  const healthRow = (phase: string, samples: number[]): void =>
    console.log(`${phase.padEnd(34)}${fmt(median(samples))}${fmt(percentile(samples, 99))}${fmt(Math.max(...samples))}`);
  healthRow('idle', idle);

  const report: string[] = [];
  for (const c of CASES) {
    health.take();
    const form = new FormData();
    form.append('file', new Blob(['55\n385\n']), 'answer.txt');
    const start = performance.now();
    const { id } = (await student('POST', `/api/courses/bench/assignments/${c.name}/submissions`, form)) as { id: string };
    await waitForDone(url, token, id);
    const gradedMs = performance.now() - start;
    healthRow(`grading ${c.name}`, health.take());

    const staffView = (await admin('GET', `/api/submissions/${id}`)) as { parts: { job: { id: string; attempts: number }; result: { status: string } }[] };
    const job = (await admin('GET', `/api/jobs/${staffView.parts[0]!.job.id}`)) as { attempts: number; phases: Record<string, string> };
    const at = (phase: string): number => Date.parse(job.phases[phase] ?? '');
    const stored = storedSize(dataDir, staffView.parts[0]!.job.id);

    const reads: Record<string, { ms: number[]; bytes: number }> = {};
    for (const [who, caller] of [['staff', admin], ['student', student]] as const) {
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < READS; i++) {
        const t0 = performance.now();
        bytes = (await caller('GET', `/api/submissions/${id}`, undefined, {}, true)) as number;
        ms.push(performance.now() - t0);
      }
      reads[who] = { ms, bytes };
    }
    healthRow(`${READS} staff + ${READS} student reads`, health.take());
    // Four clients reading at once, as in the report of issue 11.
    await Promise.all(Array.from({ length: 4 }, () => admin('GET', `/api/submissions/${id}`, undefined, {}, true)));
    healthRow('4 staff reads at once', health.take());

    report.push(
      `${c.name.padEnd(6)} ${staffView.parts[0]!.result.status.padEnd(13)} submit→result ${(gradedMs / 1000).toFixed(2)} s ` +
        `(running ${((at('reporting') - at('running')) / 1000).toFixed(2)} s, storing ${((at('done') - at('reporting')) / 1000).toFixed(3)} s), ` +
        `attempts ${job.attempts}; stored ${mib(stored.json)} MiB of JSON as ${mib(stored.bytes)} MiB; ` +
        `read: staff ${median(reads.staff!.ms).toFixed(1)} ms for ${mib(reads.staff!.bytes)} MiB, ` +
        `student ${median(reads.student!.ms).toFixed(1)} ms for ${mib(reads.student!.bytes)} MiB (medians of ${READS})`,
    );
  }
  health.stop();
  console.log('');
  for (const line of report) console.log(line);
  console.log(`server peak resident memory: ${await peakRssMiB(server.pid)} MiB`);
  console.log(describeSpeed(speedBefore));
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  if (process.env.BENCH_KEEP) process.stderr.write(`kept ${work}\n`);
  else {
    await rm(work, { recursive: true, force: true });
    await removeLiveStateDir(join(dataDir, 'sandbox'));
  }
}

/** Polls /api/health every 20 ms; `take()` returns the latencies since the last take. */
function healthPoller(base: string): { take(): number[]; stop(): void } {
  let samples: number[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const t0 = performance.now();
      const response = await fetch(`${base}/api/health`);
      await response.text();
      samples.push(performance.now() - t0);
      await sleep(20);
    }
  })();
  return {
    take() {
      const taken = samples;
      samples = [];
      return taken.length > 0 ? taken : [NaN];
    },
    stop() {
      running = false;
    },
  };
}

/** The stored result of a job: its JSON length and the bytes the database holds for it. */
function storedSize(dataDir: string, jobId: string): { json: number; bytes: number } {
  const db = new DatabaseSync(join(dataDir, 'gradebox.db'), { readOnly: true });
  try {
    const columns = (db.prepare("SELECT name FROM pragma_table_info('results')").all() as { name: string }[]).map((c) => c.name);
    const gz = columns.includes('result_gzip') ? ', result_gzip' : '';
    const row = db.prepare(`SELECT result${gz} FROM results WHERE job_id = ?`).get(jobId) as { result: string; result_gzip?: Uint8Array | null };
    if (row.result_gzip) return { json: gunzipSync(row.result_gzip).length, bytes: row.result_gzip.byteLength };
    return { json: Buffer.byteLength(row.result), bytes: Buffer.byteLength(row.result) };
  } finally {
    db.close();
  }
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(2);
}

async function peakRssMiB(pid: number | undefined): Promise<string> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
  return Number.isFinite(kb) ? (kb / 1024).toFixed(0) : '?';
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A tiny JSON-over-fetch client; `sizeOnly` returns the body's byte count instead of parsing it. */
function client(base: string, token: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, sizeOnly = false): Promise<unknown> => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } };
    if (body instanceof FormData || body instanceof Uint8Array) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(base + path, init);
    if (sizeOnly && response.ok) return (await response.arrayBuffer()).byteLength;
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
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
    if (/(^|\n)event: done\n/.test(buffered)) return;
    // Keep only the tail: a staff event of a big result is megabytes long.
    if (buffered.length > 64) buffered = buffered.slice(-64);
  }
  throw new Error(`event stream of ${id} ended before done`);
}
