import type { FastifyReply, FastifyRequest } from 'fastify';
import { rawErrorAnswer } from '../raw-answer.ts';
import type { TrafficLimits } from './traffic-limits.ts';

/** Whether the request announces a body (a length above 0, or chunks). */
export function hasBody(request: FastifyRequest): boolean {
  const { headers } = request.raw;
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/**
 * Cuts a request whose body stopped coming: in every window of `bodyWindowMs` the connection must
 * bring `minBodyBytesPerWindow` more bytes, unless the server is the slow one (the request's
 * buffer is full: whatever reads it has not caught up). The client gets a JSON 408 when no answer
 * has started, and the connection closes. There is no limit on the total time of a body that
 * keeps coming: a large grader image over a slow link takes long, and each user has few uploads.
 */
export function watchBody(request: FastifyRequest, reply: FastifyReply, limits: TrafficLimits): void {
  const raw = request.raw;
  const socket = raw.socket;
  let received = socket.bytesRead;
  const timer = setInterval(() => {
    if (raw.complete || socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const gained = socket.bytesRead - received;
    received = socket.bytesRead;
    const serverBehind = raw.readableLength >= raw.readableHighWaterMark;
    if (gained >= limits.minBodyBytesPerWindow || serverBehind) return;
    clearInterval(timer);
    request.log.warn({ gained, windowMs: limits.bodyWindowMs }, 'cut a request whose body stopped coming');
    if (!reply.raw.headersSent && socket.writable) {
      const seconds = Math.round(limits.bodyWindowMs / 1000);
      socket.write(rawErrorAnswer(408, 'request-timeout', `the request body came slower than ${limits.minBodyBytesPerWindow} bytes in ${seconds} s; send it again over a faster connection`));
    }
    socket.destroy();
  }, limits.bodyWindowMs);
  timer.unref();
  raw.once('end', () => clearInterval(timer));
  raw.once('close', () => clearInterval(timer));
}
