import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Unauthenticated } from '../platform/errors.ts';
import type { Actor } from '../platform/model.ts';
import type { Platform } from '../platform/platform.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, resolved from the bearer token; null on public routes. */
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** Anyone may call this route without a token (`/api/health`, `/openapi.json`). */
    public?: boolean;
  }
}

/** Route options that make a route public: `app.get(url, { config: PUBLIC_ROUTE, … })`. */
export const PUBLIC_ROUTE = { public: true } as const;

/**
 * Resolves `Authorization: Bearer <token>` on every request before its body is read, so an
 * unauthenticated upload is refused before a byte of it is stored. Deny by default: only routes
 * marked public answer without a token, and the decision is taken on the route the router
 * matched (after it decoded the path), never on the raw URL: `/%61pi/limits` is `/api/limits`.
 * A request that matched no route needs a token too; it then gets its 404.
 */
export function installAuthentication(app: FastifyInstance, platform: Platform): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    if (!request.is404 && request.routeOptions.config.public === true) return;
    // Web pages sign in with their session cookie (src/server/web/web-session.ts), never a bearer token.
    if (!request.is404 && request.routeOptions.config.web === true) return;
    request.actor = await platform.authenticate(bearerToken(request.headers.authorization));
  });
}

function bearerToken(header: string | undefined): string {
  if (header === undefined) throw new Unauthenticated();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new Unauthenticated('the Authorization header must be "Bearer <token>"');
  return match[1];
}

/** The authenticated caller of a protected route. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === null) throw new Unauthenticated();
  return request.actor;
}
