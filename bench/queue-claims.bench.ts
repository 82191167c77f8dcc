/**
 * What a fair claim costs against the plain FIFO claim it replaced, side by side on the same
 * queue, on SQLite and PostgreSQL, at several queue depths:
 *
 *   fifo   one UPDATE … WHERE id = (the oldest claimable job of the most urgent priority)
 *   fair   SqlJobQueue.claim: the same UPDATE over the fair pick (fewest running, least recently
 *          served course then owner), then the service stamp
 *
 * Each depth fills a fresh queue with DEPTH waiting jobs (half of them one student's flood, the
 * rest spread over 200 students in 5 courses, a third of all at bulk priority), then alternates
 * rounds of claims of both kinds, each claim followed by completing the job and enqueueing a new
 * one so the depth stays put. Prints median and p90 ms per claim and the fair/fifo ratio.
 * Usage: node bench/queue-claims.bench.ts [--claims N] [--depths 20,1000,10000] [--postgres URL]
 */
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../src/db/database.ts';
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

async function fifoClaim(opened: OpenedDatabase): Promise<string | undefined> {
  const now = new Date();
  const nowIso = now.toISOString();
  const candidate = fifoCandidate(opened.db, nowIso, MACHINE, MACHINE).$if(opened.dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  const row = await opened.db
    .updateTable('queue_jobs')
    .set((eb) => ({ leased_by: 'bench', lease_until: new Date(now.getTime() + 60_000).toISOString(), attempts: eb('attempts', '+', 1) }))
    .where('id', '=', candidate)
    .where(claimableAt(nowIso))
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

async function measure(opened: OpenedDatabase, depth: number): Promise<{ fifo: number[]; fair: number[] }> {
  const queue = new SqlJobQueue(opened.db);
  for (let left = depth; left > 0; left -= 500) await queue.enqueue(opened.db, Array.from({ length: Math.min(500, left) }, nextJob));
  // Two jobs running, as on a busy 2-slot server.
  for (let i = 0; i < 2; i++) await queue.claim({ workerId: 'running', free: MACHINE, total: MACHINE, leaseMs: 600_000 });
  const times = { fifo: [] as number[], fair: [] as number[] };
  const kinds = ['fifo', 'fair'] as const;
  for (let done = 0; done < CLAIMS; done += ROUND) {
    for (const kind of kinds) {
      for (let i = 0; i < ROUND; i++) {
        const start = performance.now();
        const id = kind === 'fifo' ? await fifoClaim(opened) : (await queue.claim({ workerId: 'bench', free: MACHINE, total: MACHINE, leaseMs: 60_000 }))?.jobId;
        times[kind].push(performance.now() - start);
        if (id === undefined) throw new Error('the queue ran dry');
        await queue.complete(id, 'bench');
        await queue.enqueue(opened.db, [nextJob()]);
      }
    }
  }
  return times;
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
  process.stdout.write('| database | waiting jobs | fifo median / p90 ms | fair median / p90 ms | fair / fifo (median) |\n| --- | ---: | ---: | ---: | ---: |\n');
  for (const target of targets) {
    for (const depth of DEPTHS) {
      const { opened, drop } = await target.open();
      try {
        const { fifo, fair } = await measure(opened, depth);
        const ratio = median(fair) / median(fifo);
        process.stdout.write(`| ${target.name} | ${depth} | ${ms(median(fifo))} / ${ms(percentile(fifo, 90))} | ${ms(median(fair))} / ${ms(percentile(fair, 90))} | ${ratio.toFixed(2)} |\n`);
      } finally {
        await drop();
        await opened.close();
      }
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
