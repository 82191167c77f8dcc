import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Unauthenticated } from '../platform/errors.ts';
import type { Actor } from '../platform/model.ts';
import type { Platform } from '../platform/platform.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, resolved from the bearer token; null on public routes. */
    actor: Actor | null;
  }
}

/** Routes anyone may call without a token. */
const PUBLIC_PATHS = new Set(['/api/health', '/openapi.json']);

/**
 * Resolves `Authorization: Bearer <token>` on every API request before its body is read, so an
 * unauthenticated upload is refused before a byte of it is stored.
 */
export function installAuthentication(app: FastifyInstance, platform: Platform): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/') || PUBLIC_PATHS.has(path)) return;
    const header = request.headers.authorization;
    if (header === undefined) throw new Unauthenticated();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new Unauthenticated('the Authorization header must be "Bearer <token>"');
    request.actor = await platform.authenticate(match[1]);
  });
}

/** The authenticated caller of a protected route. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === null) throw new Unauthenticated();
  return request.actor;
}
