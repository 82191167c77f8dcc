/** The pure parts of the traffic limits: address keys, counters, defaults, the log line limiter. */
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger, FastifyLogFn } from 'fastify';
import { limitRepeatedLines } from '../../src/server/log-limiter.ts';
import { addressKey } from '../../src/server/traffic/address-key.ts';
import { KeyedCounter } from '../../src/server/traffic/counters.ts';
import { defaultMaxConnections, resolveTrafficLimits } from '../../src/server/traffic/traffic-limits.ts';

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002::ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s counts as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('KeyedCounter', () => {
  it('gives up to the limit per key, each release once', () => {
    const counter = new KeyedCounter(2);
    const a1 = counter.acquire('a');
    const a2 = counter.acquire('a');
    expect(counter.acquire('a')).toBeUndefined();
    expect(counter.acquire('b')).toBeDefined();
    a1!();
    a1!();
    expect(counter.count('a')).toBe(1);
    expect(counter.acquire('a')).toBeDefined();
    a2!();
    expect(counter.size).toBe(2);
  });
});

describe('traffic limit defaults', () => {
  it('connections: half the open-file limit, at least 64, at most 10,000', () => {
    expect(defaultMaxConnections(20_000)).toBe(10_000);
    expect(defaultMaxConnections(1024)).toBe(512);
    expect(defaultMaxConnections(100)).toBe(64);
    expect(defaultMaxConnections(1_048_576)).toBe(10_000);
    expect(defaultMaxConnections(undefined)).toBe(10_000);
  });

  it('refuses nonsense; 0 turns per-address limits off', () => {
    expect(resolveTrafficLimits({ maxConnectionsPerAddress: 0 }).maxConnectionsPerAddress).toBe(0);
    expect(() => resolveTrafficLimits({ maxRequestsPerUser: 0 })).toThrow(/maxRequestsPerUser/);
    expect(() => resolveTrafficLimits({ bodyWindowMs: 1.5 })).toThrow(/bodyWindowMs/);
    expect(resolveTrafficLimits({ maxConnections: 5 }).maxConnections).toBe(5);
  });
});

describe('limitRepeatedLines', () => {
  function fakeLogger(): { logger: FastifyBaseLogger; method: FastifyLogFn; lines: unknown[][] } {
    const lines: unknown[][] = [];
    const method = ((...args: unknown[]) => void lines.push(args)) as unknown as FastifyLogFn;
    return { logger: {} as FastifyBaseLogger, method, lines };
  }

  it('writes a repeated warning a few times per window, then one summary; other lines pass', () => {
    let now = 0;
    const limiter = limitRepeatedLines({ perWindow: 3, windowMs: 1000 }, () => now);
    const { logger, method, lines } = fakeLogger();
    const log = (...args: unknown[]): void => limiter.logMethod.call(logger, args, method, 40);
    for (let i = 0; i < 1000; i++) log({ address: `10.0.0.${i % 250}` }, 'refused a connection');
    log({ err: Object.assign(new Error('disk full'), { code: 'ENOSPC' }) }, 'request failed');
    for (let i = 0; i < 5; i++) limiter.logMethod.call(logger, ['incoming request'], method, 30);
    expect(lines.filter((l) => l[1] === 'refused a connection')).toHaveLength(3);
    expect(lines.filter((l) => l[1] === 'request failed')).toHaveLength(1);
    expect(lines.filter((l) => l[0] === 'incoming request')).toHaveLength(5);
    now = 1500;
    log({}, 'refused a connection');
    const summary = lines.find((l) => String(l[1]).startsWith('997 more lines like "refused a connection"'));
    expect(summary?.[0]).toMatchObject({ suppressed: 997 });
    // A new window writes again.
    expect(lines.filter((l) => l[1] === 'refused a connection')).toHaveLength(4);
    limiter.stop();
  });

  it('errors that differ are different lines; stop() sums up what is left', () => {
    const limiter = limitRepeatedLines({ perWindow: 1, windowMs: 60_000 }, () => 0);
    const { logger, method, lines } = fakeLogger();
    for (const message of ['a', 'b', 'a', 'a']) limiter.logMethod.call(logger, [{ err: new Error(message) }, 'request failed'], method, 50);
    expect(lines).toHaveLength(2);
    limiter.stop();
    expect(lines.at(-1)?.[1]).toMatch(/^2 more lines like "request failed"/);
  });
});
