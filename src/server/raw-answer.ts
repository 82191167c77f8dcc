import { STATUS_CODES } from 'node:http';
import { errorBody } from './errors.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

/**
 * A complete HTTP/1.1 error answer as bytes to write on a socket, for the few answers given
 * outside fastify (a connection refused on arrival, a malformed request, a body that stopped
 * coming): the same JSON error body and headers as every other answer, and the connection closes.
 */
export function rawErrorAnswer(status: number, code: string, message: string, extraHeaders: Readonly<Record<string, string>> = {}): string {
  const body = JSON.stringify(errorBody(code, message));
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'cache-control': 'no-store',
    ...extraHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
