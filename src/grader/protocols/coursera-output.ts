/**
 * Validation of a Coursera grader's report: `{"fractionalScore": 0.5, "feedback": "…", "feedbackType": "HTML"}`.
 *
 * Rules (stricter than Coursera's `grade local`, which only checked fractionalScore's type and range
 * and that feedback was present):
 * - fractionalScore: a JSON number from 0 to 1. Booleans, numeric strings ("0.5"), null, NaN and
 *   Infinity are faults, each with its own message naming the value and its type.
 * - isCorrect: a boolean; true scores 1, false scores 0. When both are given fractionalScore wins,
 *   as on Coursera, and a contradiction (isCorrect true with a score below 1) is a warning.
 * - One of the two is required. feedback is required and must be a string ("" is allowed).
 * - feedbackType: "TXT", "HTML" or our "MARKDOWN", case-sensitive as on Coursera; "html" is a fault
 *   whose message suggests "HTML". Absent means TXT.
 * - Unknown keys are warnings, with a "did you mean" for near misses such as `fractional_score`.
 *
 * Every message starts with where the document came from (`/shared/feedback.json`, `stdout line 4`).
 */
import type { CapturedOutput } from '../../sandbox/sandbox.ts';
import {
  caseInsensitiveMatch, describeValue, formatNumber, isJsonObject, isNumericString, listChoices, unknownKeyWarnings, type Checked,
} from '../json-fields.ts';
import { parseJson } from '../json-text.ts';

export const COURSERA_FEEDBACK_TYPES = ['TXT', 'HTML', 'MARKDOWN'] as const;
export type CourseraFeedbackType = (typeof COURSERA_FEEDBACK_TYPES)[number];

const KNOWN_KEYS = ['fractionalScore', 'isCorrect', 'feedback', 'feedbackType'] as const;

export interface CourseraReport {
  /** In [0, 1]. */
  score: number;
  feedback: string;
  /** null when the grader gave none (plain text). */
  feedbackType: CourseraFeedbackType | null;
}

/** Validates one parsed document; `source` names where it came from in every message. */
export function validateCourseraReport(doc: unknown, source: string): Checked<CourseraReport> {
  if (!isJsonObject(doc)) {
    return { ok: false, errors: [`${source} must hold a JSON object, but it holds ${describeValue(doc)}`], warnings: [] };
  }
  const at = `${source}: `;
  const errors: string[] = [];
  const warnings = unknownKeyWarnings(doc, KNOWN_KEYS, at);
  const hasScore = 'fractionalScore' in doc;
  const hasCorrect = 'isCorrect' in doc;

  let score: number | undefined;
  if (hasScore) {
    const value = doc.fractionalScore;
    if (typeof value !== 'number') {
      const hint = isNumericString(value) ? ` (write ${value.trim()} without quotes)` : typeof value === 'boolean' ? ' (use isCorrect for pass/fail)' : '';
      errors.push(`${at}fractionalScore must be a number from 0 to 1, but it is ${describeValue(value)}${hint}`);
    } else if (!Number.isFinite(value)) {
      errors.push(`${at}fractionalScore must be a finite number from 0 to 1, but it is ${describeValue(value)}`);
    } else if (value < 0) {
      errors.push(`${at}fractionalScore must be at least 0, but it is ${describeValue(value)}`);
    } else if (value > 1) {
      const hint = value >= 2 && value <= 100 ? ` (a fraction, not a percentage: write ${formatNumber(value / 100)} for ${formatNumber(value)}%)` : '';
      errors.push(`${at}fractionalScore must be at most 1, but it is ${describeValue(value)}${hint}`);
    } else {
      score = value;
    }
  }
  if (hasCorrect) {
    const value = doc.isCorrect;
    if (typeof value !== 'boolean') {
      errors.push(`${at}isCorrect must be a boolean (true or false), but it is ${describeValue(value)}`);
    } else if (!hasScore) {
      score = value ? 1 : 0;
    } else if (score !== undefined && value !== (score === 1)) {
      warnings.push(`${at}isCorrect is ${String(value)} but fractionalScore is ${formatNumber(score)}; fractionalScore is used`);
    }
  }
  if (!hasScore && !hasCorrect) {
    errors.push(`${at}fractionalScore and isCorrect are both missing; give the score with one of them`);
  }

  let feedback: string | undefined;
  if (!('feedback' in doc)) {
    errors.push(`${at}feedback is missing; it is the text shown to the student (use "" for none)`);
  } else if (typeof doc.feedback !== 'string') {
    errors.push(`${at}feedback must be a string, but it is ${describeValue(doc.feedback)}`);
  } else {
    feedback = doc.feedback;
  }

  let feedbackType: CourseraFeedbackType | null = null;
  if ('feedbackType' in doc) {
    const value = doc.feedbackType;
    if (COURSERA_FEEDBACK_TYPES.includes(value as CourseraFeedbackType)) {
      feedbackType = value as CourseraFeedbackType;
    } else {
      const near = caseInsensitiveMatch(value, COURSERA_FEEDBACK_TYPES);
      errors.push(
        `${at}feedbackType must be ${listChoices(COURSERA_FEEDBACK_TYPES)} (case-sensitive), but it is ${describeValue(value)}` +
          (near ? ` (did you mean ${JSON.stringify(near)}?)` : ''),
      );
    }
  }

  if (errors.length > 0 || score === undefined || feedback === undefined) return { ok: false, errors, warnings };
  return { ok: true, value: { score, feedback, feedbackType }, warnings };
}

