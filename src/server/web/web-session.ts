/**
 * The browser session of a web request: the cookie, the signed-in user and the CSRF checks.
 *
 * - The cookie holds only the random session id; `HttpOnly`, `SameSite=Lax`, `Path=/`, and when
 *   served over HTTPS (or behind a proxy that terminates it: GRADEBOX_SECURE_COOKIES=1) `Secure`
 *   with the `__Host-` prefix, which browsers only accept from a secure origin, for the whole host.
 * - Every state-changing request must come from our own pages: `Sec-Fetch-Site` (when sent) must
 *   be `same-origin` or `none`, `Origin` (when sent) must be this host, and the form must carry
 *   the session's synchronizer token (field `_csrf`, header `X-CSRF-Token`, or `?csrf=` on
 *   multipart uploads, whose body is only read after the check). The sign-in form, before any
 *   session, carries a token bound to a short-lived cookie of its own (double submit).
 */
import { timingSafeEqual, randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Forbidden } from '../../platform/errors.ts';
import type { SessionActor } from '../../platform/web-sign-in.ts';
import { SESSION_LIFETIME_MS } from '../../platform/web-sign-in.ts';

export interface WebOptions {
  /** Mark cookies `Secure` with the `__Host-` prefix even when the request came over plain HTTP (a TLS proxy in front). */
  secureCookies: boolean;
}

export function webOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): WebOptions {
  return { secureCookies: env.GRADEBOX_SECURE_COOKIES === '1' || env.GRADEBOX_SECURE_COOKIES === 'true' };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The web session of a page request; null when signed out (or not a page). */
    webSession: (SessionActor & { id: string }) | null;
  }
  interface FastifyContextConfig {
    /** A web page: signed in by the session cookie, not a bearer token. */
    web?: boolean;
  }
}

/** Route options of a web page: `app.get(url, { config: WEB_ROUTE }, …)`. */
export const WEB_ROUTE = { web: true } as const;

export function isSecure(request: FastifyRequest, options: WebOptions): boolean {
  return options.secureCookies || request.protocol === 'https';
}

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-gradebox-session' : 'gradebox-session';
}

export function signInCookieName(secure: boolean): string {
  return secure ? '__Host-gradebox-sign-in' : 'gradebox-sign-in';
}

function cookieOptions(secure: boolean, maxAgeSeconds: number): { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean; maxAge: number } {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: maxAgeSeconds };
}

export function setSessionCookie(reply: FastifyReply, secure: boolean, sessionId: string): void {
  reply.setCookie(sessionCookieName(secure), sessionId, cookieOptions(secure, Math.floor(SESSION_LIFETIME_MS / 1000)));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(sessionCookieName(secure), { path: '/', secure, httpOnly: true, sameSite: 'lax' });
}

/** The sign-in form's token: reuses the cookie's when it has one, so two open tabs both work. */
export function signInToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = request.cookies[signInCookieName(secure)];
  if (existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  reply.setCookie(signInCookieName(secure), token, cookieOptions(secure, 60 * 60));
  return token;
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length === 0) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const CROSS_SITE = new Forbidden('this form was sent from another site; reload the page and try again');

/** Refuses a state-changing request that did not come from one of our pages (before its body is read). */
export function checkSameOrigin(request: FastifyRequest): void {
  // Browsers set Sec-Fetch-Site themselves (pages cannot forge it): when present, it decides.
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site !== 'same-origin' && site !== 'none') throw CROSS_SITE;
    return;
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw CROSS_SITE;
    }
    if (origin === 'null' || host !== request.headers.host) throw CROSS_SITE;
  }
}

/** The synchronizer token of a form, header or (multipart uploads) query string. */
export function sentCsrfToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && typeof body._csrf === 'string') return body._csrf;
  const query = request.query as Record<string, unknown> | undefined;
  if (query && typeof query.csrf === 'string') return query.csrf;
  return undefined;
}

/** Refuses a state-changing request whose token is not the session's. */
export function checkCsrfToken(request: FastifyRequest): void {
  if (!request.webSession || !sameToken(sentCsrfToken(request), request.webSession.csrfToken)) {
    throw new Forbidden('this form has expired or was not sent by gradebox (no valid CSRF token); reload the page and try again');
  }
}
