/**
 * Names users and set-up files choose, checked in one place. Course and assignment ids appear in
 * URLs and paths, so they are lower-case; part ids may be mixed-case because Coursera's part ids
 * (handed to graders as `partId`) are, and existing graders compare them exactly.
 */
import { InvalidInput } from './errors.ts';

export const LOGIN_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const PART_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const RULES = {
  login: { pattern: LOGIN_PATTERN, rule: 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64' },
  course: { pattern: SLUG_PATTERN, rule: 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64' },
  assignment: { pattern: SLUG_PATTERN, rule: 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64' },
  part: { pattern: PART_ID_PATTERN, rule: 'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64' },
} as const;

export type NameKind = keyof typeof RULES;

/** Why `value` is not a valid name of this kind, or undefined when it is. */
export function nameProblem(kind: NameKind, value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string (${RULES[kind].rule})`;
  return RULES[kind].pattern.test(value) ? undefined : `'${value}' is not a valid ${kind} id: use ${RULES[kind].rule}`;
}

/** Throws InvalidInput unless `value` is a valid name of this kind. */
export function checkName(kind: NameKind, value: unknown, field: string = kind): string {
  const problem = nameProblem(kind, value);
  if (problem !== undefined) throw new InvalidInput(`${field}: ${problem}`, { field });
  return value as string;
}
