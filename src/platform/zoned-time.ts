/**
 * Times people write in course files and API calls: ISO-8601 with a time zone, so `23:59` never
 * means the server's local time. One reader for deadlines, cutoffs and extensions.
 */

const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The time as stored (ISO-8601 UTC, `Date#toISOString`); undefined when it is no time with a zone. */
export function parseZonedTime(value: unknown): string | undefined {
  // YAML reads an unquoted timestamp as a Date.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string' || !ZONED_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The message for a value parseZonedTime refused. */
export function zonedTimeProblem(value: unknown): string {
  return `${JSON.stringify(value) ?? 'nothing'} is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00`;
}
