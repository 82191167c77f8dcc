/** Sign-in, sign-out and "sign out everywhere" (docs/web.md). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Unauthenticated } from '../../../platform/errors.ts';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import {
  clearSessionCookie,
  isSecure,
  sameToken,
  setSessionCookie,
  signInCookieName,
  signInToken,
  WEB_ROUTE,
} from '../../web/web-session.ts';
import { SignInForm } from './sign-in-page.tsx';

/** Only paths of this site: `/x`, never `//evil.example` or `/\evil.example`. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && !next.startsWith('/sign-') ? next : '/';
}

function field(body: unknown, name: string): string {
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

export function signInPages(app: FastifyInstance, deps: WebDeps): void {
  const { platform, signInLimiter } = deps;

  const showForm = (request: FastifyRequest, reply: FastifyReply, view: { next: string; login?: string; error?: string; notice?: string }, status = 200): Promise<FastifyReply> => {
    const token = signInToken(request, reply, isSecure(request, deps.options));
    return sendPage(reply, <SignInForm ctx={pageContext(request, deps.assets)} token={token} {...view} />, status);
  };

  app.get('/sign-in', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const next = safeNext(query.next);
    if (request.webSession) return reply.redirect(next, 303);
    const notice = query['signed-out'] !== undefined ? 'You are signed out.' : query['password-set'] !== undefined ? 'Your password is set: sign in with it.' : undefined;
    return showForm(request, reply, { next, ...(notice === undefined ? {} : { notice }) });
  });

  app.post('/sign-in', { config: { ...WEB_ROUTE, signInForm: true }, schema: { hide: true } }, async (request, reply) => {
    const secure = isSecure(request, deps.options);
    const login = field(request.body, 'login').trim();
    const password = field(request.body, 'password');
    const next = safeNext(field(request.body, 'next'));
    if (!sameToken(field(request.body, '_csrf'), request.cookies[signInCookieName(secure)])) {
      return showForm(request, reply, { next, login, error: 'This sign-in form expired or was not sent by gradebox. Please try again.' }, 403);
    }
    if (login === '' || password === '') return showForm(request, reply, { next, login, error: 'Enter your login and your password.' }, 400);
    const wait = signInLimiter.retryAfterSeconds(login, request.ip);
    if (wait.seconds > 0) {
      reply.header('retry-after', String(wait.seconds));
      const minutes = Math.ceil(wait.seconds / 60);
      const who = wait.by === 'login' ? 'this login' : 'your network address';
      return showForm(request, reply, { next, login, error: `Too many failed sign-ins for ${who}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }, 429);
    }
    let session;
    try {
      session = await platform.signIn(login, password);
    } catch (error) {
      if (!(error instanceof Unauthenticated)) throw error;
      signInLimiter.failed(login, request.ip);
      return showForm(request, reply, { next, login, error: 'Wrong login or password.' }, 401);
    }
    signInLimiter.succeeded(login);
    // A session that was there before is ended: the new id replaces it (no fixation).
    if (request.webSession) await platform.signOut(request.webSession.id);
    setSessionCookie(reply, secure, session.sessionId);
    reply.clearCookie(signInCookieName(secure), { path: '/', secure, httpOnly: true, sameSite: 'lax' });
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    if (request.webSession) await platform.signOut(request.webSession.id);
    clearSessionCookie(reply, isSecure(request, deps.options));
    return reply.redirect('/sign-in?signed-out', 303);
  });

  app.post('/sign-out-everywhere', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    await platform.signOutEverywhere(pageActor(request));
    clearSessionCookie(reply, isSecure(request, deps.options));
    return reply.redirect('/sign-in?signed-out', 303);
  });
}

