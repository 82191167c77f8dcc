/**
 * What can go wrong talking to a gradebox server, each error saying whether running the command
 * again later may help (`retryable`): the CLI maps that to its exit codes.
 */

/** Statuses that mean "busy or briefly down, nothing was done: try again later". */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504, 507]);

/** 429 codes that mean "never again" rather than "later": an assignment's every submission made. */
const FINAL_429_CODES: ReadonlySet<string> = new Set(['submission-limit']);

/**
 * The server answered with an error: `{"error": {code, message, details}}` (docs/api.md), or for
 * an answer that is not gradebox's (a proxy's HTML page) `http-<status>` and a summary.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  /** Stable code: `not-found`, `forbidden`, `invalid-input`, `nothing-to-publish`, `unavailable`, … */
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  /** From a `Retry-After` header, in seconds. */
  readonly retryAfterSeconds: number | undefined;
  /** The server that answered, when known. */
  readonly server: string | undefined;

  constructor(status: number, code: string, message: string, extra: { details?: Record<string, unknown>; retryAfterSeconds?: number; server?: string } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = extra.details;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.server = extra.server;
  }

  /**
   * True for 429, 502, 503, 504 and 507: the server was busy, down or full; nothing was done. Not
   * for a quota used up for good (429 `submission-limit`: no `Retry-After`, waiting will not help).
   */
  get retryable(): boolean {
    return RETRYABLE_STATUSES.has(this.status) && !FINAL_429_CODES.has(this.code);
  }
}

/**
 * No answer from the server: connection refused or reset, unknown host, a timeout, a stream cut
 * short. Retryable, except for failures that will not go away by themselves (a TLS certificate the
 * client refuses, a port fetch never connects to).
 */
export class ServerUnreachable extends Error {
  override name = 'ServerUnreachable';
  readonly server: string;
  readonly retryable: boolean;

  constructor(server: string, reason: string, retryable: boolean, options?: ErrorOptions) {
    super(`cannot reach the gradebox server at ${server}: ${reason}`, options);
    this.server = server;
    this.retryable = retryable;
  }
}

/** No server or no token: neither options, environment nor the credentials file name one. */
export class NotLoggedIn extends Error {
  override name = 'NotLoggedIn';
}

/**
 * A check made before sending anything failed: no such assignment part, a token without the
 * scope the command needs. Nothing was sent; retrying will not help.
 */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

/** The credentials file exists but cannot be used (not JSON, wrong shape). */
export class CredentialsFileError extends Error {
  override name = 'CredentialsFileError';
}

/** Failures that may go away if the same command runs again later. */
export function isRetryable(error: unknown): boolean {
  return (error instanceof ApiError || error instanceof ServerUnreachable) && error.retryable;
}
