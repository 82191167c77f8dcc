/**
 * Kysely's PostgreSQL dialect over a `pg` Pool. With a `schema`, every connection of the pool
 * starts with `search_path` set to it (a startup option, so no extra round trip per query), which
 * lets each test own a schema and lets several deployments share one database.
 */
import { PostgresDialect } from 'kysely';
import pg from 'pg';

export interface PostgresOptions {
  /** Schema to put every table in; created when missing. Lower-case letters, digits and `_`. */
  schema?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws unless `schema` is a plain identifier (it goes into a startup option, not a parameter). */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name '${schema}': use lower-case letters, digits and '_' (at most 63)`);
  }
  return schema;
}

/**
 * `int8` (what count(*) returns) parsed as a JS number: our counts stay far below 2^53. Set per
 * pool rather than globally, so other users of `pg` in the process keep the default.
 */
const INT8_OID = 20;
const defaultParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : defaultParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A dialect over a new pool; `Kysely#destroy` ends the pool. */
export function createPostgresDialect(url: string, options: PostgresOptions = {}): PostgresDialect {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, that would end
  // the process. The pool replaces the connection and the next query reports any real outage.
  pool.on('error', () => undefined);
  return new PostgresDialect({ pool });
}
