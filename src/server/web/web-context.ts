import type { FastifyReply, FastifyRequest } from 'fastify';
import { Unauthenticated } from '../../platform/errors.ts';
import type { Actor } from '../../platform/model.ts';
import type { Platform } from '../../platform/platform.ts';
import type { SubmissionEvents } from '../../platform/submission-events.ts';
import type { BlobStore } from '../../image/blob-store.ts';
import type { ImageStore } from '../../image/image-store.ts';
import type { SubmissionIntakeLimits } from '../../intake/intake-limits.ts';
import type { Assets } from './assets.ts';
import type { PageContext } from './layout.tsx';
import type { SignInLimiter } from './sign-in-limiter.ts';
import type { WebOptions } from './web-session.ts';

/** What page modules get from the web plugin. */
export interface WebDeps {
  platform: Platform;
  events: SubmissionEvents;
  blobs: BlobStore;
  intakeLimits: SubmissionIntakeLimits;
  assets: Assets;
  options: WebOptions;
  signInLimiter: SignInLimiter;
  /** Grader images uploaded from the graders page, and the largest archive accepted (as the API's). */
  images: ImageStore;
  maxImageBytes: number;
}

/** The signed-in user of a page request; Unauthenticated sends them to sign in. */
export function pageActor(request: FastifyRequest): Actor {
  if (!request.webSession) throw new Unauthenticated('sign in to see this page');
  return request.webSession.actor;
}

export function pageContext(request: FastifyRequest, assets: Assets): PageContext {
  const session = request.webSession;
  return {
    assets,
    user: session ? { login: session.actor.login, displayName: session.displayName, isAdmin: session.actor.isAdmin } : null,
    csrfToken: session?.csrfToken ?? null,
  };
}

/** Sends a rendered page (templates may be async). */
export async function sendPage(reply: FastifyReply, html: JSX.Element, status = 200): Promise<FastifyReply> {
  return reply.status(status).type('text/html; charset=utf-8').send(await html);
}
