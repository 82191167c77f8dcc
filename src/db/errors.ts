/** Recognises database errors the same way on both dialects. */

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/**
 * True for a UNIQUE or PRIMARY KEY violation: PostgreSQL's SQLSTATE 23505, SQLite's extended
 * codes 2067 (SQLITE_CONSTRAINT_UNIQUE) and 1555 (SQLITE_CONSTRAINT_PRIMARYKEY).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = field(error, 'code');
  if (code === '23505') return true;
  const errcode = field(error, 'errcode');
  return code === 'ERR_SQLITE_ERROR' && (errcode === 2067 || errcode === 1555);
}

/** True for a FOREIGN KEY violation: SQLSTATE 23503, SQLite's 787 (SQLITE_CONSTRAINT_FOREIGNKEY). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = field(error, 'code');
  if (code === '23503') return true;
  return code === 'ERR_SQLITE_ERROR' && field(error, 'errcode') === 787;
}
