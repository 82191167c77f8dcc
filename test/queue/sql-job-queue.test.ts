import { describe, expect, it } from 'vitest';
import { runInTransaction } from '../../src/db/transaction.ts';
import type { Capacity, ClaimRequest, EnqueueRequest } from '../../src/queue/job-queue.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { databases, type TestDatabase, useEmptyDatabase } from '../support/databases.ts';

const MACHINE: Capacity = { cpus: 4, memoryMiB: 8192 };
const LEASE_MS = 30_000;

function job(jobId: string, priority = 0, cpus = 1, memoryMiB = 1024): EnqueueRequest {
  return { jobId, priority, owner: 'ada', course: 'cs101', cpus, memoryMiB };
}

/** A job of `owner` in `course`, priority 0. */
function owned(jobId: string, owner: string, course = 'cs101'): EnqueueRequest {
  return { ...job(jobId), owner, course };
}

function request(workerId: string, free: Capacity = MACHINE, total: Capacity = MACHINE): ClaimRequest {
  return { workerId, free, total, leaseMs: LEASE_MS };
}

describe.each(databases)('SqlJobQueue on $name', (factory) => {
  let t: TestDatabase;
  let clock: Date;
  let queue: SqlJobQueue;
  const tick = (ms: number): void => {
    clock = new Date(clock.getTime() + ms);
  };

  useEmptyDatabase(factory, (ready) => {
    t = ready;
    clock = new Date('2030-01-01T00:00:00.000Z');
    queue = new SqlJobQueue(t.db, { now: () => clock });
  });

  async function enqueueOneByOne(jobs: EnqueueRequest[]): Promise<void> {
    for (const j of jobs) {
      await queue.enqueue(t.db, [j]);
      tick(1);
    }
  }

  async function claimAll(workerId: string, free?: Capacity): Promise<string[]> {
    const ids: string[] = [];
    for (let c = await queue.claim(request(workerId, free)); c; c = await queue.claim(request(workerId, free))) ids.push(c.jobId);
    return ids;
  }

  it('detects its dialect and hands out nothing when empty', async () => {
    expect(new SqlJobQueue(t.db)).toBeInstanceOf(SqlJobQueue);
    expect(await queue.claim(request('w1'))).toBeUndefined();
    expect(await queue.size()).toEqual({ waiting: 0, leased: 0 });
  });

  it('claims by priority, then by enqueue time', async () => {
    await enqueueOneByOne([job('bulk-1', 2), job('author-1', 1), job('student-1', 0), job('bulk-2', 2), job('student-2', 0)]);
    expect(await claimAll('w1')).toEqual(['student-1', 'student-2', 'author-1', 'bulk-1', 'bulk-2']);
  });

  it('returns the claimed job with attempt 1 and its lease', async () => {
    await queue.enqueue(t.db, [job('a', 1, 1.5, 2048)]);
    const claimed = await queue.claim(request('w1'));
    expect(claimed).toEqual({
      jobId: 'a',
      priority: 1,
      owner: 'ada',
      course: 'cs101',
      cpus: 1.5,
      memoryMiB: 2048,
      attempt: 1,
      leaseUntil: new Date(clock.getTime() + LEASE_MS),
    });
    expect(await queue.size()).toEqual({ waiting: 0, leased: 1 });
  });

  it('skips jobs that do not fit the free capacity, without blocking the ones that do', async () => {
    await enqueueOneByOne([job('big-cpu', 0, 3), job('big-mem', 0, 1, 4096), job('small', 1, 1, 1024)]);
    const free = { cpus: 2, memoryMiB: 2048 };
    expect((await queue.claim(request('w1', free)))?.jobId).toBe('small');
    expect(await queue.claim(request('w1', free))).toBeUndefined();
    expect((await queue.claim(request('w1', { cpus: 2, memoryMiB: 4096 })))?.jobId).toBe('big-mem');
    expect((await queue.claim(request('w1', { cpus: 3, memoryMiB: 1024 })))?.jobId).toBe('big-cpu');
  });

  it('admits a job larger than the machine as if it asked for the whole machine', async () => {
    await queue.enqueue(t.db, [job('huge', 0, 16, 65536)]);
    // Something else runs: the huge job waits.
    expect(await queue.claim(request('w1', { cpus: 3, memoryMiB: 8192 }))).toBeUndefined();
    expect(await queue.claim(request('w1', { cpus: 4, memoryMiB: 4096 }))).toBeUndefined();
    // The worker is idle: the job runs alone.
    const claimed = await queue.claim(request('w1', MACHINE));
    expect(claimed).toMatchObject({ jobId: 'huge', cpus: 16, memoryMiB: 65536 });
  });

  it('gives an expired lease to another worker as attempt 2; the first worker has lost it', async () => {
    await queue.enqueue(t.db, [job('a')]);
    expect((await queue.claim(request('w1')))?.attempt).toBe(1);
    tick(LEASE_MS - 1);
    expect(await queue.claim(request('w2'))).toBeUndefined();
    tick(2);
    const again = await queue.claim(request('w2'));
    expect(again).toMatchObject({ jobId: 'a', attempt: 2 });
    expect(await queue.heartbeat('a', 'w1', LEASE_MS)).toBe(false);
    expect(await queue.complete('a', 'w1')).toBe(false);
    expect(await queue.retry('a', 'w1', 0, 'late')).toBe(false);
    expect(await queue.complete('a', 'w2')).toBe(true);
    expect(await queue.size()).toEqual({ waiting: 0, leased: 0 });
  });

  it('keeps a lease alive with heartbeats', async () => {
    await queue.enqueue(t.db, [job('a')]);
    await queue.claim(request('w1'));
    for (let i = 0; i < 3; i++) {
      tick(LEASE_MS - 1000);
      expect(await queue.heartbeat('a', 'w1', LEASE_MS)).toBe(true);
      expect(await queue.claim(request('w2'))).toBeUndefined();
    }
    expect(await queue.heartbeat('a', 'w2', LEASE_MS)).toBe(false);
    expect(await queue.heartbeat('missing', 'w1', LEASE_MS)).toBe(false);
  });

  it('retries after the delay, keeping its place and counting the attempt', async () => {
    await enqueueOneByOne([job('a'), job('b')]);
    expect((await queue.claim(request('w1')))?.jobId).toBe('a');
    expect(await queue.retry('a', 'w1', 5000, 'sandbox vanished')).toBe(true);
    expect(await queue.size()).toEqual({ waiting: 2, leased: 0 });
    expect((await queue.claim(request('w1')))?.jobId).toBe('b');
    expect(await queue.claim(request('w1'))).toBeUndefined();
    tick(5000);
    expect(await queue.claim(request('w1'))).toMatchObject({ jobId: 'a', attempt: 2 });
    const row = await t.db.selectFrom('queue_jobs').select('last_error').where('id', '=', 'a').executeTakeFirstOrThrow();
    expect(row.last_error).toBe('sandbox vanished');
  });

  it('releases expired leases, or every lease at start-up', async () => {
    await enqueueOneByOne([job('a'), job('b'), job('c')]);
    await queue.claim({ ...request('w1'), leaseMs: 1000 });
    await queue.claim({ ...request('w1'), leaseMs: 60_000 });
    expect(await queue.size()).toEqual({ waiting: 1, leased: 2 });
    tick(2000);
    expect(await queue.releaseExpired()).toBe(1);
    expect(await queue.size()).toEqual({ waiting: 2, leased: 1 });
    expect(await queue.releaseAll()).toBe(1);
    expect(await queue.size()).toEqual({ waiting: 3, leased: 0 });
    expect(await claimAll('w2')).toEqual(['a', 'b', 'c']);
  });

  it('tells listeners after the enqueueing transaction commits, never for a rollback', async () => {
    const heard: number[] = [];
    const stop = queue.onEnqueued(() => heard.push(heard.length));
    await runInTransaction(t.db, async (tx) => {
      await queue.enqueue(tx, [job('a'), job('b')]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(heard).toEqual([]);
    });
    expect(heard).toEqual([0]);
    await expect(
      runInTransaction(t.db, async (tx) => {
        await queue.enqueue(tx, [job('c')]);
        throw new Error('submission refused');
      }),
    ).rejects.toThrow('submission refused');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(heard).toEqual([0]);
    expect(await queue.size()).toEqual({ waiting: 2, leased: 0 });
    stop();
    await queue.enqueue(t.db, [job('d')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual([0]);
  });

  it('wakes a waiting worker that then finds the committed job', async () => {
    const woke = new Promise<string | undefined>((resolve) => {
      const stop = queue.onEnqueued(() => {
        stop();
        void queue.claim(request('idle')).then((c) => resolve(c?.jobId));
      });
    });
    await runInTransaction(t.db, (tx) => queue.enqueue(tx, [job('fresh')]));
    expect(await woke).toBe('fresh');
  });

  it('refuses malformed jobs', async () => {
    await expect(queue.enqueue(t.db, [job('x', 0, 0)])).rejects.toThrow(/cpus 0/);
    await expect(queue.enqueue(t.db, [job('x', 0.5)])).rejects.toThrow(/priority/);
    await expect(queue.enqueue(t.db, [job('x', 0, 1, -1)])).rejects.toThrow(/memoryMiB/);
    await expect(queue.enqueue(t.db, [owned('x', '')])).rejects.toThrow(/no owner/);
    await expect(queue.enqueue(t.db, [owned('x', 'ada', '')])).rejects.toThrow(/no course/);
    await queue.enqueue(t.db, []);
    expect(await queue.size()).toEqual({ waiting: 0, leased: 0 });
    // A lease must name its worker.
    await expect(queue.claim(request(''))).rejects.toThrow(/worker id is empty/);
  });

  it('never hands the same job to two claimers on separate connections', async () => {
    const other = await t.connectAgain();
    const queues = [new SqlJobQueue(t.db), new SqlJobQueue(other.db)];
    const ids = Array.from({ length: 60 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    await queues[0]!.enqueue(t.db, ids.map((id) => job(id)));
    const claimed: string[] = [];
    // Four claim loops per connection, all at once.
    const loops = queues.flatMap((q, n) =>
      [0, 1, 2, 3].map(async (k) => {
        for (;;) {
          const c = await q.claim({ ...request(`w${n}-${k}`), leaseMs: 60_000 });
          if (!c) return;
          claimed.push(c.jobId);
        }
      }),
    );
    await Promise.all(loops);
    expect(claimed.length).toBe(ids.length);
    expect(new Set(claimed).size).toBe(ids.length);
    expect(await queues[1]!.size()).toEqual({ waiting: 0, leased: ids.length });
  });
});
