/**
 * Validation and normalization of a Gradescope `results.json`, as lenient as Gradescope itself
 * (docs/grader-contract.md has the field-by-field table).
 *
 * Principles:
 * - A field gradebox uses must be usable: a score that is not a number at all, an unknown status,
 *   visibility or format is a fault naming field, value and type ("did you mean" for near misses).
 * - A field gradebox does not use (`execution_time`, `number`, `tags`, `name_format`,
 *   `test_name_format`) never fails a grading: a bad value is a warning and is ignored.
 * - `null` means absent, as in Python graders that write `None` for what they leave out.
 * - A number written as a string (`"execution_time": "0.05"`, which Gradescope's own
 *   gradescope-utils writes) is read as that number, with a warning.
 * - Unknown keys are warnings.
 *
 * Scores:
 * - A top-level `score` wins over the tests' sum, as on Gradescope (a warning when they differ:
 *   graders use it for penalties or their own totals). Without one, every test with a max_score
 *   needs a score; with no score anywhere there is nothing to grade: a fault.
 * - Test scores may be negative (deductions); max_score may not. A test without a status passes
 *   when it earned its max_score and fails below it, as on Gradescope.
 * - Points possible: the tests' max_score when they add up to more than 0, else the part's points
 *   (`totalPoints`: the service's part, `grade local --points`), else a top-level `max_score`
 *   (not in Gradescope's specification, but its samples write one). With none of them the result
 *   is still graded, in points, without a fraction (a warning says what is missing), except that
 *   nothing earned is a fraction of 0 whatever the total.
 * - The fraction is capped to [0, 1] with a warning for extra credit or a negative total; `points`
 *   keeps the real figures.
 * - Top-level `visibility` is the result's visibility and the default for tests without one;
 *   `stdout_visibility` defaults to hidden, as on Gradescope.
 */
import type { Feedback, FeedbackFormat, TestResult, Visibility } from '../grade-result.ts';
import {
  describeValue, formatNumber, isJsonObject, isNumericString, listChoices, nearlyEqual, unknownKeyWarnings, type Checked,
} from '../json-fields.ts';
import { parseJson } from '../json-text.ts';
import { RESULT_LIMITS } from '../result-limits.ts';
import { checkLeaderboard, checkUnusedTestFields, fieldReader, type FieldReader } from './gradescope-fields.ts';

export const VISIBILITIES = ['visible', 'hidden', 'after_due_date', 'after_published'] as const satisfies readonly Visibility[];
export const GRADESCOPE_FORMATS = ['text', 'html', 'simple_format', 'md', 'ansi'] as const;
type GradescopeFormat = (typeof GRADESCOPE_FORMATS)[number];
const FORMATS: Record<GradescopeFormat, FeedbackFormat> = { text: 'text', simple_format: 'text', html: 'html', md: 'markdown', ansi: 'ansi' };

const TOP_KEYS = [
  'score', 'max_score', 'tests', 'output', 'output_format', 'test_output_format', 'test_name_format', 'visibility', 'stdout_visibility',
  'execution_time', 'leaderboard', 'extra_data',
] as const;
const TEST_KEYS = [
  'score', 'max_score', 'status', 'name', 'name_format', 'number', 'output', 'output_format', 'tags', 'visibility', 'extra_data',
] as const;

export interface GradescopeResults {
  /** Fraction in [0, 1]; null when no points possible are known and something was earned (`points.possible` is null then). */
  score: number | null;
  points: { earned: number; possible: number | null };
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
  /** The part's points (Gradescope's assignment total points), used when no test has a max_score. */
  totalPoints?: number;
}

/** Sums over the tests, for the totals. */
interface TestSums {
  scores: number;
  withScore: number;
  maxScores: number;
  withMax: number;
}

