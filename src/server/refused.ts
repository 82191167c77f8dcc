import { PlatformError } from '../platform/errors.ts';

/**
 * 429 or 503 with a `Retry-After`: the server will not take this request now (too many at once
 * from one user or address, full, or shutting down) but will later. Nothing was done.
 */
export class Refused extends PlatformError {
  override name = 'Refused';
  /** Sent as `Retry-After`, in seconds. */
  override readonly retryAfterSeconds: number;

  constructor(status: 429 | 503, code: string, message: string, retryAfterSeconds: number, details?: Record<string, unknown>) {
    super(status, code, message, details);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
