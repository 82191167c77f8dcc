import { createServer, type Server } from 'node:http';
import type { FastifyServerFactory } from 'fastify';
import type { ConnectionGuard } from './connection-guard.ts';
import type { TrafficLimits } from './traffic-limits.ts';

/**
 * fastify's `serverFactory`: Node's HTTP server with the limits' timeouts, the connection guard
 * in front of it. Node's own whole-request timeout stays off: it would cut a large image upload
 * that is still coming; bodies are watched for stalling instead (body-watchdog.ts).
 */
export function guardedServerFactory(limits: TrafficLimits, guard: ConnectionGuard): FastifyServerFactory {
  return (handler) => {
    const server: Server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: 0,
        // How often Node looks for connections past headersTimeout.
        connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(limits.headersTimeoutMs / 4))),
      },
      handler,
    );
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.setTimeout(0);
    guard.attach(server);
    return server;
  };
}