/** Validates and normalizes one parsed results.json document. */
export function validateGradescopeResults(doc: unknown, options: GradescopeOptions): Checked<GradescopeResults> {
  const { source } = options;
  if (!isJsonObject(doc)) return { ok: false, errors: [`${source} must hold a JSON object, but it holds ${describeValue(doc)}`], warnings: [] };
  const at = `${source}: `;
  const errors: string[] = [];
  const warnings = unknownKeyWarnings(doc, TOP_KEYS, at);
  const top = fieldReader(doc, at, errors, warnings);

  const score = top.number('score');
  const topMax = top.number('max_score', { min: 0 });
  const output = top.string('output') ?? '';
  const outputFormat = top.choice('output_format', GRADESCOPE_FORMATS) ?? 'text';
  const testOutputFormat = top.choice('test_output_format', GRADESCOPE_FORMATS) ?? 'text';
  const visibility = top.choice('visibility', VISIBILITIES);
  const stdoutVisibility = top.choice('stdout_visibility', VISIBILITIES);
  // Not used, but gradescope-utils writes it as a string ("0.05"): read it like any number then.
  if (isNumericString(doc.execution_time)) top.number('execution_time');
  else top.unused('execution_time', 'a number of seconds', (value) => typeof value === 'number' && Number.isFinite(value));
  top.unused('test_name_format', listChoices(GRADESCOPE_FORMATS), (value) => GRADESCOPE_FORMATS.includes(value as GradescopeFormat));

  const rawTests = present(doc.tests) ? doc.tests : [];
  if (!Array.isArray(rawTests)) errors.push(`${at}tests must be an array, but it is ${describeValue(rawTests)}`);
  const testList: unknown[] = Array.isArray(rawTests) ? rawTests : [];
  if (testList.length > RESULT_LIMITS.tests) {
    // Checked before reading any test: a million-test file must not cost a million checks.
    errors.push(
      `${at}tests has ${testList.length} entries; gradebox accepts at most ${RESULT_LIMITS.tests} tests per result ` +
        '(group related checks into one test, with the details in its output)',
    );
    return { ok: false, errors, warnings };
  }
  const sums: TestSums = { scores: 0, withScore: 0, maxScores: 0, withMax: 0 };
  const hasTopScore = score !== undefined || present(doc.score);
  const tests = testList.flatMap((raw, index) => {
    const test = readTest(raw, index, { at, errors, warnings, hasTopScore, sums, testOutputFormat, visibility });
    return test === undefined ? [] : [test];
  });

  const leaderboard = checkLeaderboard(doc, at, errors, warnings);

  // Tests whose score is present but invalid already have a fault; do not pile sums on top of it.
  const testScoreKeys = testList.filter((t) => isJsonObject(t) && present(t.score)).length;
  if (!hasTopScore && testScoreKeys === 0) errors.push(`${at}there is no score: give a top-level score or a score on each test`);
  if (errors.length > 0) return { ok: false, errors, warnings };

  if (score !== undefined && sums.withScore > 0 && !nearlyEqual(score, sums.scores)) {
    warnings.push(
      `${at}the top-level score ${formatNumber(score)} differs from the sum of the tests' scores ${formatNumber(sums.scores)}; ` +
        'the top-level score is used, as on Gradescope',
    );
  }
  const earned = score ?? sums.scores;
  const possible = pointsPossible({ at, warnings, sums, topMax, totalPoints: options.totalPoints, earned });
  const value: GradescopeResults = {
    // Nothing earned is a fraction of 0 out of any total ("did not compile": {"score": 0}).
    score: possible === null ? (earned <= 0 ? 0 : null) : fraction(earned, possible, at, warnings),
    points: { earned, possible },
    feedback: { text: output, format: FORMATS[outputFormat] },
    tests,
    visibility: visibility ?? 'visible',
    stdoutVisibility,
  };
  if (leaderboard !== undefined) value.leaderboard = leaderboard;
  if (present(doc.extra_data)) value.extraData = doc.extra_data;
  return { ok: true, value, warnings };
}

/** Parses and validates the text of results.json. */
export function parseGradescopeResults(text: string, options: GradescopeOptions): Checked<GradescopeResults> {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, errors: [`${options.source} ${parsed.error}`], warnings: [] };
  return validateGradescopeResults(parsed.value, options);
}

interface TestContext {
  at: string;
  errors: string[];
  warnings: string[];
  hasTopScore: boolean;
  sums: TestSums;
  testOutputFormat: GradescopeFormat;
  visibility: Visibility | undefined;
}

