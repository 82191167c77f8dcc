import { PostgresAdapter } from 'kysely';
import type { DbExecutor, DialectName } from './database.ts';

/** Which of our two dialects a Kysely instance (or transaction) speaks, from its adapter. */
export function dialectOf(db: DbExecutor): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
