import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import { rawErrorAnswer } from './raw-answer.ts';

/** What to answer for each kind of request Node's HTTP parser gave up on. */
function answerFor(code: string | undefined): { status: number; code: string; message: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request-timeout', message: 'the request line and headers did not arrive in time; send them at once' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'too-large', message: 'the request headers are larger than this server accepts' };
    default:
      return { status: 400, code: 'invalid-input', message: 'the request is not valid HTTP/1.1' };
  }
}

/**
 * fastify's `clientErrorHandler`: requests that never reached a route (malformed, headers too
 * large or too slow) get the same JSON error body and headers as every other answer, and their
 * connection is closed. A peer that reset the connection gets nothing (there is nobody to tell).
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = answerFor(error.code);
  this.log.debug({ err: error, status: answer.status }, 'client error');
  // As Node itself does: no answer in the middle of one already being written on this connection.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) socket.write(rawErrorAnswer(answer.status, answer.code, answer.message));
  socket.destroy();
}
