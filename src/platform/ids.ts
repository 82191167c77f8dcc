import { createHash, randomBytes } from 'node:crypto';

/** Prefixes tell ids apart in logs and URLs: `sub_…` submissions, `job_…` grading jobs, `agv_…`/`agj_…`/`agt_…` autograde graders, runs and test runs, `gold_…` golden submissions, `rg_…` regrades, … */
export type IdPrefix = 'sub' | 'job' | 'gv' | 'tok' | 'agv' | 'agj' | 'agt' | 'gold' | 'rg';

/** A new random id: the prefix, `_`, and 120 random bits in base64url (20 characters). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(15).toString('base64url')}`;
}

export const TOKEN_PREFIX = 'gbx_';

/** A new API token: `gbx_` and 32 random bytes in base64url. Shown once; only its hash is kept. */
export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What is stored for a token: the hex SHA-256 of the whole token (prefix included). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
