/** API tokens: issued once in clear, stored as SHA-256, revocable, with scopes and an expiry. */
import type { DbExecutor } from '../db/database.ts';
import { isoNow, type PlatformContext } from './context.ts';
import { Forbidden, InvalidInput, NotFound } from './errors.ts';
import { hashToken, newId, newToken } from './ids.ts';
import { SCOPES, type Actor, type ApiToken, type IssuedToken, type Scope } from './model.ts';
import { requireScope } from './permissions.ts';
import { tokenFromRow } from './rows.ts';

const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface TokenRequest {
  login: string;
  name: string;
  scopes: Scope[];
  expiresInDays?: number;
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

/** Stores a new token for `login` (no permission check: callers have made theirs). */
export async function createToken(db: DbExecutor, now: Date, input: TokenRequest): Promise<IssuedToken> {
  const token = newToken();
  const scopes = SCOPES.filter((s) => input.scopes.includes(s));
  const row = {
    id: newId('tok'),
    login: input.login,
    name: input.name.trim(),
    token_hash: hashToken(token),
    scopes: JSON.stringify(scopes),
    created_at: now.toISOString(),
    expires_at: input.expiresInDays === undefined ? null : new Date(now.getTime() + input.expiresInDays * DAY_MS).toISOString(),
    last_used_at: null,
    revoked_at: null,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { ...tokenFromRow(row), token };
}

/** Admins (with `manage`) for anyone; anyone for themselves, with at most their own token's scopes. */
export async function issueToken(ctx: PlatformContext, actor: Actor, input: TokenRequest): Promise<IssuedToken> {
  checkRequest(input);
  const forSelf = input.login === actor.login && input.scopes.every((s) => actor.scopes.includes(s));
  if (!forSelf) {
    if (!actor.isAdmin) {
      throw new Forbidden(
        input.login === actor.login
          ? `a token you issue may have at most your current token's scopes (${actor.scopes.join(', ')})`
          : 'only admins may issue tokens for other users',
      );
    }
    requireScope(actor, 'manage');
  }
  const user = await ctx.db.selectFrom('users').select('login').where('login', '=', input.login).executeTakeFirst();
  if (!user) throw new NotFound(`no user '${input.login}'`);
  return createToken(ctx.db, ctx.now(), input);
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

/** The token's owner (any scope: revoking only takes power away) or an admin with `manage`. */
export async function revokeToken(ctx: PlatformContext, actor: Actor, tokenId: string): Promise<void> {
  const row = await ctx.db.selectFrom('api_tokens').select(['id', 'login']).where('id', '=', tokenId).executeTakeFirst();
  // Someone else's token is reported missing, not forbidden: its id tells nothing then.
  if (!row || (row.login !== actor.login && !actor.isAdmin)) throw new NotFound(`no token '${tokenId}'`);
  if (row.login !== actor.login) requireScope(actor, 'manage');
  await ctx.db.updateTable('api_tokens').set({ revoked_at: isoNow(ctx) }).where('id', '=', tokenId).where('revoked_at', 'is', null).execute();
}
