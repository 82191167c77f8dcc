/** Counts what each key (an address, a user) holds at once, up to a limit per key. */
export class KeyedCounter {
  readonly #counts = new Map<string, number>();
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** How many `key` holds now. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Takes one for `key` and returns the function that gives it back (once), or undefined at the limit. */
  acquire(key: string): (() => void) | undefined {
    const held = this.count(key);
    if (held >= this.limit) return undefined;
    this.#counts.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(key) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }

  /** Keys holding anything (for figures and tests). */
  get size(): number {
    return this.#counts.size;
  }
}
