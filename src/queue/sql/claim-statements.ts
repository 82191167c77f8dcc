/**
 * The statements every job runs through — claim, service stamp, completion — as query templates
 * (src/db/query-template.ts): compiled once per queue (the claim once per room a worker asks to
 * fit in) and rebound for each job, because Kysely's per-call build of the large fair claim costs
 * more than SQLite takes to run it.
 */
import { sql, type Selectable } from 'kysely';
import type { Db, DialectName } from '../../db/database.ts';
import { QueryTemplate, slot } from '../../db/query-template.ts';
import type { QueueJobsTable, QueueOwnersTable } from '../../db/tables.ts';
import type { Capacity } from '../job-queue.ts';
import { claimableAt } from './claim-conditions.ts';
import { fairCandidate, fifoCandidate } from './fair-candidate.ts';

export type QueueJobRow = Selectable<QueueJobsTable>;
type OwnerKey = Pick<QueueOwnersTable, 'priority' | 'course' | 'owner'>;

const NOW = slot('now');

export interface ClaimValues {
  now: string;
  workerId: string;
  leaseUntil: string;
}

export interface ClaimStatements {
  /** Whether the claims also stamp the service (PostgreSQL); else the caller runs `stamp` after. */
  stamped: boolean;
  /** Leases the fair pick (fair-candidate.ts); ClaimValues. */
  fair: QueryTemplate<QueueJobRow>;
  /** Leases the most urgent, oldest job whoever's it is; ClaimValues. */
  fifo: QueryTemplate<QueueJobRow>;
}

type Candidate = ReturnType<typeof fifoCandidate>;
const CLAIM_SLOTS = ['now', 'workerId', 'leaseUntil'];

/** Leases the job `candidate` selects, if it is still claimable; returns its row. */
function lease(db: Db, dialect: DialectName, candidate: Candidate) {
  return (
    db
      .updateTable('queue_jobs')
      .set((eb) => ({ leased_by: slot('workerId'), lease_until: slot('leaseUntil'), attempts: eb('attempts', '+', 1) }))
      // PostgreSQL: concurrent claimers skip each other's rows instead of waiting (SQLite has one writer).
      .where('id', '=', candidate.$if(dialect === 'postgres', (q) => q.forUpdate('queue_jobs').skipLocked()))
      // Checked again on the row the update locked: on PostgreSQL it may have changed since the
      // subquery's snapshot.
      .where(claimableAt(NOW))
      .returningAll()
  );
}

/**
 * PostgreSQL: the lease and the service stamp in one statement, one round trip to the database.
 * The course row is written before the owner row, as in `stampStatement`.
 */
function leaseAndStamp(db: Db, leasing: ReturnType<typeof lease>) {
  return db
    .with('claimed', () => leasing)
    .with('stamped', (q) =>
      q
        .insertInto('queue_service')
        .columns(['kind', 'name', 'served_at'])
        .expression(
          q
            .selectFrom('claimed')
            .select([sql.lit('course').as('kind'), 'course as name', sql.val(NOW).as('served_at')])
            .unionAll(q.selectFrom('claimed').select([sql.lit('owner').as('kind'), 'owner as name', sql.val(NOW).as('served_at')])),
        )
        .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet((eb) => ({ served_at: eb.ref('excluded.served_at') }))),
    )
    .selectFrom('claimed')
    .selectAll();
}

function claimTemplate(db: Db, dialect: DialectName, candidate: Candidate): QueryTemplate<QueueJobRow> {
  const leasing = lease(db, dialect, candidate);
  return new QueryTemplate(dialect === 'postgres' ? leaseAndStamp(db, leasing).compile() : leasing.compile(), CLAIM_SLOTS);
}

/** Both claims for one room (`free` within `total`). */
export function claimStatements(db: Db, dialect: DialectName, free: Capacity, total: Capacity): ClaimStatements {
  return {
    stamped: dialect === 'postgres',
    fair: claimTemplate(db, dialect, fairCandidate(db, NOW, free, total)),
    fifo: claimTemplate(db, dialect, fifoCandidate(db, NOW, free, total)),
  };
}

/**
 * SQLite: remembers a claim's course and owner for the next claims' round-robin (`now`, `course`,
 * `owner`), a statement of its own after the claim (SQLite has no writing subqueries).
 */
export function stampStatement(db: Db): QueryTemplate<unknown> {
  const compiled = db
    .insertInto('queue_service')
    .values([
      { kind: 'course', name: slot('course'), served_at: NOW },
      { kind: 'owner', name: slot('owner'), served_at: NOW },
    ])
    .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet((eb) => ({ served_at: eb.ref('excluded.served_at') })))
    .compile();
  return new QueryTemplate<unknown>(compiled, ['course', 'owner', 'now']);
}

export interface CompletionStatements {
  /** Deletes the job (`jobId`) if `workerId` holds it; returns its owner key. */
  remove: QueryTemplate<OwnerKey>;
  /** Counts one job less for the owner key; returns what is left. */
  uncount: QueryTemplate<Pick<QueueOwnersTable, 'queued'>>;
  /** Deletes the owner key's row (run when nothing is left). */
  forget: QueryTemplate<unknown>;
}

export function completionStatements(db: Db): CompletionStatements {
  const ofOwner = { priority: slot<number>('priority'), course: slot('course'), owner: slot('owner') };
  const keySlots = ['priority', 'course', 'owner'];
  return {
    remove: new QueryTemplate(
      db.deleteFrom('queue_jobs').where('id', '=', slot('jobId')).where('leased_by', '=', slot('workerId')).returning(['priority', 'course', 'owner']).compile(),
      ['jobId', 'workerId'],
    ),
    uncount: new QueryTemplate(
      db
        .updateTable('queue_owners')
        .set((eb) => ({ queued: eb('queued', '-', 1) }))
        .where('priority', '=', ofOwner.priority)
        .where('course', '=', ofOwner.course)
        .where('owner', '=', ofOwner.owner)
        .returning('queued')
        .compile(),
      keySlots,
    ),
    forget: new QueryTemplate<unknown>(
      db.deleteFrom('queue_owners').where('priority', '=', ofOwner.priority).where('course', '=', ofOwner.course).where('owner', '=', ofOwner.owner).compile(),
      keySlots,
    ),
  };
}
