/**
 * The claim's filters as pure Kysely expressions (no I/O), shared by every dialect.
 */
import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import type { Database } from '../../db/tables.ts';
import type { Capacity } from '../job-queue.ts';

type QueueRow = ExpressionBuilder<Database, 'queue_jobs'>;

/**
 * Leased, and the lease has not run out: the job is running somewhere (the complement of
 * claimable's first half). `leased_by > ''` rather than `is not null` (worker ids are never
 * empty): SQLite can walk the lease index over a range, not over `is not null`.
 */
export function runningAt(nowIso: string) {
  return (eb: QueueRow): Expression<SqlBool> => eb.and([eb('leased_by', '>', ''), eb('lease_until', '>=', nowIso)]);
}

/** Not leased (or its lease ran out) and past any retry delay. */
export function claimableAt(nowIso: string) {
  return (eb: QueueRow): Expression<SqlBool> =>
    eb.and([
      eb.or([eb('leased_by', 'is', null), eb('lease_until', '<', nowIso)]),
      eb('not_before', '<=', nowIso),
    ]);
}

/**
 * Admission: a job fits when min(asked, total) <= free for CPUs and for memory. As
 * min(a, t) <= f holds exactly when a <= f or t <= f, and `t <= f` is known here, each resource
 * is either no constraint (an idle worker takes anything, a too-big job alone) or `asked <= free`.
 */
export function fitsIn(free: Capacity, total: Capacity) {
  return (eb: QueueRow): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [];
    if (total.cpus > free.cpus) conditions.push(eb('cpus', '<=', free.cpus));
    if (total.memoryMiB > free.memoryMiB) conditions.push(eb('memory_mib', '<=', free.memoryMiB));
    return eb.and(conditions);
  };
}
