/** Users and authentication: who is calling, first-start bootstrap, user administration. */
import { isUniqueViolation } from '../db/errors.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { DbExecutor } from '../db/database.ts';
import { isoNow, type PlatformContext } from './context.ts';
import { Conflict, InvalidInput, Unauthenticated } from './errors.ts';
import { hashToken, TOKEN_PREFIX } from './ids.ts';
import { SCOPES, type Actor, type IssuedToken, type Role, type Scope, type User } from './model.ts';
import { checkName } from './names.ts';
import { requireAdmin, requireScope } from './permissions.ts';
import { parseScopes, userFromRow } from './rows.ts';
import { createToken } from './tokens.ts';

/** `last_used_at` is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const BOOTSTRAP_LOGIN = 'admin';

/** Resolves a bearer token to its user and scopes; Unauthenticated for unknown, revoked or expired ones. */
export async function authenticate(ctx: PlatformContext, token: string): Promise<Actor> {
  if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX)) throw new Unauthenticated();
  const row = await ctx.db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.login', 'api_tokens.login')
    .select(['api_tokens.id', 'api_tokens.login', 'api_tokens.scopes', 'api_tokens.expires_at', 'api_tokens.revoked_at', 'api_tokens.last_used_at', 'users.is_admin'])
    .where('api_tokens.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) throw new Unauthenticated();
  const now = ctx.now();
  if (row.revoked_at !== null) throw new Unauthenticated(`this token was revoked on ${row.revoked_at}; log in again with a new token (gradebox login)`);
  if (row.expires_at !== null && row.expires_at <= now.toISOString()) {
    throw new Unauthenticated(`this token expired on ${row.expires_at}; log in again with a new token (gradebox login)`);
  }
  if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
    await ctx.db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
  }
  return { login: row.login, isAdmin: row.is_admin === 1, scopes: parseScopes(row.scopes), tokenId: row.id };
}

/** First start only: the `admin` user and a token with every scope; undefined once any user exists. */
export async function bootstrapAdmin(ctx: PlatformContext): Promise<IssuedToken | undefined> {
  try {
    return await runInTransaction(ctx.db, async (tx) => {
      const any = await tx.selectFrom('users').select('login').limit(1).executeTakeFirst();
      if (any) return undefined;
      const now = ctx.now();
      await tx.insertInto('users').values({ login: BOOTSTRAP_LOGIN, display_name: 'Administrator', is_admin: 1, created_at: now.toISOString() }).execute();
      return createToken(tx, now, { login: BOOTSTRAP_LOGIN, name: 'bootstrap', scopes: [...SCOPES] });
    });
  } catch (error) {
    // Another process bootstrapped at the same moment: there is an admin, and it is not ours to tell.
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
}

export async function whoami(ctx: PlatformContext, actor: Actor): Promise<{ user: User; scopes: Scope[]; courses: Array<{ id: string; role: Role }> }> {
  const user = await ctx.db.selectFrom('users').selectAll().where('login', '=', actor.login).executeTakeFirstOrThrow();
  const courses = await ctx.db.selectFrom('memberships').select(['course_id', 'role']).where('login', '=', actor.login).orderBy('course_id').execute();
  return { user: userFromRow(user), scopes: actor.scopes, courses: courses.map((c) => ({ id: c.course_id, role: c.role as Role })) };
}

/** Inserts a user unless it exists (for apply); true when it was created. */
export async function ensureUser(db: DbExecutor, now: string, login: string, displayName: string | undefined): Promise<boolean> {
  const existing = await db.selectFrom('users').select('login').where('login', '=', login).executeTakeFirst();
  if (existing) return false;
  await db.insertInto('users').values({ login, display_name: displayName ?? login, is_admin: 0, created_at: now }).execute();
  return true;
}

export async function createUser(ctx: PlatformContext, actor: Actor, input: { login: string; displayName?: string; isAdmin?: boolean }): Promise<User> {
  requireScope(actor, 'manage');
  requireAdmin(actor, 'create users');
  const login = checkName('login', input.login, 'login');
  if (input.displayName !== undefined && (typeof input.displayName !== 'string' || input.displayName.length > 200)) {
    throw new InvalidInput('displayName: must be a string of at most 200 characters', { field: 'displayName' });
  }
  const row = {
    login,
    display_name: input.displayName?.trim() || login,
    is_admin: input.isAdmin === true ? 1 : 0,
    created_at: isoNow(ctx),
  };
  try {
    await ctx.db.insertInto('users').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict('conflict', `user '${login}' already exists`);
    throw error;
  }
  return userFromRow(row);
}

export async function listUsers(ctx: PlatformContext, actor: Actor): Promise<User[]> {
  requireScope(actor, 'read');
  requireAdmin(actor, 'list users');
  const rows = await ctx.db.selectFrom('users').selectAll().orderBy('login').execute();
  return rows.map(userFromRow);
}
