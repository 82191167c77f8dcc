/**
 * Validation and normalization of a Gradescope `results.json`.
 *
 * Types: every documented field is checked (wrong type → fault naming field, value and type);
 * unknown keys are warnings. Visibility is one of visible/hidden/after_due_date/after_published,
 * formats one of text/html/simple_format/md/ansi, test status passed/failed (all case-sensitive).
 *
 * Scores (decisions):
 * - Negative scores and max_scores are faults (so deductions must be made inside a test's score).
 * - A test score above its max_score is extra credit, as Gradescope allows: a warning.
 * - Without a top-level `score`, every test with a max_score needs a score; with neither a
 *   top-level score nor any test score, there is nothing to grade: a fault.
 * - Gradescope lets a top-level score silently override the tests' sum; we do not: when both are
 *   given and differ (beyond float rounding) it is a fault naming both sums.
 * - Points possible: the sum of the tests' max_score when positive, else the assignment's total
 *   points; neither → fault. When both are known and differ, a warning (the tests' sum is used, since
 *   the assignment may include manually graded questions the autograder does not see).
 * - Fraction = earned / possible, capped at 1 with a warning for extra credit; `points` keeps the
 *   uncapped earned points.
 * - Top-level `visibility` is the result's visibility and the default for tests without one;
 *   `stdout_visibility` defaults to hidden, as on Gradescope.
 */
import type { Feedback, FeedbackFormat, TestResult, Visibility } from '../grade-result.ts';
import {
  caseInsensitiveMatch, describeValue, formatNumber, isJsonObject, isNumericString, listChoices, nearlyEqual, unknownKeyWarnings,
  type Checked, type JsonObject,
} from '../json-fields.ts';
import { parseJson } from '../json-text.ts';

export const VISIBILITIES = ['visible', 'hidden', 'after_due_date', 'after_published'] as const satisfies readonly Visibility[];
export const GRADESCOPE_FORMATS = ['text', 'html', 'simple_format', 'md', 'ansi'] as const;
type GradescopeFormat = (typeof GRADESCOPE_FORMATS)[number];
const FORMATS: Record<GradescopeFormat, FeedbackFormat> = { text: 'text', simple_format: 'text', html: 'html', md: 'markdown', ansi: 'ansi' };

/** Values authors write by habit, for a "did you mean" hint. */
const ALIASES: Partial<Record<string, string>> = { markdown: 'md', txt: 'text', plain: 'text', pass: 'passed', fail: 'failed' };

const TOP_KEYS = [
  'score', 'tests', 'output', 'output_format', 'test_output_format', 'test_name_format', 'visibility', 'stdout_visibility',
  'execution_time', 'leaderboard', 'extra_data',
] as const;
const TEST_KEYS = [
  'score', 'max_score', 'status', 'name', 'name_format', 'number', 'output', 'output_format', 'tags', 'visibility', 'extra_data',
] as const;

export interface GradescopeResults {
  /** Fraction in [0, 1]. */
  score: number;
  points: { earned: number; possible: number };
  feedback: Feedback;
  tests: TestResult[];
  visibility: Visibility;
  stdoutVisibility: Visibility | undefined;
  leaderboard?: unknown[];
  extraData?: unknown;
}

export interface GradescopeOptions {
  /** Where the document came from, starting every message. */
  source: string;
  /** The assignment's total points, used when no test has a max_score. */
  totalPoints?: number;
}

/** Reads typed fields of one object, recording one fault per bad field. */
function fieldReader(object: JsonObject, at: string, errors: string[]) {
  const fault = (key: string, must: string, hint = ''): undefined => {
    errors.push(`${at}${key} must be ${must}, but it is ${describeValue(object[key])}${hint}`);
    return undefined;
  };
  return {
    number(key: string): number | undefined {
      if (!(key in object)) return undefined;
      const value = object[key];
      if (typeof value !== 'number') return fault(key, 'a number', isNumericString(value) ? ` (write ${value.trim()} without quotes)` : '');
      if (!Number.isFinite(value)) return fault(key, 'a finite number');
      if (value < 0) return fault(key, 'at least 0');
      return value;
    },
    string(key: string): string | undefined {
      if (!(key in object)) return undefined;
      return typeof object[key] === 'string' ? object[key] : fault(key, 'a string');
    },
    choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
      if (!(key in object)) return undefined;
      const value = object[key];
      if (choices.includes(value as T)) return value as T;
      const alias = typeof value === 'string' ? ALIASES[value.toLowerCase()] : undefined;
      const near = caseInsensitiveMatch(value, choices) ?? (alias !== undefined && choices.includes(alias as T) ? alias : undefined);
      return fault(key, listChoices(choices), near ? ` (did you mean ${JSON.stringify(near)}?)` : '');
    },
  };
}

