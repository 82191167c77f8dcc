/**
 * Errors the platform raises for a caller's mistake. Each carries the HTTP status the API answers
 * with and a stable `code` for clients; messages say what to do next. Anything else that escapes
 * a route is a server fault (500, logged, message withheld).
 */
export class PlatformError extends Error {
  override name = 'PlatformError';
  readonly status: number;
  readonly code: string;
  /** Extra machine-readable facts (e.g. the allowed range of a refused limit). */
  readonly details: Record<string, unknown> | undefined;
  /** Seconds after which trying again may succeed: the API sends it as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined = undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** 400: the request is malformed or a value is out of range. */
export class InvalidInput extends PlatformError {
  override name = 'InvalidInput';
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, 'invalid-input', message, details);
  }
}

/** 401: no token, an unknown, expired or revoked token. */
export class Unauthenticated extends PlatformError {
  override name = 'Unauthenticated';
  constructor(message = 'a valid API token is required: run `gradebox login --server URL` or set GRADEBOX_TOKEN') {
    super(401, 'unauthenticated', message);
  }
}

/** 403: authenticated, but the role or the token's scopes do not allow this. */
export class Forbidden extends PlatformError {
  override name = 'Forbidden';
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

/**
 * 404: no such object, or one the caller may not know exists (a student asking for another
 * student's submission gets 403 only when the course is theirs; otherwise 404).
 */
export class NotFound extends PlatformError {
  override name = 'NotFound';
  constructor(message: string) {
    super(404, 'not-found', message);
  }
}

/** 409: the object's state does not allow this now (e.g. nothing to publish). */
export class Conflict extends PlatformError {
  override name = 'Conflict';
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(409, code, message, details);
  }
}

/** 429: the caller must wait `retryAfterSeconds` before trying again (e.g. an assignment's minimum interval). */
export class TooManyRequests extends PlatformError {
  override name = 'TooManyRequests';
  override readonly retryAfterSeconds: number;
  constructor(code: string, message: string, retryAfterSeconds: number, details?: Record<string, unknown>) {
    super(429, code, message, { ...details, retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * 429 without `Retry-After`: a per-user quota is used up for good (an assignment's every allowed
 * submission made); waiting will not help, only the staff can (details say so: `nextAllowedAt: null`).
 */
export class QuotaExhausted extends PlatformError {
  override name = 'QuotaExhausted';
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(429, code, message, details);
  }
}

/** 413: a body, file or archive over the server's limits. */
export class TooLarge extends PlatformError {
  override name = 'TooLarge';
  constructor(message: string, details?: Record<string, unknown>) {
    super(413, 'too-large', message, details);
  }
}

/** 507: the data directory's disk is full; nothing was stored. Retryable once space is freed. */
export class StorageFull extends PlatformError {
  override name = 'StorageFull';
  constructor(message = 'the server is out of disk space; nothing was stored; try again later') {
    super(507, 'storage-full', message);
  }
}

/** 503: the server is shutting down or over capacity; retry later. */
export class Unavailable extends PlatformError {
  override name = 'Unavailable';
  constructor(message: string) {
    super(503, 'unavailable', message);
  }
}
