/** Small helpers shared by the output validators: how to name a value in a message, unknown keys. */

/** A validated value, or every fault found; warnings either way. */
export type Checked<T> = { ok: true; value: T; warnings: string[] } | { ok: false; errors: string[]; warnings: string[] };

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SHOWN_STRING_CHARS = 60;

/**
 * Names a JSON value with its type for a fault message: `the string "0.5"`, `the number 1.5`,
 * `the boolean true`, `null`, `an array of 2 items`, `an object`. Long strings are cut.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (value.length <= SHOWN_STRING_CHARS) return `the string ${JSON.stringify(value)}`;
    return `the string ${JSON.stringify(value.slice(0, SHOWN_STRING_CHARS))}… (${value.length} characters)`;
  }
  if (typeof value === 'number') return `the number ${formatNumber(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (Array.isArray(value)) return value.length === 1 ? 'an array of 1 item' : `an array of ${value.length} items`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A number as an author wrote it, without float noise: 0.30000000000000004 → 0.3, 1e999 → Infinity. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(12)));
}

/** Whether `value` is a string that reads as a finite number (`"0.5"`, `" 1 "`), the classic quoting slip. */
export function isNumericString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
}

/** Two sums equal up to float rounding (0.1 + 0.2 against 0.3). */
export function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * One warning per key not in `known`, with a "did you mean" when the key differs from a known one
 * only by case, `_` or `-` (`fractional_score`, `IsCorrect`). `where` prefixes the message.
 */
export function unknownKeyWarnings(object: JsonObject, known: readonly string[], where = ''): string[] {
  const normalized = new Map(known.map((key) => [squash(key), key]));
  const warnings: string[] = [];
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const near = normalized.get(squash(key));
    warnings.push(`${where}unknown key ${JSON.stringify(key)} ignored${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`);
  }
  return warnings;
}

function squash(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** `"A", "B" or "C"` for messages listing the allowed values. */
export function listChoices(choices: readonly string[]): string {
  const quoted = choices.map((c) => JSON.stringify(c));
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** The allowed value that matches `value` except for case, for a "did you mean" hint. */
export function caseInsensitiveMatch(value: unknown, choices: readonly string[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  return choices.find((c) => c.toLowerCase() === value.toLowerCase());
}
