/**
 * Fair claims within a priority (docs/service.md "Jobs, workers and crashes"): courses first, then
 * owners; fewest running now, then least recently served, then FIFO. Orders are asserted, never
 * times: the queue's clock is a test clock.
 */
import { describe, expect, it } from 'vitest';
import type { Capacity, ClaimRequest, EnqueueRequest } from '../../src/queue/job-queue.ts';
import { SqlJobQueue } from '../../src/queue/sql/sql-job-queue.ts';
import { databases, type TestDatabase, useEmptyDatabase } from '../support/databases.ts';

const MACHINE: Capacity = { cpus: 64, memoryMiB: 65536 };
const LEASE_MS = 30_000;

function job(jobId: string, owner: string, course = 'cs101', priority = 0): EnqueueRequest {
  return { jobId, owner, course, priority, cpus: 1, memoryMiB: 1024 };
}

/** `count` jobs `<owner>-1`, `<owner>-2`, … */
function flood(owner: string, count: number, course = 'cs101'): EnqueueRequest[] {
  return Array.from({ length: count }, (_, i) => job(`${owner}-${i + 1}`, owner, course));
}

describe.each(databases)('fair claims on $name', (factory) => {
  let t: TestDatabase;
  let clock: Date;
  let queue: SqlJobQueue;
  const tick = (ms = 1): void => {
    clock = new Date(clock.getTime() + ms);
  };
  const request = (workerId = 'w1'): ClaimRequest => ({ workerId, free: MACHINE, total: MACHINE, leaseMs: LEASE_MS });

  useEmptyDatabase(factory, (ready) => {
    t = ready;
    clock = new Date('2030-01-01T00:00:00.000Z');
    queue = new SqlJobQueue(t.db, { now: () => clock });
  });

  async function enqueue(...groups: EnqueueRequest[][]): Promise<void> {
    for (const jobs of groups) {
      await queue.enqueue(t.db, jobs);
      tick();
    }
  }

  async function claim(workerId = 'w1'): Promise<string> {
    const claimed = await queue.claim(request(workerId));
    tick();
    if (!claimed) throw new Error('nothing to claim');
    return claimed.jobId;
  }

  /** One slot: claims, completes and claims again until the queue is empty; the order of service. */
  async function serveOneAtATime(): Promise<string[]> {
    const order: string[] = [];
    for (let c = await queue.claim(request()); c; c = await queue.claim(request())) {
      order.push(c.jobId);
      tick();
      expect(await queue.complete(c.jobId, 'w1')).toBe(true);
      tick();
    }
    return order;
  }

  it("serves another student's job before the rest of a flood, as soon as a slot frees", async () => {
    await enqueue(flood('ada', 8));
    // Two slots: the flood came first and takes both; then bob submits.
    expect([await claim(), await claim()]).toEqual(['ada-1', 'ada-2']);
    await enqueue([job('bob-1', 'bob')]);
    await queue.complete('ada-1', 'w1');
    // ada has a job running, bob none: bob goes next, not ada-3.
    expect(await claim()).toBe('bob-1');
    expect(await claim()).toBe('ada-3');
  });

  it('takes turns between students who all have a backlog (round-robin by last service)', async () => {
    await enqueue(flood('ada', 3), flood('bob', 3), flood('cy', 3));
    expect(await serveOneAtATime()).toEqual(['ada-1', 'bob-1', 'cy-1', 'ada-2', 'bob-2', 'cy-2', 'ada-3', 'bob-3', 'cy-3']);
  });

  it('prefers the student with fewer jobs running, then the one served longest ago', async () => {
    await enqueue(flood('ada', 4), flood('bob', 4), flood('cy', 4));
    // Three slots filled one student each.
    expect([await claim(), await claim(), await claim()]).toEqual(['ada-1', 'bob-1', 'cy-1']);
    // bob finishes first: bob has none running, the others one each.
    await queue.complete('bob-1', 'w1');
    expect(await claim()).toBe('bob-2');
    // Then ada and cy finish: both have none running; ada was served longer ago than cy.
    await queue.complete('ada-1', 'w1');
    await queue.complete('cy-1', 'w1');
    expect(await claim()).toBe('ada-2');
    expect(await claim()).toBe('cy-2');
  });

  it('is fair between courses first, then between the students of a course', async () => {
    // cs101 has three students with a backlog, ma201 one.
    await enqueue(flood('ada', 2), flood('bob', 2), flood('cy', 2), flood('dee', 4, 'ma201'));
    expect(await serveOneAtATime()).toEqual(['ada-1', 'dee-1', 'bob-1', 'dee-2', 'cy-1', 'dee-3', 'ada-2', 'dee-4', 'bob-2', 'cy-2']);
  });

  it('keeps priorities above fairness: a flood of student jobs goes before a fresh author test', async () => {
    await enqueue([job('author-1', 'grace', 'cs101', 1)], flood('ada', 3));
    expect(await serveOneAtATime()).toEqual(['ada-1', 'ada-2', 'ada-3', 'author-1']);
  });

  it('counts the jobs other workers run, on another connection, and not the ones whose lease ran out', async () => {
    const other = await t.connectAgain();
    const elsewhere = new SqlJobQueue(other.db, { now: () => clock });
    await enqueue(flood('ada', 3), flood('bob', 3));
    expect(await elsewhere.claim(request('far'))).toMatchObject({ jobId: 'ada-1' });
    tick();
    // ada runs one job on the other worker: bob first here.
    expect(await claim('near')).toBe('bob-1');
    expect(await claim('near')).toBe('ada-2');
    // Both leases of ada's jobs run out: ada runs nothing now, bob one job, so ada's oldest job
    // (given out again to whoever claims it) comes first.
    tick(LEASE_MS);
    expect(await queue.heartbeat('bob-1', 'near', LEASE_MS)).toBe(true);
    expect(await claim('near')).toBe('ada-1');
  });

  it('keeps FIFO for a single student, retries keeping their place', async () => {
    await enqueue(flood('ada', 3));
    expect(await claim()).toBe('ada-1');
    expect(await queue.retry('ada-1', 'w1', 0, 'sandbox vanished')).toBe(true);
    expect(await serveOneAtATime()).toEqual(['ada-1', 'ada-2', 'ada-3']);
  });

  it('never hands one job to two claimers, with many owners and workers on two connections', async () => {
    const other = await t.connectAgain();
    const queues = [new SqlJobQueue(t.db), new SqlJobQueue(other.db)];
    const jobs = ['ada', 'bob', 'cy', 'dee', 'eve'].flatMap((owner, i) => flood(owner, 12, i % 2 === 0 ? 'cs101' : 'ma201'));
    await queues[0]!.enqueue(t.db, jobs);
    const claimed: string[] = [];
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
    expect(claimed.length).toBe(jobs.length);
    expect(new Set(claimed).size).toBe(jobs.length);
  });

  /** `queue_owners` as it should be: the GROUP BY of `queue_jobs`. */
  async function ownerRowsMatchJobs(): Promise<void> {
    const owners = await t.db.selectFrom('queue_owners').select(['priority', 'course', 'owner', 'queued']).orderBy('priority').orderBy('course').orderBy('owner').execute();
    const jobs = await t.db
      .selectFrom('queue_jobs')
      .select((eb) => ['priority', 'course', 'owner', eb.fn.countAll<number | string>().as('queued')])
      .groupBy(['priority', 'course', 'owner'])
      .orderBy('priority')
      .orderBy('course')
      .orderBy('owner')
      .execute();
    expect(owners).toEqual(jobs.map((row) => ({ ...row, queued: Number(row.queued) })));
  }

  it('counts the queued jobs of each owner exactly, and forgets an owner whose jobs are all done', async () => {
    await enqueue(flood('ada', 3), [job('bob-1', 'bob'), job('bob-a', 'bob', 'cs101', 1)], flood('dee', 2, 'ma201'));
    await ownerRowsMatchJobs();
    const first = await claim();
    await queue.retry(first, 'w1', 0, 'sandbox vanished');
    for (let i = 0; i < 4; i++) await queue.complete(await claim(), 'w1');
    // Completing twice, or with the wrong worker, changes nothing.
    expect(await queue.complete('bob-1', 'w1')).toBe(false);
    await ownerRowsMatchJobs();
    for (let c = await queue.claim(request()); c; c = await queue.claim(request())) await queue.complete(c.jobId, 'w1');
    await ownerRowsMatchJobs();
    expect(await t.db.selectFrom('queue_owners').selectAll().execute()).toEqual([]);
    // A returning owner starts a fresh row.
    await enqueue([job('ada-9', 'ada')]);
    await ownerRowsMatchJobs();
  });

  it('keeps the owner counts exact while workers enqueue and complete the same owners at once', async () => {
    // Two connections on PostgreSQL; SQLite has one per process (a second one in the same thread
    // would wait on the first's open transaction while blocking it).
    const other = factory.name === 'postgres' ? (await t.connectAgain()) : t;
    const queues = [new SqlJobQueue(t.db), new SqlJobQueue(other.db)];
    const owners = ['ada', 'bob', 'cy'];
    await Promise.all(
      queues.map(async (q, n) => {
        for (let round = 0; round < 15; round++) {
          const owner = owners[round % owners.length]!;
          await q.enqueue(n === 0 ? t.db : other.db, [job(`${owner}-${n}-${round}`, owner)]);
          const c = await q.claim({ ...request(`w${n}`), leaseMs: 60_000 });
          if (c && round % 3 !== 2) await q.complete(c.jobId, `w${n}`);
        }
      }),
    );
    await ownerRowsMatchJobs();
  });

  it('still hands out a job whose owner row went missing, after the fairly picked ones', async () => {
    await enqueue([job('ada-1', 'ada')], [job('bob-1', 'bob')]);
    await t.db.deleteFrom('queue_owners').where('owner', '=', 'ada').execute();
    expect(await serveOneAtATime()).toEqual(['bob-1', 'ada-1']);
  });

  it('remembers the last service of each course and owner', async () => {
    await enqueue([job('a', 'ada'), job('d', 'dee', 'ma201')]);
    const first = clock.toISOString();
    await claim();
    const second = clock.toISOString();
    await claim();
    const rows = await t.db.selectFrom('queue_service').selectAll().orderBy('kind').orderBy('name').execute();
    expect(rows).toEqual([
      { kind: 'course', name: 'cs101', served_at: first },
      { kind: 'course', name: 'ma201', served_at: second },
      { kind: 'owner', name: 'ada', served_at: first },
      { kind: 'owner', name: 'dee', served_at: second },
    ]);
  });
});
