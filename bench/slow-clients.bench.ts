/**
 * A flood of slow connections with one student's token against the real `gradebox serve` (its own
 * process, API only), and what everyone else gets meanwhile. Side by side in one run:
 *
 *   quiet        /api/health (a fresh connection each time) and another user's GET /api/whoami,
 *                timed back to back with no flood: the baseline
 *   one address  C connections from one address, each sending the request head of an upload with
 *                the student's token and then its body one byte every 5 s (issue 11's attack)
 *   spread       the same C connections spread over A addresses (127.0.0.2…), so the per-address
 *                limits do not stop them at arrival and the per-user limits have to
 *   slow heads   C connections over A addresses sending their request head one byte every 5 s
 *                (no token yet: only the headers timeout and connection limits apply)
 *
 * For each it reports how many connections the server held at once, how many it refused (and
 * how), the server's open file descriptors, and health/other-user latencies (p50, p90, max) while
 * the flood holds, as ratios to the quiet baseline. Raise `ulimit -n` for this process alone if C
 * is large (it holds C sockets itself).
 * Usage: node bench/slow-clients.bench.ts [--connections C] [--addresses A] [--seconds S]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { openConnection, openFiles, requestHead, type RawConnection } from '../test/support/slow-client.ts';
import type { ProbeRequest, ProbeSamples, Sample } from './latency-probe.ts';
import { fmt, percentile } from './stats.ts';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const CONNECTIONS = arg('--connections', 3000);
const ADDRESSES = arg('--addresses', 20);
const SECONDS = arg('--seconds', 15);
const TRICKLE_MS = 5000;

const work = await mkdtemp(join(tmpdir(), 'gradebox-slow-clients-'));
const server = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'gradebox.js'), 'serve', '--data', join(work, 'server'), '--port', '0', '--workers', '0', '--json'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [firstLine] = (await once(server.stdout, 'data')) as [Buffer];
const { url, adminToken } = JSON.parse(firstLine.toString()) as { url: string; adminToken: string };
const pid = server.pid!;

async function api<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

await api(adminToken, 'POST', '/api/apply', {
  course: { id: 'cs', title: 'CS' },
  members: [{ login: 'mallory', role: 'student' }, { login: 'ada', role: 'student' }],
  assignments: [{ id: 'hw', title: 'HW', parts: [{ id: 'p1', points: 1 }] }],
});
const mallory = (await api<{ token: string }>(adminToken, 'POST', '/api/users/mallory/tokens', { name: 'flood', scopes: ['read', 'submit'] })).token;
const ada = (await api<{ token: string }>(adminToken, 'POST', '/api/users/ada/tokens', { name: 'work', scopes: ['read'] })).token;

/** Runs the latency probe in its own thread until `untilEpochMs`. */
async function probe(untilEpochMs: number): Promise<ProbeSamples> {
  const request: ProbeRequest = { url, token: ada, untilEpochMs };
  const worker = new Worker(new URL('./latency-probe.ts', import.meta.url), { workerData: request });
  const [samples] = (await once(worker, 'message')) as [ProbeSamples];
  await worker.terminate();
  return samples;
}

interface Flood {
  name: string;
  /** Local address of connection i. */
  address: (i: number) => string;
  /** What connection i sends at once, and what it trickles. */
  send: (c: RawConnection) => void;
}

const uploadHead = requestHead('POST', '/api/courses/cs/assignments/hw/submissions', {
  authorization: `Bearer ${mallory}`,
  'content-type': 'multipart/form-data; boundary=x',
  'content-length': 10_000_000,
});
const spread = (i: number): string => `127.0.0.${2 + (i % ADDRESSES)}`;
const floods: Flood[] = [
  { name: 'one address', address: () => '127.0.0.2', send: (c) => (c.send(uploadHead), c.trickle('x'.repeat(1000), TRICKLE_MS)) },
  { name: 'spread', address: spread, send: (c) => (c.send(uploadHead), c.trickle('x'.repeat(1000), TRICKLE_MS)) },
  { name: 'slow heads', address: spread, send: (c) => c.trickle(uploadHead, TRICKLE_MS) },
];

/** After the flood's last connection was opened, this long for the refusals to be answered; then the flood only holds. */
const SETTLE_MS = 1000;

