/**
 * Field readers for Gradescope's results.json (see gradescope-output.ts for the rules): typed
 * reads that record one fault per unusable field, and the checks of fields gradebox passes
 * through (leaderboard) or ignores (number, tags).
 */
import {
  caseInsensitiveMatch, describeValue, formatNumber, isJsonObject, isNumericString, listChoices, type JsonObject,
} from '../json-fields.ts';
import { RESULT_LIMITS } from '../result-limits.ts';

/** Values authors write by habit, for a "did you mean" hint. */
const ALIASES: Partial<Record<string, string>> = { markdown: 'md', txt: 'text', plain: 'text', pass: 'passed', fail: 'failed' };

export interface FieldReader {
  /** A finite number (a numeric string is read as its number, with a warning); undefined when absent or null, or after a fault. */
  number(key: string, rule?: { min?: number }): number | undefined;
  /** A string; undefined when absent or null, or after a fault. */
  string(key: string): string | undefined;
  /** One of `choices` (case-sensitive); undefined when absent or null, or after a fault with a "did you mean". */
  choice<T extends string>(key: string, choices: readonly T[]): T | undefined;
  /** A field gradebox ignores: a value `isValid` refuses is a warning, never a fault. */
  unused(key: string, must: string, isValid: (value: unknown) => boolean): void;
}

/** Reads typed fields of one object; faults go to `errors`, notes to `warnings`, each prefixed with `at`. */
export function fieldReader(object: JsonObject, at: string, errors: string[], warnings: string[]): FieldReader {
  const fault = (key: string, must: string, hint = ''): undefined => {
    errors.push(`${at}${key} must be ${must}, but it is ${describeValue(object[key])}${hint}`);
    return undefined;
  };
  const given = (key: string): boolean => object[key] !== undefined && object[key] !== null;
  return {
    number(key, rule = {}) {
      if (!given(key)) return undefined;
      const raw = object[key];
      let value: number;
      if (typeof raw === 'number') {
        value = raw;
      } else if (isNumericString(raw)) {
        value = Number(raw);
        warnings.push(`${at}${key} is the string ${JSON.stringify(raw)}; it is read as the number ${formatNumber(value)} (write it without quotes)`);
      } else {
        return fault(key, 'a number');
      }
      if (!Number.isFinite(value)) return fault(key, 'a finite number');
      if (rule.min !== undefined && value < rule.min) return fault(key, `at least ${rule.min}`);
      return value;
    },
    string(key) {
      if (!given(key)) return undefined;
      const value = object[key];
      return typeof value === 'string' ? value : fault(key, 'a string');
    },
    choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
      if (!given(key)) return undefined;
      const value = object[key];
      if (choices.includes(value as T)) return value as T;
      const alias = typeof value === 'string' ? ALIASES[value.toLowerCase()] : undefined;
      const near = caseInsensitiveMatch(value, choices) ?? (alias !== undefined && choices.includes(alias as T) ? alias : undefined);
      return fault(key, listChoices(choices), near ? ` (did you mean ${JSON.stringify(near)}?)` : '');
    },
    unused(key, must, isValid) {
      if (given(key) && !isValid(object[key])) warnings.push(ignoredValue(at, key, must, object[key]));
    },
  };
}

/** `<at>key should be …, but it is …; ignored`: a bad value in a field gradebox does not use. */
export function ignoredValue(at: string, key: string, must: string, value: unknown): string {
  return `${at}${key} should be ${must}, but it is ${describeValue(value)}; it is ignored`;
}

/**
 * `number` (documented as a string such as "1.2"; a JSON number is fine too) and `tags` (an array
 * of strings): neither changes the grade, so a bad value is a warning. Returns the number's text
 * for the test's default name.
 */
export function checkUnusedTestFields(test: JsonObject, at: string, warnings: string[]): string | undefined {
  let number: string | undefined;
  const raw = test.number;
  if (typeof raw === 'string') number = raw;
  else if (typeof raw === 'number' && Number.isFinite(raw)) number = formatNumber(raw);
  else if (raw !== undefined && raw !== null) warnings.push(ignoredValue(at, 'number', 'a string such as "1.2"', raw));

  const tags = test.tags;
  if (tags !== undefined && tags !== null && (!Array.isArray(tags) || !tags.every((tag: unknown) => typeof tag === 'string'))) {
    warnings.push(ignoredValue(at, 'tags', 'an array of strings', tags));
  }
  return number;
}

/**
 * Leaderboard entries: `{name: string, value: number | string, order?: "asc" | "desc" | null}`
 * (gradescope-utils writes `"order": null` when none was set). Passed through to the platform.
 */
export function checkLeaderboard(doc: JsonObject, at: string, errors: string[], warnings: string[]): unknown[] | undefined {
  const all = doc.leaderboard;
  if (all === undefined || all === null) return undefined;
  if (!Array.isArray(all)) {
    errors.push(`${at}leaderboard must be an array, but it is ${describeValue(all)}`);
    return undefined;
  }
  const max = RESULT_LIMITS.leaderboardEntries;
  const board: unknown[] = all.length > max ? all.slice(0, max) : all;
  if (board !== all) warnings.push(`${at}leaderboard has ${all.length} entries; only the first ${max} are kept`);
  board.forEach((entry: unknown, i) => {
    const where = `${at}leaderboard[${i}]`;
    if (!isJsonObject(entry)) {
      errors.push(`${where} must be an object with name and value, but it is ${describeValue(entry)}`);
      return;
    }
    if (!('name' in entry)) errors.push(`${where}.name is missing`);
    else if (typeof entry.name !== 'string') errors.push(`${where}.name must be a string, but it is ${describeValue(entry.name)}`);
    const value = entry.value;
    if (!('value' in entry)) errors.push(`${where}.value is missing`);
    else if (!(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) {
      errors.push(`${where}.value must be a number or a string, but it is ${describeValue(value)}`);
    }
    const order = entry.order;
    if (order !== undefined && order !== null && order !== 'asc' && order !== 'desc') {
      errors.push(`${where}.order must be ${listChoices(['asc', 'desc'])}, but it is ${describeValue(order)}`);
    }
  });
  return board;
}
