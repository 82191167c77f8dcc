/**
 * The web interface (docs/web.md): server-rendered pages under `/`, beside the JSON API under
 * `/api/`. Registered as one encapsulated fastify plugin, so its cookie and form parsing, its
 * session and CSRF hooks, its page CSP and its HTML error pages apply to pages only; the API and
 * its bearer tokens are unchanged. Each page lives in its own folder under src/server/pages/.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance } from 'fastify';
import { NotFound, PlatformError, Unauthenticated } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import type { SubmissionEvents } from '../../platform/submission-events.ts';
import type { BlobStore } from '../../image/blob-store.ts';
import type { ImageStore } from '../../image/image-store.ts';
import type { SubmissionIntakeLimits } from '../../intake/intake-limits.ts';
import { adminPage } from '../pages/admin/admin-route.tsx';
import { assignmentPage } from '../pages/assignment/assignment-route.tsx';
import { coursePage } from '../pages/course/course-route.tsx';
import { coursesPage } from '../pages/courses/courses-route.tsx';
import { graderPages } from '../pages/graders/graders-route.tsx';
import { invitationPage } from '../pages/invitation/invitation-route.tsx';
import { regradePage } from '../pages/regrade/regrade-route.tsx';
import { gradebookPages } from '../pages/gradebook/gradebook-route.tsx';
import { signInPages } from '../pages/sign-in/sign-in-route.tsx';
import { setupPage } from '../pages/setup/setup-route.tsx';
import { submissionPage } from '../pages/submission/submission-route.tsx';
import { testingPage } from '../pages/testing/testing-route.tsx';
import { queuePage } from '../pages/queue/queue-route.tsx';
import { allAssets, loadAssets } from './assets.ts';
import { ErrorPage } from './layout.tsx';
import { PAGE_CSP } from './page-csp.ts';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter, type SignInLimits } from './sign-in-limiter.ts';
import { pageContext, sendPage, type WebDeps } from './web-context.ts';
import { checkCsrfToken, checkSameOrigin, clearSessionCookie, isSecure, sessionCookieName, WEB_ROUTE, webOptionsFromEnv, type WebOptions } from './web-session.ts';

export interface WebAppDeps {
  platform: Platform;
  events: SubmissionEvents;
  blobs: BlobStore;
  intakeLimits: SubmissionIntakeLimits;
  /** Default: from the environment (GRADEBOX_SECURE_COOKIES). */
  options?: WebOptions;
  signInLimits?: SignInLimits;
  /** Grader images (the graders page's upload) and the largest archive accepted. */
  images: ImageStore;
  maxImageBytes: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const YEAR_SECONDS = 365 * 24 * 60 * 60;

/** Registers the pages and their assets on `app`. */
export async function installWebInterface(app: FastifyInstance, input: WebAppDeps): Promise<void> {
  const deps: WebDeps = {
    platform: input.platform,
    events: input.events,
    blobs: input.blobs,
    intakeLimits: input.intakeLimits,
    assets: loadAssets(),
    options: input.options ?? webOptionsFromEnv(),
    signInLimiter: new SignInLimiter(input.signInLimits ?? DEFAULT_SIGN_IN_LIMITS),
    images: input.images,
    maxImageBytes: input.maxImageBytes,
  };
  // Unknown paths: under /api/ the API's answer (a token first, then a JSON 404); anywhere else a
  // 404 page (the catch-all page route below), so that a browser never meets a JSON error.
  app.get('/api/*', { schema: { hide: true } }, (_request, reply) => reply.callNotFound());
  await app.register(async (web) => {
    await web.register(cookie);
    await web.register(formbody, { bodyLimit: 64 * 1024 });
    web.decorateRequest('webSession', null);

    web.addHook('onRequest', async (request, reply) => {
      reply.header('content-security-policy', PAGE_CSP);
      // With `no-referrer` (the API's) browsers send `Origin: null` on form posts; pages need their origin.
      reply.header('referrer-policy', 'same-origin');
      if (!SAFE_METHODS.has(request.method)) checkSameOrigin(request);
      const secure = isSecure(request, deps.options);
      const sessionId = request.cookies[sessionCookieName(secure)];
      if (sessionId === undefined) return;
      try {
        const session = await deps.platform.authenticateSession(sessionId);
        request.webSession = { ...session, id: sessionId };
        request.actor = session.actor;
      } catch (error) {
        if (!(error instanceof Unauthenticated)) throw error;
        clearSessionCookie(reply, secure);
      }
    });
    // After the form body is parsed (multipart bodies are read by the handler, after this).
    web.addHook('preHandler', async (request) => {
      if (SAFE_METHODS.has(request.method) || request.routeOptions.config.signInForm === true) return;
      checkCsrfToken(request);
    });

    web.setErrorHandler(async (error: FastifyError | PlatformError | Error, request, reply) => {
      const ctx = pageContext(request, deps.assets);
      if (error instanceof Unauthenticated) {
        if (request.method === 'GET' && request.webSession === null) {
          return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
        }
        return sendPage(reply, <ErrorPage ctx={ctx} status={401} title="Please sign in" message={error.message} signIn />, 401);
      }
      if (error instanceof PlatformError) {
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        const title = error.status === 404 ? 'Not found' : error.status === 403 ? 'Not allowed' : error.status === 429 ? 'Please wait' : 'That did not work';
        return sendPage(reply, <ErrorPage ctx={ctx} status={error.status} title={title} message={error.message} />, error.status);
      }
      const status = (error as FastifyError).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return sendPage(reply, <ErrorPage ctx={ctx} status={status} title="That did not work" message={error.message} />, status);
      }
      request.log.error({ err: error }, 'page failed');
      const message = `The server failed to show this page (request id ${request.id}); its log has the details.`;
      return sendPage(reply, <ErrorPage ctx={ctx} status={500} title="Something went wrong" message={message} />, 500);
    });

    web.get('/assets/:file', { config: { ...WEB_ROUTE, public: true }, schema: { hide: true } }, async (request, reply) => {
      const { file } = request.params as { file: string };
      const asset = allAssets(deps.assets).find((a) => a.url === `/assets/${file}`);
      if (!asset) return sendPage(reply, <ErrorPage ctx={pageContext(request, deps.assets)} status={404} title="Not found" message="no such file" />, 404);
      return reply.header('cache-control', `public, max-age=${YEAR_SECONDS}, immutable`).type(asset.type).send(asset.body);
    });

    // Browsers ask for it on every page; no icon, but no 401 either.
    web.get('/favicon.ico', { config: { ...WEB_ROUTE, public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', `public, max-age=${YEAR_SECONDS}`).status(204).send(),
    );

    web.get('/*', { config: WEB_ROUTE, schema: { hide: true } }, async (request) => {
      throw new NotFound(`there is no page ${request.url.split('?')[0] ?? ''}`);
    });

    signInPages(web, deps);
    invitationPage(web, deps);
    coursesPage(web, deps);
    coursePage(web, deps);
    assignmentPage(web, deps);
    submissionPage(web, deps);
    adminPage(web, deps);
    graderPages(web, deps);
    setupPage(web, deps);
    testingPage(web, deps);
    regradePage(web, deps);
    queuePage(web, deps);
    gradebookPages(web, deps);
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The sign-in and invitation forms: no session yet, so their own CSRF check (double submit). */
    signInForm?: boolean;
  }
}