/** Validates and normalizes one parsed results.json document. */
export function validateGradescopeResults(doc: unknown, options: GradescopeOptions): Checked<GradescopeResults> {
  const { source } = options;
  if (!isJsonObject(doc)) return { ok: false, errors: [`${source} must hold a JSON object, but it holds ${describeValue(doc)}`], warnings: [] };
  const at = `${source}: `;
  const errors: string[] = [];
  const warnings = unknownKeyWarnings(doc, TOP_KEYS, at);
  const top = fieldReader(doc, at, errors);

  const score = top.number('score');
  const output = top.string('output') ?? '';
  const outputFormat = top.choice('output_format', GRADESCOPE_FORMATS) ?? 'text';
  const testOutputFormat = top.choice('test_output_format', GRADESCOPE_FORMATS) ?? 'text';
  top.choice('test_name_format', GRADESCOPE_FORMATS);
  const visibility = top.choice('visibility', VISIBILITIES);
  const stdoutVisibility = top.choice('stdout_visibility', VISIBILITIES);
  top.number('execution_time');

  const tests: TestResult[] = [];
  let testScores = 0;
  let testsWithScore = 0;
  let maxScores = 0;
  let testsWithMax = 0;
  if ('tests' in doc && !Array.isArray(doc.tests)) {
    errors.push(`${at}tests must be an array, but it is ${describeValue(doc.tests)}`);
  }
  const rawTests: unknown[] = Array.isArray(doc.tests) ? doc.tests : [];
  rawTests.forEach((raw, index) => {
    if (!isJsonObject(raw)) {
      errors.push(`${at}tests[${index}] must be an object, but it is ${describeValue(raw)}`);
      return;
    }
    const label = `${at}tests[${index}]${typeof raw.name === 'string' ? ` ${JSON.stringify(raw.name.slice(0, 60))}` : ''}: `;
    warnings.push(...unknownKeyWarnings(raw, TEST_KEYS, label));
    const field = fieldReader(raw, label, errors);
    const testScore = field.number('score');
    const maxScore = field.number('max_score');
    const name = field.string('name');
    const status = field.choice('status', ['passed', 'failed'] as const);
    const testOutput = field.string('output') ?? '';
    const format = field.choice('output_format', GRADESCOPE_FORMATS) ?? testOutputFormat;
    const testVisibility = field.choice('visibility', VISIBILITIES);
    field.choice('name_format', GRADESCOPE_FORMATS);
    const number = checkNumberField(raw, label, errors);
    checkTags(raw, label, errors);

    if (testScore !== undefined) {
      testScores += testScore;
      testsWithScore++;
    }
    if (maxScore !== undefined) {
      maxScores += maxScore;
      testsWithMax++;
    }
    if (testScore !== undefined && maxScore !== undefined && testScore > maxScore) {
      warnings.push(`${label}score ${formatNumber(testScore)} is above max_score ${formatNumber(maxScore)} (counted as extra credit)`);
    }
    if (!('score' in doc) && !('score' in raw) && 'max_score' in raw) {
      errors.push(`${label}score is missing; without a top-level score every test with a max_score needs one`);
    }
    tests.push({
      name: name ?? `Test ${number ?? index + 1}`,
      score: testScore ?? null,
      maxScore: maxScore ?? null,
      status: status ?? null,
      output: testOutput,
      outputFormat: FORMATS[format],
      visibility: testVisibility ?? visibility ?? 'visible',
    });
  });

  const leaderboard = checkLeaderboard(doc, at, errors);

  // Tests whose score is present but invalid already have a fault; do not pile sums on top of it.
  const testScoreKeys = rawTests.filter((t) => isJsonObject(t) && 'score' in t).length;
  const noScore = !('score' in doc) && testScoreKeys === 0;
  if (noScore) errors.push(`${at}there is no score: give a top-level score or a score on each test`);
  if (score !== undefined && testsWithScore > 0 && testsWithScore === testScoreKeys && !nearlyEqual(score, testScores)) {
    errors.push(
      `${at}the top-level score ${formatNumber(score)} differs from the sum of the tests' scores ${formatNumber(testScores)}; ` +
        'make them agree or leave out the top-level score',
    );
  }
  const { totalPoints } = options;
  let possible: number | undefined;
  if (maxScores > 0) {
    possible = maxScores;
    if (totalPoints !== undefined && !nearlyEqual(totalPoints, maxScores)) {
      warnings.push(
        `${at}the tests' max_score add up to ${formatNumber(maxScores)} but the assignment is worth ${formatNumber(totalPoints)} points; ` +
          `the score is taken out of ${formatNumber(maxScores)}`,
      );
    }
  } else if (totalPoints !== undefined && totalPoints > 0) {
    possible = totalPoints;
  } else if (!noScore) {
    errors.push(
      `${at}the score cannot be turned into a fraction: ` +
        `${testsWithMax > 0 ? "the tests' max_score add up to 0" : 'no test has a max_score'}, and the assignment's total points are unknown`,
    );
  }

  if (errors.length > 0 || possible === undefined) return { ok: false, errors, warnings };
  const earned = score ?? testScores;
  let fraction = earned / possible;
  if (fraction > 1) {
    warnings.push(
      `${at}the score ${formatNumber(earned)} is above the ${formatNumber(possible)} points possible (extra credit); ` +
        'the fraction is capped at 1 and the points are kept',
    );
    fraction = 1;
  }
  const value: GradescopeResults = {
    score: fraction,
    points: { earned, possible },
    feedback: { text: output, format: FORMATS[outputFormat] },
    tests,
    visibility: visibility ?? 'visible',
    stdoutVisibility,
  };
  if (leaderboard !== undefined) value.leaderboard = leaderboard;
  if ('extra_data' in doc) value.extraData = doc.extra_data;
  return { ok: true, value, warnings };
}

