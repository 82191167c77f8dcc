/**
 * Failed sign-ins are limited per login (guessing one account's password) and per address
 * (trying many accounts): past the limit, sign-in is refused for the rest of the window with a
 * message that says how long. Counted in this process's memory: several servers each count their
 * own (documented in docs/web.md); a restart forgets.
 */
export interface SignInLimits {
  /** Failures allowed per login in one window. */
  perLogin: number;
  /** Failures allowed per address in one window. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perLogin: 5, perAddress: 20, windowMs: 15 * 60 * 1000 };

interface Count {
  failures: number;
  since: number;
}

/** Entries kept at most (an attacker cycling logins cannot grow memory without bound). */
const MAX_ENTRIES = 100_000;

export class SignInLimiter {
  readonly #byLogin = new Map<string, Count>();
  readonly #byAddress = new Map<string, Count>();
  readonly limits: SignInLimits;
  readonly #now: () => number;

  constructor(limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS, now: () => number = Date.now) {
    this.limits = limits;
    this.#now = now;
  }

  /** Seconds to wait before trying again, or 0 when this login and address may try now. */
  retryAfterSeconds(login: string, address: string): { seconds: number; by: 'login' | 'address' | null } {
    const byLogin = this.#wait(this.#byLogin, login.toLowerCase(), this.limits.perLogin);
    const byAddress = this.#wait(this.#byAddress, address, this.limits.perAddress);
    if (byLogin === 0 && byAddress === 0) return { seconds: 0, by: null };
    return byLogin >= byAddress ? { seconds: byLogin, by: 'login' } : { seconds: byAddress, by: 'address' };
  }

  failed(login: string, address: string): void {
    this.#count(this.#byLogin, login.toLowerCase());
    this.#count(this.#byAddress, address);
  }

  /** A right password clears its login's failures (not the address's: one right login must not reset a spray). */
  succeeded(login: string): void {
    this.#byLogin.delete(login.toLowerCase());
  }

  #wait(map: Map<string, Count>, key: string, limit: number): number {
    const count = map.get(key);
    if (!count) return 0;
    const left = count.since + this.limits.windowMs - this.#now();
    if (left <= 0) {
      map.delete(key);
      return 0;
    }
    return count.failures >= limit ? Math.ceil(left / 1000) : 0;
  }

  #count(map: Map<string, Count>, key: string): void {
    const now = this.#now();
    const count = map.get(key);
    if (count && count.since + this.limits.windowMs > now) {
      count.failures++;
      return;
    }
    if (map.size >= MAX_ENTRIES) this.#prune(map, now);
    map.set(key, { failures: 1, since: now });
  }

  #prune(map: Map<string, Count>, now: number): void {
    for (const [key, count] of map) if (count.since + this.limits.windowMs <= now) map.delete(key);
    // Still full: drop the oldest entries (Maps iterate in insertion order).
    for (const key of map.keys()) {
      if (map.size < MAX_ENTRIES) break;
      map.delete(key);
    }
  }
}