/** Validates the text of `/shared/feedback.json` (or any file holding exactly one document). */
export function parseCourseraReport(text: string, source: string): Checked<CourseraReport> {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, errors: [`${source} ${parsed.error}`], warnings: [] };
  return validateCourseraReport(parsed.value, source);
}

export type StdoutDocument = { ok: true; value: unknown; source: string } | { ok: false; error: string };

/**
 * Finds the report in stdout, used when the grader wrote no feedback file. Graders often log before
 * they print the result, so the first of these wins:
 * 1. the whole trimmed stdout, if it is one JSON document (of any type: a non-object is then a fault);
 * 2. a pretty-printed object at the end: the text from the last line that starts with `{` in its
 *    first column to the end of stdout;
 * 3. the last line that, trimmed, is a JSON object on its own (`print(json.dumps(result))`), even
 *    when log lines follow it.
 */
export function findStdoutDocument(stdout: string): StdoutDocument {
  const whole = parseJson(stdout);
  if (whole.ok) return { ok: true, value: whole.value, source: 'stdout' };
  if (stdout.trim() === '') return { ok: false, error: 'stdout is empty' };

  const lines = stdout.split('\n');
  const opener = lines.findLastIndex((line) => line.startsWith('{'));
  if (opener > 0) {
    const tail = parseJson(lines.slice(opener).join('\n'));
    if (tail.ok && isJsonObject(tail.value)) {
      const last = lines.findLastIndex((line) => line.trim() !== '');
      return { ok: true, value: tail.value, source: opener === last ? `stdout line ${opener + 1}` : `stdout lines ${opener + 1}-${last + 1}` };
    }
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    const parsed = parseJson(line);
    if (parsed.ok && isJsonObject(parsed.value)) return { ok: true, value: parsed.value, source: `stdout line ${i + 1}` };
  }
  const count = lines.filter((line) => line.trim() !== '').length;
  return { ok: false, error: count === 1 ? `stdout ${whole.error}` : `stdout ${whole.error}, and none of its ${count} lines is a JSON object` };
}

/** The report from stdout, for a run that wrote no `/shared/feedback.json`. */
export function parseCourseraStdout(stdout: CapturedOutput, feedbackFile: string): Checked<CourseraReport> {
  const found = findStdoutDocument(stdout.text);
  if (found.ok) return validateCourseraReport(found.value, found.source);
  const cut = stdout.truncated ? ` (only the start of stdout's ${stdout.bytes} bytes was kept; write ${feedbackFile} instead)` : '';
  return { ok: false, errors: [`${feedbackFile} was not written, and ${found.error}${cut}`], warnings: [] };
}