/** Parses and validates the text of results.json. */
export function parseGradescopeResults(text: string, options: GradescopeOptions): Checked<GradescopeResults> {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, errors: [`${options.source} ${parsed.error}`], warnings: [] };
  return validateGradescopeResults(parsed.value, options);
}

/** `number` is documented as a string ("1.2"); a JSON number is accepted too. */
function checkNumberField(test: JsonObject, at: string, errors: string[]): string | undefined {
  if (!('number' in test)) return undefined;
  const value = test.number;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return formatNumber(value);
  errors.push(`${at}number must be a string such as "1.2", but it is ${describeValue(value)}`);
  return undefined;
}

function checkTags(test: JsonObject, at: string, errors: string[]): void {
  if (!('tags' in test)) return;
  const tags = test.tags;
  if (!Array.isArray(tags)) {
    errors.push(`${at}tags must be an array of strings, but it is ${describeValue(tags)}`);
    return;
  }
  tags.forEach((tag: unknown, i) => {
    if (typeof tag !== 'string') errors.push(`${at}tags[${i}] must be a string, but it is ${describeValue(tag)}`);
  });
}

/** Leaderboard entries: `{name: string, value: number | string, order?: "asc" | "desc"}`. */
function checkLeaderboard(doc: JsonObject, at: string, errors: string[]): unknown[] | undefined {
  if (!('leaderboard' in doc)) return undefined;
  const board = doc.leaderboard;
  if (!Array.isArray(board)) {
    errors.push(`${at}leaderboard must be an array, but it is ${describeValue(board)}`);
    return undefined;
  }
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
    if ('order' in entry && entry.order !== 'asc' && entry.order !== 'desc') {
      errors.push(`${where}.order must be "asc" or "desc", but it is ${describeValue(entry.order)}`);
    }
  });
  return board as unknown[];
}
