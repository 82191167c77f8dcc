/**
 * A tiny HTTP server whose answers a test scripts route by route, for client behaviour the real
 * server cannot be made to show on demand: an event stream cut mid-way, a 503 with Retry-After, a
 * proxy's HTML error page, a connection dropped before the answer. (The real `gradebox serve` is
 * exercised end to end in test/cli/server-commands.integration.test.ts.)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => unknown;

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  readonly #routes = new Map<string, Handler>();
  readonly #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        const handler = this.#routes.get(`${request.method} ${request.url?.split('?')[0]}`);
        if (!handler) {
          response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not-found', message: `no route ${request.url}` } }));
          return;
        }
        Promise.resolve(handler(request, response, body)).catch(() => response.destroy());
      });
    });
  }

  static async start(): Promise<ScriptedServer> {
    const scripted = new ScriptedServer();
    await new Promise<void>((resolve) => scripted.#server.listen(0, '127.0.0.1', resolve));
    scripted.url = `http://127.0.0.1:${(scripted.#server.address() as AddressInfo).port}`;
    return scripted;
  }

  on(method: string, path: string, handler: Handler): this {
    this.#routes.set(`${method} ${path}`, handler);
    return this;
  }

  reset(): void {
    this.#routes.clear();
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function json(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
}
