/**
 * The claim as compiled statements, built once and rebound for each claim. Kysely rebuilds and
 * recompiles a query on every call, and the fair claim is a large query (about a millisecond of
 * JavaScript to build, more than SQLite takes to run it) that runs once for every job; so each
 * shape (one per room a worker asks to fit in) is compiled once with marker values for the clock,
 * the worker and the lease, and each claim swaps in the real ones.
 */
import { sql, type CompiledQuery, type Selectable } from 'kysely';
import type { Db, DialectName } from '../../db/database.ts';
import type { QueueJobsTable } from '../../db/tables.ts';
import type { Capacity } from '../job-queue.ts';
import { claimableAt } from './claim-conditions.ts';
import { fairCandidate, fifoCandidate } from './fair-candidate.ts';

export type QueueJobRow = Selectable<QueueJobsTable>;

/** Values no real parameter can equal (ids, times and logins hold no NUL). */
const NOW = '\u0000now\u0000';
const WORKER = '\u0000worker\u0000';
const LEASE_UNTIL = '\u0000lease-until\u0000';

export interface ClaimStatements {
  /** Whether the statements also stamp the service (PostgreSQL); else the caller runs `stampService`. */
  stamped: boolean;
  /** Leases the fair pick (fair-candidate.ts). */
  fair: CompiledQuery<QueueJobRow>;
  /** Leases the most urgent, oldest job whoever's it is. */
  fifo: CompiledQuery<QueueJobRow>;
}

export interface ClaimValues {
  nowIso: string;
  workerId: string;
  leaseUntil: string;
}

type Candidate = ReturnType<typeof fifoCandidate>;

/** Leases the job `candidate` selects, if it is still claimable; returns its row. */
function lease(db: Db, dialect: DialectName, candidate: Candidate) {
  return (
    db
      .updateTable('queue_jobs')
      .set((eb) => ({ leased_by: WORKER, lease_until: LEASE_UNTIL, attempts: eb('attempts', '+', 1) }))
      // PostgreSQL: concurrent claimers skip each other's rows instead of waiting (SQLite has one writer).
      .where('id', '=', candidate.$if(dialect === 'postgres', (q) => q.forUpdate('queue_jobs').skipLocked()))
      // Checked again on the row the update locked: on PostgreSQL it may have changed since the
      // subquery's snapshot.
      .where(claimableAt(NOW))
      .returningAll()
  );
}

function leaseStatement(db: Db, dialect: DialectName, candidate: Candidate): CompiledQuery<QueueJobRow> {
  const compiled = dialect === 'postgres' ? leaseAndStamp(db, lease(db, dialect, candidate)) : lease(db, dialect, candidate).compile();
  for (const marker of [NOW, WORKER, LEASE_UNTIL]) {
    if (!compiled.parameters.includes(marker)) throw new Error('the claim statement lost a parameter marker; check claim-statements.ts against kysely');
  }
  return compiled;
}

/**
 * PostgreSQL: the lease and the service stamp (see `stampService`) in one statement, one round
 * trip to the database. The course row is written before the owner row, as everywhere.
 */
function leaseAndStamp(db: Db, leasing: ReturnType<typeof lease>): CompiledQuery<QueueJobRow> {
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
    .selectAll()
    .compile();
}

/** SQLite: the stamp after the claim, a statement of its own (SQLite has no writing subqueries). */
export function stampService(db: Db, course: string, owner: string, nowIso: string) {
  return db
    .insertInto('queue_service')
    .values([
      { kind: 'course', name: course, served_at: nowIso },
      { kind: 'owner', name: owner, served_at: nowIso },
    ])
    .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet((eb) => ({ served_at: eb.ref('excluded.served_at') })));
}

/** Both claim statements for one room (`free` within `total`), with markers in place of the values. */
export function claimStatements(db: Db, dialect: DialectName, free: Capacity, total: Capacity): ClaimStatements {
  return {
    stamped: dialect === 'postgres',
    fair: leaseStatement(db, dialect, fairCandidate(db, NOW, free, total)),
    fifo: leaseStatement(db, dialect, fifoCandidate(db, NOW, free, total)),
  };
}

/** `statement` with this claim's values in place of the markers. */
export function bindClaim(statement: CompiledQuery<QueueJobRow>, values: ClaimValues): CompiledQuery<QueueJobRow> {
  const byMarker = new Map<unknown, string>([
    [NOW, values.nowIso],
    [WORKER, values.workerId],
    [LEASE_UNTIL, values.leaseUntil],
  ]);
  return { ...statement, parameters: statement.parameters.map((p) => byMarker.get(p) ?? p) };
}
