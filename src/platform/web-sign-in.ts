/**
 * Passwords, invitations and browser sessions for the web interface (docs/web.md). API tokens are
 * untouched: the API and the CLI keep using them.
 *
 * A session id is 32 random bytes the browser keeps in a cookie; the database keeps only its
 * SHA-256, so a stolen database holds no usable session. Each sign-in makes a new id (no session
 * fixation), sign-out deletes the row (a copied cookie is useless afterwards), and setting a
 * password signs the user out everywhere.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DbExecutor } from '../db/database.ts';
import { runInTransaction } from '../db/transaction.ts';
import { isoNow, type PlatformContext } from './context.ts';
import { Forbidden, InvalidInput, NotFound, Unauthenticated } from './errors.ts';
import { SCOPES, type Actor } from './model.ts';
import { dummyPasswordHash, hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from './password-hash.ts';
import { requireScope } from './permissions.ts';

const HOUR_MS = 60 * 60 * 1000;
/** A session ends 14 days after sign-in, or after 2 days without use, whichever comes first. */
export const SESSION_LIFETIME_MS = 14 * 24 * HOUR_MS;
export const SESSION_IDLE_MS = 2 * 24 * HOUR_MS;
/** Only write `last_seen_at` this often (a page view should not always be a write). */
const LAST_SEEN_RESOLUTION_MS = 5 * 60 * 1000;
const DEFAULT_INVITATION_HOURS = 72;
const MAX_INVITATION_HOURS = 30 * 24;

/** Marks the Actor of a browser session (tokenId of API tokens start with `tok_`). */
export const WEB_SESSION_TOKEN_ID = 'web-session';

export interface WebSession {
  /** The cookie's value: shown once, stored hashed. */
  sessionId: string;
  /** The synchronizer token every form of this session must carry. */
  csrfToken: string;
  login: string;
  expiresAt: string;
}

export interface SessionActor {
  actor: Actor;
  csrfToken: string;
  displayName: string;
}

export interface Invitation {
  login: string;
  /** The one-time secret of the link (`/invitations/<token>`); shown once, stored hashed. */
  token: string;
  expiresAt: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const randomSecret = (): string => randomBytes(32).toString('base64url');

function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new InvalidInput(`password: use ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (a passphrase of several words is best)`, {
      field: 'password',
      min: PASSWORD_MIN_LENGTH,
      max: PASSWORD_MAX_LENGTH,
    });
  }
  return password;
}

async function storePassword(ctx: PlatformContext, db: DbExecutor, login: string, hash: string): Promise<void> {
  const at = isoNow(ctx);
  await db
    .insertInto('user_passwords')
    .values({ login, password_hash: hash, set_at: at })
    .onConflict((oc) => oc.column('login').doUpdateSet({ password_hash: hash, set_at: at }))
    .execute();
  // A new password ends every session: whoever knew the old one is out.
  await db.deleteFrom('web_sessions').where('login', '=', login).execute();
}

/** Admins (with `manage`): sets a user's password and signs them out everywhere. */
export async function setPassword(ctx: PlatformContext, actor: Actor, login: string, password: string): Promise<void> {
  requireScope(actor, 'manage');
  if (!actor.isAdmin) throw new Forbidden('only admins may set passwords; others set theirs through an invitation link');
  checkPassword(password);
  const user = await ctx.db.selectFrom('users').select('login').where('login', '=', login).executeTakeFirst();
  if (!user) throw new NotFound(`no user '${login}'`);
  const hash = await hashPassword(password);
  await runInTransaction(ctx.db, (tx) => storePassword(ctx, tx, login, hash));
}

/**
 * A one-time link for `login` to set their password. Admins for anyone; instructors for the
 * students and TAs of their courses (not for admins or other instructors, whose accounts they
 * could otherwise take over).
 */
export async function createInvitation(ctx: PlatformContext, actor: Actor, login: string, options: { expiresInHours?: number } = {}): Promise<Invitation> {
  requireScope(actor, 'manage');
  const hours = options.expiresInHours ?? DEFAULT_INVITATION_HOURS;
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_INVITATION_HOURS) {
    throw new InvalidInput(`expiresInHours: a whole number from 1 to ${MAX_INVITATION_HOURS}`, { field: 'expiresInHours', min: 1, max: MAX_INVITATION_HOURS });
  }
  const user = await ctx.db.selectFrom('users').select(['login', 'is_admin']).where('login', '=', login).executeTakeFirst();
  if (!actor.isAdmin) {
    const shared = await ctx.db
      .selectFrom('memberships as mine')
      .innerJoin('memberships as theirs', 'theirs.course_id', 'mine.course_id')
      .select('theirs.role')
      .where('mine.login', '=', actor.login)
      .where('mine.role', '=', 'instructor')
      .where('theirs.login', '=', login)
      .where('theirs.role', 'in', ['student', 'ta'])
      .executeTakeFirst();
    if (!user || !shared || user.is_admin === 1) throw new Forbidden(`only admins, or instructors of a course '${login}' is a student or TA of, may invite '${login}'`);
  }
  if (!user) throw new NotFound(`no user '${login}'`);
  const token = randomSecret();
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + hours * HOUR_MS).toISOString();
  await ctx.db
    .insertInto('invitations')
    .values({ token_hash: sha256(token), login, created_by: actor.login, created_at: now.toISOString(), expires_at: expiresAt, used_at: null })
    .execute();
  return { login, token, expiresAt };
}

