/**
 * Raw HTTP/1.1 clients on plain sockets, for the attacks a well-behaved client (fetch) cannot
 * make: connections from a chosen local address (any of 127.0.0.0/8 on Linux), headers or bodies
 * sent a byte at a time, connections that send nothing. Each gives back what the server answered
 * before it closed the connection.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawConnection {
  socket: Socket;
  /** Resolves when the connection is established. */
  connected: Promise<void>;
  /** Everything the server sent, parsed, once it closed the connection (or the client did). */
  answer: Promise<RawAnswer>;
  /** Sends bytes (ignored once the connection is closed). */
  send(data: string | Buffer): void;
  /** Sends `data` one byte every `everyMs` until it is all sent or the connection closes. */
  trickle(data: string, everyMs: number): void;
  close(): void;
}

export function parseRawAnswer(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/') || end < 0) return { status: 0, headers: {}, body: raw };
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4) };
}

/** Opens a connection to `url`'s host and port, from `localAddress` when given. */
export function openConnection(url: string, localAddress?: string): RawConnection {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), ...(localAddress === undefined ? {} : { localAddress }) });
  const chunks: Buffer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const answer = new Promise<RawAnswer>((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => {
      for (const timer of timers) clearInterval(timer);
      resolve(parseRawAnswer(Buffer.concat(chunks).toString()));
    });
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const send = (data: string | Buffer): void => {
    if (!socket.destroyed && socket.writable) socket.write(data);
  };
  return {
    socket,
    connected,
    answer,
    send,
    trickle(data, everyMs) {
      let at = 0;
      const timer = setInterval(() => {
        if (at >= data.length || socket.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        send(data.slice(at, at + 1));
        at++;
      }, everyMs);
      timers.add(timer);
    },
    close() {
      for (const timer of timers) clearInterval(timer);
      socket.destroy();
    },
  };
}

/** The head of a request: request line and headers, ending with the empty line. */
export function requestHead(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: 'gradebox', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** How many file descriptors process `pid` holds open (Linux). */
export async function openFiles(pid: number): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(`/proc/${pid}/fd`)).length;
}
