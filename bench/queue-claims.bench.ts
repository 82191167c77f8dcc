/**
 * What fair scheduling costs the queue, side by side with the plain FIFO queue it replaced, on
 * SQLite and PostgreSQL, at several queue depths. Each kind has its own database, filled alike:
 *
 *   fifo   the queue before: INSERT to enqueue; one UPDATE … WHERE id = (the oldest claimable job
 *          of the most urgent priority), built by Kysely per call, to claim; one DELETE to complete
 *   fair   SqlJobQueue: enqueue also counts the owner's row; the claim takes the fair pick (fewest
 *          running, least recently served course then owner) and stamps the service; complete
 *          uncounts the owner in a transaction
 *
 * A depth's queue holds DEPTH waiting jobs (half of them one student's flood, the rest spread over
 * 200 students in 5 courses, a third of all at bulk priority) and two running; rounds of both
 * kinds alternate, each job claimed, completed and replaced by a new one so the depth stays put.
 * Prints the claim's median and p90 ms, and the CPU time of this process per job (enqueue + claim
 * + complete: on SQLite the database's work too, on PostgreSQL only the client's).
 * Usage: node bench/queue-claims.bench.ts [--claims N] [--depths 20,1000,10000] [--postgres URL]
 */
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../src/db/database.ts';
import { runInTransaction } from '../src/db/transaction.ts';
import { claimableAt } from '../src/queue/sql/claim-conditions.ts';
import { fifoCandidate } from '../src/queue/sql/fair-candidate.ts';
import { SqlJobQueue } from '../src/queue/sql/sql-job-queue.ts';
import type { EnqueueRequest } from '../src/queue/job-queue.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile } from './stats.ts';

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const CLAIMS = Number(option('--claims', '200'));
const DEPTHS = option('--depths', '20,1000,10000').split(',').map(Number);
const POSTGRES = option('--postgres', process.env.GRADEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const MACHINE = { cpus: 2, memoryMiB: 4096 };
const ROUND = 20;

let serial = 0;
function nextJob(): EnqueueRequest {
  const n = serial++;
  const flood = n % 2 === 0;
  const student = flood ? 'flooder' : `s${n % 200}`;
  return { jobId: `j${String(n).padStart(8, '0')}`, priority: n % 3 === 0 ? 2 : 0, owner: student, course: flood ? 'c0' : `c${n % 5}`, cpus: 1, memoryMiB: 1024 };
}

/** One queue's operations, as the benchmark drives them. */
interface Ops {
  enqueue(jobs: EnqueueRequest[]): Promise<void>;
  claim(workerId: string, leaseMs: number): Promise<string | undefined>;
  complete(jobId: string, workerId: string): Promise<void>;
}

/** The queue before fair scheduling, statement for statement. */
function fifoOps(opened: OpenedDatabase): Ops {
  const { db, dialect } = opened;
  return {
    async enqueue(jobs) {
      const now = new Date().toISOString();
      // In the submission's transaction, as the platform enqueues.
      await runInTransaction(db, (tx) =>
        tx
          .insertInto('queue_jobs')
          .values(jobs.map((j) => ({ id: j.jobId, priority: j.priority, owner: j.owner, course: j.course, cpus: j.cpus, memory_mib: j.memoryMiB, enqueued_at: now, not_before: now, attempts: 0 })))
          .execute(),
      );
    },
    async claim(workerId, leaseMs) {
      const now = new Date();
      const nowIso = now.toISOString();
      const candidate = fifoCandidate(db, nowIso, MACHINE, MACHINE).$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
      const row = await db
        .updateTable('queue_jobs')
        .set((eb) => ({ leased_by: workerId, lease_until: new Date(now.getTime() + leaseMs).toISOString(), attempts: eb('attempts', '+', 1) }))
        .where('id', '=', candidate)
        .where(claimableAt(nowIso))
        .returning('id')
        .executeTakeFirst();
      return row?.id;
    },
    async complete(jobId, workerId) {
      await db.deleteFrom('queue_jobs').where('id', '=', jobId).where('leased_by', '=', workerId).execute();
    },
  };
}

function fairOps(opened: OpenedDatabase): Ops {
  const queue = new SqlJobQueue(opened.db);
  return {
    enqueue: (jobs) => runInTransaction(opened.db, (tx) => queue.enqueue(tx, jobs)),
    claim: async (workerId, leaseMs) => (await queue.claim({ workerId, free: MACHINE, total: MACHINE, leaseMs }))?.jobId,
    complete: async (jobId, workerId) => void (await queue.complete(jobId, workerId)),
  };
}

interface Sample {
  claimMs: number[];
  cpuMsPerJob: number[];
}

async function fill(ops: Ops, depth: number): Promise<void> {
  const start = serial;
  for (let left = depth; left > 0; left -= 500) await ops.enqueue(Array.from({ length: Math.min(500, left) }, nextJob));
  serial = start;
  // Two jobs running, as on a busy 2-slot server.
  for (let i = 0; i < 2; i++) await ops.claim('running', 600_000);
}

async function measure(kinds: Record<'fifo' | 'fair', Ops>, depth: number): Promise<Record<'fifo' | 'fair', Sample>> {
  // Both queues get the same jobs, in the same order.
  const first = serial;
  await fill(kinds.fifo, depth);
  await fill(kinds.fair, depth);
  serial = first + depth;
  const samples = { fifo: { claimMs: [], cpuMsPerJob: [] } as Sample, fair: { claimMs: [], cpuMsPerJob: [] } as Sample };
  // The first round of each kind warms up (JIT, statement caches) and is not counted.
  for (let done = -ROUND; done < CLAIMS; done += ROUND) {
    const jobs = Array.from({ length: ROUND }, nextJob);
    for (const kind of ['fifo', 'fair'] as const) {
      const ops = kinds[kind];
      const cpu = process.cpuUsage();
      for (const job of jobs) {
        const start = performance.now();
        const id = await ops.claim('bench', 60_000);
        samples[kind].claimMs.push(performance.now() - start);
        if (id === undefined) throw new Error('the queue ran dry');
        await ops.complete(id, 'bench');
        await ops.enqueue([job]);
      }
      const used = process.cpuUsage(cpu);
      samples[kind].cpuMsPerJob.push((used.user + used.system) / 1000 / ROUND);
      if (done < 0) samples[kind] = { claimMs: [], cpuMsPerJob: [] };
    }
  }
  return samples;
}

const work = await mkdtemp(join(tmpdir(), 'gradebox-queue-bench-'));
let databases = 0;
/** A fresh, migrated database of each kind, and how to remove it. */
const targets: Array<{ name: string; open: () => Promise<{ opened: OpenedDatabase; drop: () => Promise<void> }> }> = [
  { name: 'sqlite', open: async () => ({ opened: await openDatabase(join(work, `q${++databases}.sqlite`)), drop: async () => undefined }) },
  {
    name: 'postgres',
    open: async () => {
      const schema = `gbx_bench_${process.pid}_${++databases}`;
      const opened = await openDatabase(POSTGRES, { schema });
      return { opened, drop: async () => void (await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(opened.db)) };
    },
  },
];
const ms = (value: number): string => value.toFixed(2);

try {
  process.stdout.write(
    '| database | waiting jobs | fifo claim median / p90 ms | fair claim median / p90 ms | fair / fifo claim | fifo CPU ms per job | fair CPU ms per job |\n' +
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n',
  );
  for (const target of targets) {
    for (const depth of DEPTHS) {
      const fifo = await target.open();
      const fair = await target.open();
      try {
        const result = await measure({ fifo: fifoOps(fifo.opened), fair: fairOps(fair.opened) }, depth);
        const { claimMs: a, cpuMsPerJob: ac } = result.fifo;
        const { claimMs: b, cpuMsPerJob: bc } = result.fair;
        process.stdout.write(
          `| ${target.name} | ${depth} | ${ms(median(a))} / ${ms(percentile(a, 90))} | ${ms(median(b))} / ${ms(percentile(b, 90))} | ${(median(b) / median(a)).toFixed(2)} | ${ms(median(ac))} | ${ms(median(bc))} |\n`,
        );
      } finally {
        for (const { opened, drop } of [fifo, fair]) {
          await drop();
          await opened.close();
        }
      }
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
