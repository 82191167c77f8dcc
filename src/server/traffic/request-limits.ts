import type { FastifyInstance, FastifyReply } from 'fastify';
import { Refused } from '../refused.ts';
import { addressKey } from './address-key.ts';
import { hasBody, watchBody } from './body-watchdog.ts';
import { KeyedCounter } from './counters.ts';
import type { TrafficLimits } from './traffic-limits.ts';

const RETRY_AFTER_SECONDS = 5;
const RETRY_AFTER_CLOSING_SECONDS = 5;

/** Gives back what a request holds once its answer is done or its connection gone. */
function onDone(reply: FastifyReply, release: () => void): void {
  reply.raw.once('close', release);
}

/**
 * Checks made as a request arrives, before it is authenticated: a server shutting down answers
 * 503; a body is watched for stalling (body-watchdog.ts); an address holds at most
 * `maxUploadsPerAddress` bodies in progress. An answer sent before the body fully arrived closes
 * the connection, so Node does not go on reading (and dropping) the rest of it.
 */
export function installArrivalLimits(app: FastifyInstance, limits: TrafficLimits): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  const uploadsPerAddress = limits.maxConnectionsPerAddress > 0 ? new KeyedCounter(limits.maxUploadsPerAddress) : undefined;
  app.addHook('onRequest', async (request, reply) => {
    if (closing) throw new Refused(503, 'unavailable', 'the server is shutting down; try again in a moment', RETRY_AFTER_CLOSING_SECONDS);
    if (!hasBody(request)) return;
    watchBody(request, reply, limits);
    if (uploadsPerAddress === undefined) return;
    const release = uploadsPerAddress.acquire(addressKey(request.raw.socket.remoteAddress));
    if (release === undefined) {
      request.log.warn({ limit: uploadsPerAddress.limit }, 'refused an upload: too many in progress from one address');
      throw new Refused(429, 'too-many-uploads', `your address has ${uploadsPerAddress.limit} uploads in progress, the most this server allows; wait for some to finish`, RETRY_AFTER_SECONDS);
    }
    onDone(reply, release);
  });
  app.addHook('onSend', async (request, reply) => {
    if (hasBody(request) && !request.raw.complete) reply.header('connection', 'close');
  });
}

/**
 * Checks made once the caller is known: one user has at most `maxRequestsPerUser` requests and
 * `maxUploadsPerUser` bodies in progress; beyond, 429 with `Retry-After`, at once, so a flood of
 * slow requests with one token holds a bounded share of the server and others are still served.
 */
export function installUserLimits(app: FastifyInstance, limits: TrafficLimits): void {
  const requests = new KeyedCounter(limits.maxRequestsPerUser);
  const uploads = new KeyedCounter(limits.maxUploadsPerUser);
  app.addHook('onRequest', async (request, reply) => {
    const user = request.actor?.login;
    if (user === undefined) return;
    const releaseRequest = requests.acquire(user);
    if (releaseRequest === undefined) {
      request.log.warn({ user, limit: requests.limit }, 'refused a request: too many in progress for one user');
      throw new Refused(429, 'too-many-requests', `${user} has ${requests.limit} requests in progress, the most this server allows one user; wait for some to finish`, RETRY_AFTER_SECONDS);
    }
    onDone(reply, releaseRequest);
    if (!hasBody(request)) return;
    const releaseUpload = uploads.acquire(user);
    if (releaseUpload === undefined) {
      request.log.warn({ user, limit: uploads.limit }, 'refused an upload: too many in progress for one user');
      throw new Refused(429, 'too-many-uploads', `${user} has ${uploads.limit} uploads in progress, the most this server allows one user; wait for some to finish`, RETRY_AFTER_SECONDS);
    }
    onDone(reply, releaseUpload);
  });
}
