/**
 * Queries compiled once and run many times with other values. Kysely builds and compiles a query
 * on every call; for the statements that run for every grading job (the queue's claim, stamp and
 * completion) that JavaScript costs more than the database takes to run them. A template is
 * compiled from a builder whose changing values are `slot(name)` placeholders, and `bind` puts the
 * real values in their place: the SQL text stays the same, so SQLite's statement cache serves it.
 */
import type { CompiledQuery } from 'kysely';

const PREFIX = '\u0000slot:';
const SUFFIX = '\u0000';

/**
 * A placeholder for the value named `name`, typed as the value it stands for. Only for values
 * Kysely passes as parameters (not `sql.lit`, not identifiers); no real value holds a NUL.
 */
export function slot<T = string>(name: string): T {
  return `${PREFIX}${name}${SUFFIX}` as T;
}

const slotName = (parameter: unknown): string | undefined =>
  typeof parameter === 'string' && parameter.startsWith(PREFIX) && parameter.endsWith(SUFFIX) ? parameter.slice(PREFIX.length, -SUFFIX.length) : undefined;

export class QueryTemplate<R> {
  readonly #compiled: CompiledQuery<R>;
  readonly #names: ReadonlySet<string>;

  /** Throws when one of `names` never made it into the compiled parameters (it would never be bound). */
  constructor(compiled: CompiledQuery<R>, names: readonly string[]) {
    const found = new Set(compiled.parameters.map(slotName).filter((n): n is string => n !== undefined));
    const missing = names.filter((n) => !found.has(n));
    const unexpected = [...found].filter((n) => !names.includes(n));
    if (missing.length > 0 || unexpected.length > 0) {
      throw new Error(`query template: slots ${JSON.stringify({ missing, unexpected })} do not match the compiled query`);
    }
    this.#compiled = compiled;
    this.#names = found;
  }

  /** The compiled query with `values` in place of the slots; every slot needs a value. */
  bind(values: object): CompiledQuery<R> {
    for (const name of this.#names) if (!(name in values)) throw new Error(`query template: no value for slot '${name}'`);
    const byName = values as Readonly<Record<string, unknown>>;
    return {
      ...this.#compiled,
      parameters: this.#compiled.parameters.map((p) => {
        const name = slotName(p);
        return name === undefined ? p : byName[name];
      }),
    };
  }
}