function stats(samples: Sample[]): string {
  const ms = samples.map((s) => s.ms);
  return `${fmt(percentile(ms, 50))} ${fmt(percentile(ms, 90))} ${fmt(Math.max(...ms))}`;
}

function ratio(during: Sample[], quiet: Sample[], p: number): string {
  const of = (samples: Sample[]): number => percentile(samples.map((s) => s.ms), p);
  return (of(during) / of(quiet)).toFixed(2);
}

/** The largest timing of samples taken once the flood was opened (at `openedEpoch`) and settled. */
function steadyMax(samples: Sample[], openedEpoch: number): string {
  const steady = samples.filter((s) => s.at >= openedEpoch + SETTLE_MS).map((s) => s.ms);
  return steady.length === 0 ? '     n/a' : fmt(Math.max(...steady));
}

const quiet = await probe(Date.now() + 5000);
const quietFds = await openFiles(pid);
const rows: string[] = [];
rows.push(`${'scenario'.padEnd(12)} ${'opened'.padStart(7)} ${'held'.padStart(6)} ${'429'.padStart(6)} ${'503'.padStart(6)} ${'408'.padStart(6)} ${'fds'.padStart(6)}  health p50/p90/max ms        other user p50/p90/max ms    failed  max once opened: health, other   opening took`);
rows.push(`${'quiet'.padEnd(12)} ${'0'.padStart(7)} ${'0'.padStart(6)} ${''.padStart(6)} ${''.padStart(6)} ${''.padStart(6)} ${String(quietFds).padStart(6)}  ${stats(quiet.health)}   ${stats(quiet.other)}   ${String(quiet.failed).padStart(6)}`);

for (const flood of floods) {
  const connections: RawConnection[] = [];
  const statuses = new Map<number, number>();
  let held = 0;
  let maxFds = 0;
  const start = performance.now();
  const startEpoch = Date.now();
  const probing = probe(startEpoch + SECONDS * 1000);
  // Open in batches, as fast as the machine allows.
  for (let i = 0; i < CONNECTIONS; i += 100) {
    const batch = Array.from({ length: Math.min(100, CONNECTIONS - i) }, (_, k) => openConnection(url, flood.address(i + k)));
    for (const c of batch) {
      void c.answer.then((answer) => statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1));
      void c.connected.then(() => flood.send(c), () => undefined);
    }
    connections.push(...batch);
    await Promise.all(batch.map((c) => c.connected.catch(() => undefined)));
  }
  const openedEpoch = Date.now();
  while (performance.now() < start + SECONDS * 1000) {
    // Held: still open after the refusals of the first second were answered.
    if (performance.now() > start + 1000) held = connections.filter((c) => !c.socket.destroyed && !c.socket.readableEnded).length;
    maxFds = Math.max(maxFds, await openFiles(pid).catch(() => 0));
    await sleep(250);
  }
  const during = await probing;
  for (const c of connections) c.close();
  await Promise.all(connections.map((c) => c.answer));
  rows.push(
    `${flood.name.padEnd(12)} ${String(CONNECTIONS).padStart(7)} ${String(held).padStart(6)} ${String(statuses.get(429) ?? 0).padStart(6)} ${String(statuses.get(503) ?? 0).padStart(6)} ${String(statuses.get(408) ?? 0).padStart(6)} ${String(maxFds).padStart(6)}  ${stats(during.health)}   ${stats(during.other)}   ${String(during.failed).padStart(6)}  ${steadyMax(during.health, openedEpoch)} ${steadyMax(during.other, openedEpoch)}   ${fmt(openedEpoch - startEpoch)}`,
  );
  rows.push(
    `${''.padEnd(12)} ratio to quiet: health p50 ${ratio(during.health, quiet.health, 50)}, p90 ${ratio(during.health, quiet.health, 90)}; other user p50 ${ratio(during.other, quiet.other, 50)}, p90 ${ratio(during.other, quiet.other, 90)}`,
  );
  // Let the server forget the flood before the next one.
  await sleep(1000);
}

console.log(`slow clients against gradebox serve: ${CONNECTIONS} connections per scenario, ${ADDRESSES} addresses when spread, a byte every ${TRICKLE_MS / 1000} s, ${SECONDS} s each`);
console.log(rows.join('\n'));
server.kill('SIGTERM');
await once(server, 'close');
await rm(work, { recursive: true, force: true });
