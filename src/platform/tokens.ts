/**
 * API tokens: issued once in clear, stored as SHA-256, revocable, with scopes and an expiry.
 *
 * A token a user issues for themselves is minted with the token they call with, its parent: it
 * has no more scopes, expires no later, and is revoked with it (and with its parent's parent…),
 * so a short-lived token cannot be turned into a lasting one. A token an admin issues for someone
 * else is a grant of its own. One user holds at most MAX_TOKENS_PER_USER usable tokens.
 */
import { dialectOf } from '../db/dialect-of.ts';
import type { DbExecutor, DbTransaction } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import { isoNow, type PlatformContext } from './context.ts';
import { Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated } from './errors.ts';
import { hashToken, newId, newToken } from './ids.ts';
import { MAX_TOKENS_PER_USER, SCOPES, type Actor, type ApiToken, type IssuedToken, type Scope } from './model.ts';
import { hasScope, requireAdmin, requireScope } from './permissions.ts';
import { tokenFromRow } from './rows.ts';

const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Revoked and expired tokens kept per user, for `tokens list`; older ones are deleted as new ones are issued. */
export const KEPT_DEAD_TOKENS_PER_USER = 50;

export interface TokenRequest {
  login: string;
  name: string;
  scopes: Scope[];
  expiresInDays?: number;
}

/** The token a new one is minted with: the new one ends no later and points to it. */
interface Parent {
  id: string;
  expiresAt: string | null;
}

function checkRequest(input: TokenRequest): void {
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 100) {
    throw new InvalidInput('name: give the token a name of 1 to 100 characters (e.g. the machine it is for)', { field: 'name' });
  }
  if (!Array.isArray(input.scopes) || input.scopes.length === 0) {
    throw new InvalidInput(`scopes: list at least one of ${SCOPES.join(', ')}`, { field: 'scopes', allowed: SCOPES });
  }
  const unknown = input.scopes.filter((s) => !SCOPES.includes(s));
  if (unknown.length > 0) {
    throw new InvalidInput(`scopes: unknown scope ${unknown.map((s) => `'${String(s)}'`).join(', ')}; allowed: ${SCOPES.join(', ')}`, {
      field: 'scopes',
      allowed: SCOPES,
    });
  }
  const days = input.expiresInDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_EXPIRY_DAYS)) {
    throw new InvalidInput(`expiresInDays: must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS} (got ${String(days)})`, {
      field: 'expiresInDays',
      min: 1,
      max: MAX_EXPIRY_DAYS,
    });
  }
}

/** The earlier of the asked-for expiry and the parent's; null is never. */
function expiryOf(now: Date, days: number | undefined, parent: Parent | undefined): string | null {
  const asked = days === undefined ? null : new Date(now.getTime() + days * DAY_MS).toISOString();
  const limit = parent?.expiresAt ?? null;
  if (asked === null) return limit;
  return limit !== null && limit < asked ? limit : asked;
}

/** Stores a new token for `login` (no permission or count check: callers have made theirs). */
export async function createToken(db: DbExecutor, now: Date, input: TokenRequest, parent?: Parent): Promise<IssuedToken> {
  const token = newToken();
  const scopes = SCOPES.filter((s) => input.scopes.includes(s));
  const row = {
    id: newId('tok'),
    login: input.login,
    name: input.name.trim(),
    token_hash: hashToken(token),
    scopes: JSON.stringify(scopes),
    created_at: now.toISOString(),
    expires_at: expiryOf(now, input.expiresInDays, parent),
    last_used_at: null,
    revoked_at: null,
    parent_id: parent?.id ?? null,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { ...tokenFromRow(row), token };
}

/**
 * Admins (with `manage`) for anyone; anyone for themselves, minted with the token they call with:
 * at most its scopes, no later than its expiry. 409 `too-many-tokens` when the user already holds
 * MAX_TOKENS_PER_USER usable ones.
 */
export async function issueToken(ctx: PlatformContext, actor: Actor, input: TokenRequest): Promise<IssuedToken> {
  checkRequest(input);
  const forSelf = input.login === actor.login;
  if (forSelf) {
    if (!input.scopes.every((s) => hasScope(actor, s))) {
      throw new Forbidden(`a token you issue may have at most your current token's scopes (${actor.scopes.join(', ')})`);
    }
  } else {
    if (!actor.isAdmin) throw new Forbidden('only admins may issue tokens for other users');
    requireScope(actor, 'manage');
  }
  return runInTransaction(ctx.db, async (tx) => {
    const now = ctx.now();
    // The user's row is the lock that keeps concurrent issues from passing the cap together (PostgreSQL; SQLite runs one writer at a time).
    const user = await tx.selectFrom('users').select('login').where('login', '=', input.login).$if(dialectOf(tx) === 'postgres', (q) => q.forUpdate()).executeTakeFirst();
    if (!user) throw new NotFound(`no user '${input.login}'`);
    const parent = forSelf ? await liveParent(tx, actor, now) : undefined;
    await makeRoom(tx, input.login, now);
    return createToken(tx, now, input, parent);
  });
}

/**
 * The caller's token, locked for the transaction (a revocation of it waits, or has happened and
 * is seen): a token minted from a revoked or expired one would outlive it.
 */
async function liveParent(tx: DbTransaction, actor: Actor, now: Date): Promise<Parent> {
  const row = await tx
    .selectFrom('api_tokens')
    .select(['id', 'expires_at', 'revoked_at'])
    .where('id', '=', actor.tokenId)
    .$if(dialectOf(tx) === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now.toISOString())) {
    throw new Unauthenticated('the token you are using was revoked or has expired; log in again with a new token (gradebox login)');
  }
  return { id: row.id, expiresAt: row.expires_at };
}

