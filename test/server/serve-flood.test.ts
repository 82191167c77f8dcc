/**
 * The real `gradebox serve` process under a flood of idle connections: the file descriptors it
 * holds stay bounded by --max-connections-per-address (one address) and --max-connections (many),
 * those refused are told so with 429/503 and Retry-After, and /api/health from another address
 * is answered while one address floods.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, cliEnv, runCli } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { openConnection, openFiles, type RawConnection } from '../support/slow-client.ts';

const PER_ADDRESS = 50;
const TOTAL = 120;
/** Descriptors the server may open for its own work meanwhile (database, logs). */
const SLACK = 25;

let home: string;
let served: ServedCli;
let pid: number;
const open: RawConnection[] = [];

beforeAll(async () => {
  assertBuildIsFresh();
  home = await mkdtemp(join(tmpdir(), 'gradebox-flood-'));
  served = await startServeCli(
    ['--data', join(home, 'data'), '--port', '0', '--workers', '0', '--max-connections', String(TOTAL), '--max-connections-per-address', String(PER_ADDRESS)],
    { env: cliEnv({ GRADEBOX_HOME: home }), timeoutMs: 120_000 },
  );
  pid = served.cli.child.pid!;
}, 120_000);

afterAll(async () => {
  for (const c of open) c.close();
  await served?.stop();
  await rm(home, { recursive: true, force: true });
});

/** Opens `count` connections from each address and waits until every refused one was answered and closed. */
async function flood(addresses: string[], count: number): Promise<{ held: RawConnection[]; refusals: Array<{ status: number; retryAfter: number }> }> {
  const made = addresses.flatMap((address) => Array.from({ length: count }, () => openConnection(served.url, address)));
  open.push(...made);
  await Promise.all(made.map((c) => c.connected.catch(() => undefined)));
  const refusals: Array<{ status: number; retryAfter: number }> = [];
  const held: RawConnection[] = [];
  // Refusals are answered on arrival; what is still open after they came is held by the server.
  for (let i = 0; ; i++) {
    await sleep(100);
    const closed = made.filter((c) => c.socket.destroyed || c.socket.readableEnded);
    if (closed.length >= made.length - Math.min(TOTAL, addresses.length * PER_ADDRESS) || i > 100) break;
  }
  for (const c of made) {
    if (c.socket.destroyed || c.socket.readableEnded) {
      const answer = await c.answer;
      refusals.push({ status: answer.status, retryAfter: Number(answer.headers['retry-after']) });
    } else held.push(c);
  }
  return { held, refusals };
}

describe('gradebox serve under a flood of idle connections', () => {
  it('one address holds at most its share; the rest get 429; health from elsewhere is served; descriptors stay bounded', async () => {
    const baseline = await openFiles(pid);
    const { held, refusals } = await flood(['127.0.0.10'], 4 * PER_ADDRESS);
    expect(held.length).toBe(PER_ADDRESS);
    expect(refusals).toHaveLength(3 * PER_ADDRESS);
    expect(refusals.every((r) => r.status === 429 && r.retryAfter > 0)).toBe(true);
    expect(await openFiles(pid)).toBeLessThanOrEqual(baseline + PER_ADDRESS + SLACK);
    expect((await fetch(`${served.url}/api/health`)).status).toBe(200);
    for (const c of held) c.close();
  });

  it('many addresses together hold at most --max-connections; beyond, 503 with Retry-After', async () => {
    const baseline = await openFiles(pid);
    const addresses = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
    const { held, refusals } = await flood(addresses, PER_ADDRESS);
    expect(held.length).toBeLessThanOrEqual(TOTAL);
    expect(refusals.length).toBeGreaterThanOrEqual(addresses.length * PER_ADDRESS - TOTAL);
    expect(refusals.every((r) => r.status === 503 && r.retryAfter > 0)).toBe(true);
    expect(await openFiles(pid)).toBeLessThanOrEqual(baseline + TOTAL + SLACK);
    for (const c of held) c.close();
    // Once they are gone, the server takes connections again.
    for (let i = 0; ; i++) {
      const health = await fetch(`${served.url}/api/health`).catch(() => undefined);
      if (health?.status === 200) break;
      if (i > 100) throw new Error('the server did not take connections again after the flood closed');
      await sleep(50);
    }
  });
});

describe('gradebox serve connection limit options', () => {
  it.each([
    [['--max-connections', '0'], /--max-connections takes a whole number greater than 0, got "0"/],
    [['--max-connections', 'many'], /--max-connections takes a whole number greater than 0/],
    [['--max-connections-per-address', '-1'], /--max-connections-per-address takes a whole number greater than 0, got "-1"/],
  ])('%j is a usage error (exit 2) and starts nothing', async (args, message) => {
    const result = await runCli(['serve', '--data', join(home, 'never'), '--port', '0', '--workers', '0', ...args], { env: cliEnv({ GRADEBOX_HOME: home }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
