/** Admission bookkeeping and the lease heartbeat, against a queue stub (no database needed). */
import { describe, expect, it } from 'vitest';
import type { JobQueue } from '../../src/queue/job-queue.ts';
import { Admission } from '../../src/worker/capacity.ts';
import { LeaseHeartbeat, LeaseLost } from '../../src/worker/lease-heartbeat.ts';
import { SILENT_LOG } from '../../src/worker/worker-log.ts';

describe('Admission', () => {
  it('reserves clamped shares and gives them back once', () => {
    const admission = new Admission({ cpus: 2, memoryMiB: 4096 });
    const small = admission.reserve({ cpus: 0.5, memoryMiB: 1024 });
    expect(admission.free).toEqual({ cpus: 1.5, memoryMiB: 3072 });
    expect(admission.fits({ cpus: 1.5, memoryMiB: 3072 })).toBe(true);
    expect(admission.fits({ cpus: 2, memoryMiB: 1024 })).toBe(false);
    expect(admission.fits({ cpus: 1, memoryMiB: 4096 })).toBe(false);
    small();
    small();
    expect(admission.free).toEqual({ cpus: 2, memoryMiB: 4096 });
    // Bigger than the machine: reserves the machine, so it runs alone.
    const huge = admission.reserve({ cpus: 8, memoryMiB: 65536 });
    expect(admission.free).toEqual({ cpus: 0, memoryMiB: 0 });
    expect(admission.fits({ cpus: 0.1, memoryMiB: 1 })).toBe(false);
    huge();
    // Clamped like the reservation: a grader bigger than the machine fits an idle machine.
    expect(admission.fits({ cpus: 8, memoryMiB: 65536 })).toBe(true);
  });

  it('adds fractional CPUs up despite rounding', () => {
    const admission = new Admission({ cpus: 0.3, memoryMiB: 100 });
    for (let i = 0; i < 2; i++) admission.reserve({ cpus: 0.1, memoryMiB: 1 });
    expect(admission.fits({ cpus: 0.1, memoryMiB: 1 })).toBe(true);
    admission.reserve({ cpus: 0.1, memoryMiB: 1 });
    expect(admission.fits({ cpus: 0.1, memoryMiB: 1 })).toBe(false);
  });

  it('refuses a capacity of nothing', () => {
    expect(() => new Admission({ cpus: 0, memoryMiB: 1024 })).toThrow(RangeError);
  });
});

function queueWith(heartbeat: JobQueue['heartbeat']): JobQueue {
  const unused = (): never => {
    throw new Error('not used here');
  };
  return { heartbeat, enqueue: unused, claim: unused, complete: unused, retry: unused, cancel: unused, releaseAll: unused, releaseExpired: unused, size: unused, onEnqueued: unused };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LeaseHeartbeat', () => {
  it('renews every third of the lease while it holds', async () => {
    let beats = 0;
    const lease = new LeaseHeartbeat(queueWith(async () => (++beats, true)), 'j1', 'w1', 300, SILENT_LOG);
    await sleep(350);
    lease.stop();
    expect(beats).toBeGreaterThanOrEqual(2);
    expect(lease.lost).toBe(false);
  });

  it('aborts with LeaseLost when the queue says the lease is gone', async () => {
    const lease = new LeaseHeartbeat(queueWith(async () => false), 'j1', 'w1', 150, SILENT_LOG);
    await sleep(120);
    expect(lease.lost).toBe(true);
    expect(lease.signal.reason).toBeInstanceOf(LeaseLost);
  });

  it('aborts once renewals kept failing for a whole lease, not before', async () => {
    const lease = new LeaseHeartbeat(queueWith(async () => Promise.reject(new Error('database is down'))), 'j1', 'w1', 300, SILENT_LOG);
    await sleep(150);
    expect(lease.lost).toBe(false);
    await sleep(300);
    expect(lease.lost).toBe(true);
    expect(String(lease.signal.reason)).toMatch(/could not be renewed before it expired/);
  });

  it('does not count a renewal that finds the job finished after stop', async () => {
    let release: (held: boolean) => void = () => undefined;
    const lease = new LeaseHeartbeat(queueWith(() => new Promise((resolve) => (release = resolve))), 'j1', 'w1', 60, SILENT_LOG);
    await sleep(40);
    lease.stop();
    release(false);
    await sleep(10);
    expect(lease.lost).toBe(false);
  });
});