/** One entry of `tests[]`, normalized; undefined (and a fault) when it is no object. */
function readTest(raw: unknown, index: number, ctx: TestContext): TestResult | undefined {
  const { at, errors, warnings, sums } = ctx;
  if (!isJsonObject(raw)) {
    errors.push(`${at}tests[${index}] must be an object, but it is ${describeValue(raw)}`);
    return undefined;
  }
  const label = `${at}tests[${index}]${typeof raw.name === 'string' ? ` ${JSON.stringify(raw.name.slice(0, 60))}` : ''}: `;
  warnings.push(...unknownKeyWarnings(raw, TEST_KEYS, label));
  const field: FieldReader = fieldReader(raw, label, errors, warnings);
  const testScore = field.number('score');
  const maxScore = field.number('max_score', { min: 0 });
  const name = field.string('name');
  const status = field.choice('status', ['passed', 'failed'] as const);
  const testOutput = field.string('output') ?? '';
  const format = field.choice('output_format', GRADESCOPE_FORMATS) ?? ctx.testOutputFormat;
  const testVisibility = field.choice('visibility', VISIBILITIES);
  field.unused('name_format', listChoices(GRADESCOPE_FORMATS), (value) => GRADESCOPE_FORMATS.includes(value as GradescopeFormat));
  const number = checkUnusedTestFields(raw, label, warnings);

  if (testScore !== undefined) {
    sums.scores += testScore;
    sums.withScore++;
  }
  if (maxScore !== undefined) {
    sums.maxScores += maxScore;
    sums.withMax++;
  }
  if (testScore !== undefined && maxScore !== undefined && testScore > maxScore) {
    warnings.push(`${label}score ${formatNumber(testScore)} is above max_score ${formatNumber(maxScore)} (counted as extra credit)`);
  }
  if (!ctx.hasTopScore && !present(raw.score) && present(raw.max_score)) {
    errors.push(`${label}score is missing; without a top-level score every test with a max_score needs one`);
  }
  return {
    name: name ?? `Test ${number ?? index + 1}`,
    score: testScore ?? null,
    maxScore: maxScore ?? null,
    status: status ?? derivedStatus(testScore, maxScore),
    output: testOutput,
    outputFormat: FORMATS[format],
    visibility: testVisibility ?? ctx.visibility ?? 'visible',
  };
}

interface PossibleContext {
  at: string;
  warnings: string[];
  sums: TestSums;
  topMax: number | undefined;
  totalPoints: number | undefined;
  earned: number;
}

/** The points the score is taken out of (see the header), or null (with a warning when something was earned) when none is known. */
function pointsPossible(ctx: PossibleContext): number | null {
  const { at, warnings, sums, topMax, totalPoints } = ctx;
  const part = totalPoints !== undefined && totalPoints > 0 ? totalPoints : undefined;
  const grader = topMax !== undefined && topMax > 0 ? topMax : undefined;
  if (sums.maxScores > 0) {
    for (const [what, other] of [['the part is worth', part], ['the top-level max_score is', grader]] as const) {
      if (other !== undefined && !nearlyEqual(other, sums.maxScores)) {
        warnings.push(
          `${at}the tests' max_score add up to ${formatNumber(sums.maxScores)} but ${what} ${formatNumber(other)} points; ` +
            `the score is taken out of ${formatNumber(sums.maxScores)}`,
        );
      }
    }
    return sums.maxScores;
  }
  if (part !== undefined) {
    if (grader !== undefined && !nearlyEqual(grader, part)) {
      warnings.push(`${at}the top-level max_score ${formatNumber(grader)} differs from the part's ${formatNumber(part)} points; the score is taken out of ${formatNumber(part)}`);
    }
    return part;
  }
  if (grader !== undefined) return grader;
  if (ctx.earned <= 0) return null;
  const tests = sums.withMax > 0 ? "the tests' max_score add up to 0" : 'no test has a max_score';
  warnings.push(
    `${at}the score ${formatNumber(ctx.earned)} is kept in points without a fraction: ${tests}, there is no top-level max_score ` +
      "and the part's points are unknown (grade local takes them with --points N)",
  );
  return null;
}

/** earned / possible in [0, 1]; outside it, capped with a warning (points keep the real figures). */
function fraction(earned: number, possible: number, at: string, warnings: string[]): number {
  const value = earned / possible;
  if (value > 1) {
    warnings.push(
      `${at}the score ${formatNumber(earned)} is above the ${formatNumber(possible)} points possible (extra credit); ` +
        'the fraction is capped at 1 and the points are kept',
    );
    return 1;
  }
  if (value < 0) {
    warnings.push(`${at}the score ${formatNumber(earned)} is below 0; the fraction is 0 and the points are kept`);
    return 0;
  }
  return value;
}

/** Gradescope's default status: passed when the test earned its max_score, failed below it; none without both. */
function derivedStatus(score: number | undefined, maxScore: number | undefined): TestResult['status'] {
  if (score === undefined || maxScore === undefined) return null;
  return score >= maxScore ? 'passed' : 'failed';
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
