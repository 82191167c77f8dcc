import type { FastifyInstance } from 'fastify';

/**
 * The headers every answer carries: what @fastify/helmet sets, tuned for a JSON API. Answers hold
 * no active content, so the content security policy allows nothing and no page may frame them;
 * pages served later get their own policy. Kept as one table so the raw answers written outside
 * fastify (refused connections, client errors) carry exactly the same set, and so helmet can
 * replace this module without changing what clients see.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/** Answers name a user's data (an issued token is shown once): no cache keeps them unless a route says otherwise. */
const DEFAULT_CACHE_CONTROL = 'no-store';

/**
 * Sets the headers as the request arrives, before any hook can refuse it, so error answers,
 * 404s and hijacked streams (which copy `reply.getHeaders()`) carry them as well.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('cache-control', DEFAULT_CACHE_CONTROL);
  });
}
