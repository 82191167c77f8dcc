/**
 * What a pseudonym may be (docs/course-workflow.md "Leaderboard"), and its key: the name folded so
 * that names which look alike are equal. Students pick pseudonyms to be shown to the whole course,
 * so a hostile one must not pass: control, format and bidirectional-override characters (which
 * reorder or hide text), other spaces than U+0020, leading or trailing space, piles of combining
 * marks, look-alikes of someone else's name or login, and names that pose as staff or gradebox.
 * Pure functions.
 */
import { randomBytes } from 'node:crypto';

export const PSEUDONYM_LENGTH = Object.freeze({ min: 2, max: 32 });

/** Letters, marks, digits, the space and - _ . ' only: no symbols, emoji sequences or invisible characters. */
const ALLOWED = /^[\p{L}\p{M}\p{N} \-_.']+$/u;
const NEEDS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Combining marks stacked on one character, decomposed (a "Zalgo" name covers the lines around it; Vietnamese needs two). */
const MARK_PILE = /\p{M}{3,}/u;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u;

/**
 * Cross-script look-alikes that NFKC keeps apart, mapped to the Latin letter they imitate, and
 * digits that pass for letters; the key uses them so `аdа` (Cyrillic a) is `ada`.
 */
const CONFUSABLES: Readonly<Record<string, string>> = Object.freeze({
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɡ: 'g',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', ϲ: 'c', ϳ: 'j',
  // Digits and letters that pass for each other
  '0': 'o', '1': 'l', i: 'l', '5': 's', '8': 'b',
  // Other Latin look-alikes
  ı: 'l', ł: 'l', ø: 'o', đ: 'd', ß: 'ss',
});

/** Names nobody may pose as, compared by key: staff, the system, and the generated names' prefix. */
const RESERVED = [
  'admin', 'administrator', 'root', 'system', 'gradebox', 'staff', 'instructor', 'instructors', 'teacher', 'professor', 'ta', 'tas',
  'moderator', 'student', 'students', 'anonymous', 'nobody', 'everyone', 'you', 'me', 'null', 'undefined', 'none', 'unknown', 'deleted',
];
const RESERVED_KEYS: ReadonlySet<string> = new Set(RESERVED.map((name) => pseudonymKey(name)));
/** Generated pseudonyms start with this; chosen ones may not (their keys), so they never collide. */
export const GENERATED_PREFIX = 'anonymous-';
const GENERATED_KEY_PREFIX = pseudonymKey('anonymous');

/**
 * The key two names collide on: NFKC (full-width letters, ligatures, …), marks removed, case
 * folded, cross-script look-alikes mapped to Latin, separators (space - _ . ') dropped.
 */
export function pseudonymKey(name: string): string {
  const folded = name.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toUpperCase().toLowerCase();
  let key = '';
  for (const char of folded) {
    if (/[ \-_.'\s]/u.test(char)) continue;
    key += CONFUSABLES[char] ?? char;
  }
  return key;
}

/** Why `value` cannot be a pseudonym (one message saying what to write instead), or undefined. */
export function pseudonymProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a text';
  const rules = `${PSEUDONYM_LENGTH.min} to ${PSEUDONYM_LENGTH.max} letters, digits, spaces and - _ . '`;
  if (value.length > PSEUDONYM_LENGTH.max * 4) return `is too long: a pseudonym has ${rules}`;
  if (INVISIBLE.test(value)) return `contains a control, format or invisible character (such as a bidirectional override or a zero-width space); a pseudonym has ${rules}`;
  if (/\s/u.test(value.replace(/ /g, ''))) return `contains a space other than the ordinary one (a tab, a no-break space, …); a pseudonym has ${rules}`;
  if (value !== value.trim()) return 'starts or ends with a space; remove it';
  if (value.includes('  ')) return 'has two spaces in a row; use one';
  const name = value.normalize('NFC');
  const length = [...name].length;
  if (length < PSEUDONYM_LENGTH.min || length > PSEUDONYM_LENGTH.max) return `must be ${PSEUDONYM_LENGTH.min} to ${PSEUDONYM_LENGTH.max} characters long (it is ${length})`;
  if (!ALLOWED.test(name)) return `may only have ${rules} (no symbols or emoji)`;
  if (!NEEDS_LETTER_OR_DIGIT.test(name)) return 'needs at least one letter or digit';
  if (MARK_PILE.test(name.normalize('NFD'))) return 'stacks too many accents on one letter';
  const key = pseudonymKey(name);
  if (key.length < PSEUDONYM_LENGTH.min) return `must be ${PSEUDONYM_LENGTH.min} to ${PSEUDONYM_LENGTH.max} characters long, not counting spaces and punctuation`;
  if (RESERVED_KEYS.has(key) || key.startsWith(GENERATED_KEY_PREFIX)) return `'${name}' is reserved (it could pass for staff, gradebox or an anonymous student); choose another`;
  return undefined;
}

/** A random pseudonym for a student who has chosen none: tells nothing about their login. */
export function generatedPseudonym(): string {
  // 40 random bits as 8 characters of a–z and 2–7 (base32): collisions in a course are negligible,
  // and the caller retries one anyway.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(8);
  let suffix = '';
  for (const byte of bytes) suffix += alphabet[byte % 32];
  return `${GENERATED_PREFIX}${suffix}`;
}
