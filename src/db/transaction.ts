/**
 * Transactions with after-commit callbacks. Kysely has no commit hook, yet some effects must wait
 * for the commit: telling idle workers that jobs were enqueued is useless (on PostgreSQL, another
 * connection cannot see the rows yet) and wrong if the transaction then rolls back.
 */
import type { Db, DbExecutor, DbTransaction } from './database.ts';

const pending = new WeakMap<DbTransaction, Array<() => void>>();

/**
 * Runs `fn` in a transaction and, once it has committed, the callbacks registered for it with
 * `afterCommit`. A throw rolls back and drops the callbacks.
 */
export async function runInTransaction<T>(db: Db, fn: (tx: DbTransaction) => Promise<T>): Promise<T> {
  const callbacks: Array<() => void> = [];
  const result = await db.transaction().execute(async (tx) => {
    pending.set(tx, callbacks);
    try {
      return await fn(tx);
    } finally {
      pending.delete(tx);
    }
  });
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // A listener's fault must not turn a committed transaction into a failed call.
    }
  }
  return result;
}

/**
 * Calls `callback` once the work done on `executor` is committed: after the transaction when it
 * was opened with `runInTransaction`, on the next tick for a plain connection (auto-commit).
 * A transaction opened elsewhere gives no commit signal: the callback then runs on the next
 * tick, possibly before the commit — callers that need more (idle workers) also poll.
 */
export function afterCommit(executor: DbExecutor, callback: () => void): void {
  const callbacks = executor.isTransaction ? pending.get(executor as DbTransaction) : undefined;
  if (callbacks) callbacks.push(callback);
  else setImmediate(callback);
}