/** Refuses a user who holds the most usable tokens; deletes their oldest dead ones beyond those kept. */
async function makeRoom(tx: DbTransaction, login: string, now: Date): Promise<void> {
  const nowIso = now.toISOString();
  const rows = await tx.selectFrom('api_tokens').select(['id', 'expires_at', 'revoked_at']).where('login', '=', login).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  const dead = rows.filter((r) => r.revoked_at !== null || (r.expires_at !== null && r.expires_at <= nowIso));
  const usable = rows.length - dead.length;
  if (usable >= MAX_TOKENS_PER_USER) {
    throw new Conflict(
      'too-many-tokens',
      `${login} already holds ${usable} usable tokens, the most one user may; revoke some first (gradebox tokens list ${login}, then gradebox tokens revoke ID)`,
      { max: MAX_TOKENS_PER_USER },
    );
  }
  const expired = dead.slice(KEPT_DEAD_TOKENS_PER_USER).map((r) => r.id);
  // A dead token's descendants are dead too (revoked with it, expiring no later), so no live token loses its parent.
  if (expired.length > 0) await tx.deleteFrom('api_tokens').where('id', 'in', expired).execute();
}

/** The user's tokens, newest first; never the token values. */
export async function listTokens(ctx: PlatformContext, actor: Actor, login: string): Promise<ApiToken[]> {
  requireScope(actor, 'read');
  if (login !== actor.login && !actor.isAdmin) throw new Forbidden("only admins may list other users' tokens");
  const user = await ctx.db.selectFrom('users').select('login').where('login', '=', login).executeTakeFirst();
  if (!user) throw new NotFound(`no user '${login}'`);
  const rows = await ctx.db.selectFrom('api_tokens').selectAll().where('login', '=', login).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(tokenFromRow);
}

/**
 * Revokes a token and every token minted from it, at any depth. The token's owner (any scope:
 * revoking only takes power away) or an admin with `manage`.
 */
export async function revokeToken(ctx: PlatformContext, actor: Actor, tokenId: string): Promise<void> {
  const row = await ctx.db.selectFrom('api_tokens').select(['id', 'login']).where('id', '=', tokenId).executeTakeFirst();
  // Someone else's token is reported missing, not forbidden: its id tells nothing then.
  if (!row || (row.login !== actor.login && !actor.isAdmin)) throw new NotFound(`no token '${tokenId}'`);
  if (row.login !== actor.login) requireScope(actor, 'manage');
  await runInTransaction(ctx.db, async (tx) => {
    const now = isoNow(ctx);
    // First the token itself: on PostgreSQL this waits for an issue minting from it to commit,
    // and the next statement, which reads afresh, then sees the new child.
    await tx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', tokenId).where('revoked_at', 'is', null).execute();
    await tx
      .withRecursive('descendants(id)', (db) =>
        db
          .selectFrom('api_tokens')
          .select('id')
          .where('parent_id', '=', tokenId)
          .union((more) => more.selectFrom('api_tokens').innerJoin('descendants', 'descendants.id', 'api_tokens.parent_id').select('api_tokens.id')),
      )
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('id', 'in', (eb) => eb.selectFrom('descendants').select('descendants.id'))
      .where('revoked_at', 'is', null)
      .execute();
  });
}

/**
 * Revokes every token of a user at once (tokens minted from them are theirs too), cutting them
 * off. The user themselves (any scope) or an admin with `manage`. Returns how many were revoked.
 */
export async function revokeUserTokens(ctx: PlatformContext, actor: Actor, login: string): Promise<number> {
  if (login !== actor.login) {
    requireAdmin(actor, "revoke other users' tokens");
    requireScope(actor, 'manage');
  }
  return runInTransaction(ctx.db, async (tx) => {
    // The same lock as issueToken's: a token being issued for the user is either seen here or refused there.
    const user = await tx.selectFrom('users').select('login').where('login', '=', login).$if(dialectOf(tx) === 'postgres', (q) => q.forUpdate()).executeTakeFirst();
    if (!user) throw new NotFound(`no user '${login}'`);
    const result = await tx.updateTable('api_tokens').set({ revoked_at: isoNow(ctx) }).where('login', '=', login).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}
