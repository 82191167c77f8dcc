import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { rawErrorAnswer } from '../raw-answer.ts';
import { addressKey } from './address-key.ts';
import { KeyedCounter } from './counters.ts';
import type { TrafficLimits } from './traffic-limits.ts';

/** Seconds a refused client is asked to wait. */
const RETRY_AFTER_FULL_SECONDS = 10;
const RETRY_AFTER_ADDRESS_SECONDS = 5;
/**
 * A refused connection stays open this long after its answer, reading and dropping what the
 * client still sends: closing a socket with unread data resets it, and the reset can destroy the
 * answer before the client reads it. At most LINGERING_MAX linger at once; the rest close at once.
 */
const LINGER_MS = 1000;
const LINGERING_MAX = 256;

/**
 * Admits each new connection or refuses it on arrival, before Node's HTTP parser sees a byte:
 * 503 when the server holds `maxConnections`, 429 when the client's address holds
 * `maxConnectionsPerAddress`. A refused client gets a JSON error with `Retry-After` and the
 * connection closes; admitted ones count until they close. File descriptors held by connections
 * therefore stay below `maxConnections` plus the few refusals still lingering.
 */
export class ConnectionGuard {
  readonly #limits: TrafficLimits;
  readonly #perAddress: KeyedCounter;
  #open = 0;
  #lingering = 0;
  #log: FastifyBaseLogger | undefined;

  constructor(limits: TrafficLimits) {
    this.#limits = limits;
    this.#perAddress = new KeyedCounter(limits.maxConnectionsPerAddress);
  }

  /** Where refusals are logged (the app's logger exists only after the server was made). */
  set log(log: FastifyBaseLogger) {
    this.#log = log;
  }

  /** Connections admitted and still open. */
  get open(): number {
    return this.#open;
  }

  /** Puts the guard in front of the HTTP server's own handling of new connections. */
  attach(server: Server): void {
    const parse = server.listeners('connection') as Array<(socket: Socket) => void>;
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (this.#admit(socket)) for (const listener of parse) listener.call(server, socket);
    });
  }

  #admit(socket: Socket): boolean {
    const address = addressKey(socket.remoteAddress);
    if (this.#open >= this.#limits.maxConnections) {
      this.#log?.warn({ address, open: this.#open, limit: this.#limits.maxConnections }, 'refused a connection: the server holds its most connections (--max-connections)');
      this.#refuse(socket, 503, 'unavailable', `the server holds as many connections as it may (${this.#limits.maxConnections}); try again in a moment`, RETRY_AFTER_FULL_SECONDS);
      return false;
    }
    let releaseAddress = (): void => undefined;
    if (this.#limits.maxConnectionsPerAddress > 0) {
      const release = this.#perAddress.acquire(address);
      if (release === undefined) {
        this.#log?.warn({ address, limit: this.#limits.maxConnectionsPerAddress }, 'refused a connection: too many from one address (--max-connections-per-address)');
        this.#refuse(socket, 429, 'too-many-connections', `your address holds ${this.#limits.maxConnectionsPerAddress} connections to this server, the most it allows; close some or try again in a moment`, RETRY_AFTER_ADDRESS_SECONDS);
        return false;
      }
      releaseAddress = release;
    }
    this.#open++;
    socket.once('close', () => {
      this.#open--;
      releaseAddress();
    });
    return true;
  }

  #refuse(socket: Socket, status: number, code: string, message: string, retryAfterSeconds: number): void {
    socket.on('error', () => undefined);
    if (this.#lingering >= LINGERING_MAX) {
      socket.destroy();
      return;
    }
    this.#lingering++;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => {
      this.#lingering--;
      clearTimeout(timer);
    });
    socket.end(rawErrorAnswer(status, code, message, { 'retry-after': String(retryAfterSeconds) }));
    socket.resume();
  }
}
