/**
 * The probe of slow-clients.bench.ts, in a worker thread of its own so that the flood's sockets,
 * handled on the bench's main thread, do not delay its timings: until `untilEpochMs` it times, back
 * to back, GET /api/health on a new connection (as a load balancer checks) and another user's
 * GET /api/whoami over a kept-alive one, and posts the samples back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { openConnection, requestHead } from '../test/support/slow-client.ts';

export interface ProbeRequest {
  url: string;
  token: string;
  untilEpochMs: number;
}

/** A timing and when it was taken (ms since the epoch). */
export interface Sample {
  ms: number;
  at: number;
}

export interface ProbeSamples {
  health: Sample[];
  other: Sample[];
  failed: number;
}

async function healthOnNewConnection(url: string): Promise<number> {
  const start = performance.now();
  const c = openConnection(url);
  c.send(requestHead('GET', '/api/health', { connection: 'close' }));
  const answer = await c.answer;
  return answer.status === 200 ? performance.now() - start : NaN;
}

async function otherUser(url: string, token: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${url}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });
  await response.text();
  return response.status === 200 ? performance.now() - start : NaN;
}

if (parentPort !== null) {
  const { url, token, untilEpochMs } = workerData as ProbeRequest;
  const samples: ProbeSamples = { health: [], other: [], failed: 0 };
  while (Date.now() < untilEpochMs) {
    const at = Date.now();
    const health = await healthOnNewConnection(url).catch(() => NaN);
    const other = await otherUser(url, token).catch(() => NaN);
    for (const [list, ms] of [[samples.health, health], [samples.other, other]] as const) {
      if (Number.isNaN(ms)) samples.failed++;
      else list.push({ ms, at });
    }
    await sleep(20);
  }
  parentPort.postMessage(samples);
}