async function usableInvitation(ctx: PlatformContext, token: string): Promise<{ token_hash: string; login: string; expires_at: string }> {
  const row = typeof token === 'string' && token.length <= 100
    ? await ctx.db.selectFrom('invitations').select(['token_hash', 'login', 'expires_at', 'used_at']).where('token_hash', '=', sha256(token)).executeTakeFirst()
    : undefined;
  // One answer for unknown, used and expired links: the link itself is the secret.
  if (!row || row.used_at !== null || row.expires_at <= isoNow(ctx)) {
    throw new NotFound('this invitation link is unknown, used or expired: ask for a new one');
  }
  return row;
}

/** Who an invitation is for (the page that asks for the new password shows it). */
export async function describeInvitation(ctx: PlatformContext, token: string): Promise<{ login: string; expiresAt: string }> {
  const row = await usableInvitation(ctx, token);
  return { login: row.login, expiresAt: row.expires_at };
}

/** Sets the invitee's password and uses the link up (at most once, even when two requests race). */
export async function acceptInvitation(ctx: PlatformContext, token: string, password: string): Promise<{ login: string }> {
  checkPassword(password);
  const row = await usableInvitation(ctx, token);
  const hash = await hashPassword(password);
  return runInTransaction(ctx.db, async (tx) => {
    const used = await tx
      .updateTable('invitations')
      .set({ used_at: isoNow(ctx) })
      .where('token_hash', '=', row.token_hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) throw new NotFound('this invitation link is unknown, used or expired: ask for a new one');
    await storePassword(ctx, tx, row.login, hash);
    return { login: row.login };
  });
}

/** Checks the password and starts a new session; one message for every failure (no user enumeration). */
export async function signIn(ctx: PlatformContext, login: string, password: string): Promise<WebSession> {
  const wrong = new Unauthenticated('wrong login or password');
  if (typeof login !== 'string' || typeof password !== 'string' || login.length > 200 || password.length > PASSWORD_MAX_LENGTH) throw wrong;
  const row = await ctx.db.selectFrom('user_passwords').select(['login', 'password_hash']).where('login', '=', login).executeTakeFirst();
  // Without a password, verify against a dummy hash anyway: the answer takes as long either way.
  const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
  if (!row || !ok) throw wrong;
  const sessionId = randomSecret();
  const csrfToken = randomSecret();
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString();
  await ctx.db
    .insertInto('web_sessions')
    .values({ id_hash: sha256(sessionId), login: row.login, csrf_token: csrfToken, created_at: now.toISOString(), last_seen_at: now.toISOString(), expires_at: expiresAt })
    .execute();
  return { sessionId, csrfToken, login: row.login, expiresAt };
}

/**
 * The signed-in user of a session cookie; Unauthenticated for an unknown, ended or expired one.
 * A session acts with every scope: the person is at the keyboard, and the roles decide.
 */
export async function authenticateSession(ctx: PlatformContext, sessionId: string): Promise<SessionActor> {
  const ended = new Unauthenticated('your session has ended: sign in again');
  if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 100) throw ended;
  const row = await ctx.db
    .selectFrom('web_sessions')
    .innerJoin('users', 'users.login', 'web_sessions.login')
    .select(['web_sessions.id_hash', 'web_sessions.login', 'web_sessions.csrf_token', 'web_sessions.last_seen_at', 'web_sessions.expires_at', 'users.is_admin', 'users.display_name'])
    .where('web_sessions.id_hash', '=', sha256(sessionId))
    .executeTakeFirst();
  if (!row) throw ended;
  const now = ctx.now();
  if (row.expires_at <= now.toISOString() || now.getTime() - Date.parse(row.last_seen_at) > SESSION_IDLE_MS) {
    await ctx.db.deleteFrom('web_sessions').where('id_hash', '=', row.id_hash).execute();
    throw ended;
  }
  if (now.getTime() - Date.parse(row.last_seen_at) >= LAST_SEEN_RESOLUTION_MS) {
    await ctx.db.updateTable('web_sessions').set({ last_seen_at: now.toISOString() }).where('id_hash', '=', row.id_hash).execute();
  }
  return {
    actor: { login: row.login, isAdmin: row.is_admin === 1, scopes: [...SCOPES], tokenId: WEB_SESSION_TOKEN_ID },
    csrfToken: row.csrf_token,
    displayName: row.display_name,
  };
}

/** Ends one session (the cookie is worthless from now on). Unknown ids are ignored. */
export async function signOut(ctx: PlatformContext, sessionId: string): Promise<void> {
  if (typeof sessionId !== 'string' || sessionId.length > 100) return;
  await ctx.db.deleteFrom('web_sessions').where('id_hash', '=', sha256(sessionId)).execute();
}

/** Ends every session of the caller (or, for admins, of `login`); returns how many. */
export async function signOutEverywhere(ctx: PlatformContext, actor: Actor, login = actor.login): Promise<number> {
  if (login !== actor.login && !actor.isAdmin) throw new Forbidden('only admins may sign other users out');
  const result = await ctx.db.deleteFrom('web_sessions').where('login', '=', login).executeTakeFirst();
  return Number(result.numDeletedRows);
}
