/**
 * How much of the server one client may hold, and for how long: the limits that keep a flood of
 * slow or idle connections from one user or one address from taking the service down.
 * docs/service.md ("Traffic limits") explains each.
 */
import { readFileSync } from 'node:fs';

export interface TrafficLimits {
  /** Connections open at once, all clients together; beyond, new ones are answered 503. */
  maxConnections: number;
  /** Connections open at once from one address (an IPv6 /64 is one); beyond, 429. 0: no per-address limits (behind a proxy). */
  maxConnectionsPerAddress: number;
  /** Requests with a body in progress from one address; beyond, 429. Off when maxConnectionsPerAddress is 0. */
  maxUploadsPerAddress: number;
  /** Requests in progress for one user, event streams included; beyond, 429. */
  maxRequestsPerUser: number;
  /** Requests with a body (uploads, JSON) in progress for one user; beyond, 429. */
  maxUploadsPerUser: number;
  /** The request line and headers must all arrive within this time, or 408 and the connection closes. */
  headersTimeoutMs: number;
  /** A body must bring at least `minBodyBytesPerWindow` in every window this long, or 408 and the connection closes. */
  bodyWindowMs: number;
  minBodyBytesPerWindow: number;
  /** A kept-alive connection with no request is closed after this long. */
  keepAliveTimeoutMs: number;
}

/** Connections use one file descriptor each; half of the process's are left for the database, blobs, images and sandboxes. */
const CONNECTIONS_SHARE_OF_FDS = 0.5;
const MAX_DEFAULT_CONNECTIONS = 10_000;

export const DEFAULT_TRAFFIC_LIMITS: Readonly<Omit<TrafficLimits, 'maxConnections'>> = Object.freeze({
  // A campus NAT puts hundreds of students behind one address.
  maxConnectionsPerAddress: 256,
  maxUploadsPerAddress: 64,
  maxRequestsPerUser: 32,
  maxUploadsPerUser: 4,
  headersTimeoutMs: 30_000,
  bodyWindowMs: 30_000,
  // About 1 KiB/s: far below any working link, far above a trickle.
  minBodyBytesPerWindow: 32 * 1024,
  // Longer than the usual load balancer idle timeout (60 s), as fastify's default.
  keepAliveTimeoutMs: 72_000,
});

/** The limits with defaults filled in; `maxConnections` defaults to half the open-file limit, at most 10,000. */
export function resolveTrafficLimits(given: Partial<TrafficLimits> = {}): TrafficLimits {
  const limits: TrafficLimits = {
    ...DEFAULT_TRAFFIC_LIMITS,
    maxConnections: defaultMaxConnections(openFileLimit()),
    ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
  };
  for (const [name, value] of Object.entries(limits)) {
    const allowsZero = name === 'maxConnectionsPerAddress';
    if (!Number.isSafeInteger(value) || value < (allowsZero ? 0 : 1)) throw new RangeError(`traffic limit ${name} must be a whole number ≥ ${allowsZero ? 0 : 1}, got ${String(value)}`);
  }
  return limits;
}

export function defaultMaxConnections(fdLimit: number | undefined): number {
  if (fdLimit === undefined) return MAX_DEFAULT_CONNECTIONS;
  return Math.max(64, Math.min(MAX_DEFAULT_CONNECTIONS, Math.floor(fdLimit * CONNECTIONS_SHARE_OF_FDS)));
}

/** This process's soft limit on open files (Linux), or undefined when it cannot be read or is unlimited. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
