import { describe, expect, it } from 'vitest';
import {
  findStdoutDocument, parseCourseraReport, parseCourseraStdout, validateCourseraReport,
} from '../../src/grader/protocols/coursera-output.ts';
import { captured } from './helpers.ts';

const SRC = '/shared/feedback.json';

function errorsOf(doc: unknown): string[] {
  const checked = validateCourseraReport(doc, SRC);
  expect(checked.ok).toBe(false);
  return checked.ok ? [] : checked.errors;
}

describe('validateCourseraReport', () => {
  it('accepts a fractional score with feedback', () => {
    expect(validateCourseraReport({ fractionalScore: 0.25, feedback: 'Keep going.' }, SRC))
      .toEqual({ ok: true, value: { score: 0.25, feedback: 'Keep going.', feedbackType: null }, warnings: [] });
  });

  it.each([
    [true, 1],
    [false, 0],
  ])('isCorrect %s scores %d', (isCorrect, score) => {
    expect(validateCourseraReport({ isCorrect, feedback: '' }, SRC)).toMatchObject({ ok: true, value: { score } });
  });

  it.each([0, 1, 0.5, 1e-9])('accepts the bounds and inside: %d', (fractionalScore) => {
    expect(validateCourseraReport({ fractionalScore, feedback: 'x' }, SRC).ok).toBe(true);
  });

  it.each(['TXT', 'HTML', 'MARKDOWN'] as const)('accepts feedbackType %s', (feedbackType) => {
    expect(validateCourseraReport({ fractionalScore: 1, feedback: 'x', feedbackType }, SRC)).toMatchObject({ ok: true, value: { feedbackType } });
  });

  it.each([
    [[], '/shared/feedback.json must hold a JSON object, but it holds an array of 0 items'],
    [[{ fractionalScore: 1 }], '/shared/feedback.json must hold a JSON object, but it holds an array of 1 item'],
    ['done', '/shared/feedback.json must hold a JSON object, but it holds the string "done"'],
    [1, '/shared/feedback.json must hold a JSON object, but it holds the number 1'],
    [null, '/shared/feedback.json must hold a JSON object, but it holds null'],
  ])('not an object: %j', (doc, message) => {
    expect(errorsOf(doc)).toEqual([message]);
  });

  it.each([
    ['0.5', 'fractionalScore must be a number from 0 to 1, but it is the string "0.5" (write 0.5 without quotes)'],
    [' 1 ', 'fractionalScore must be a number from 0 to 1, but it is the string " 1 " (write 1 without quotes)'],
    ['NaN', 'fractionalScore must be a number from 0 to 1, but it is the string "NaN"'],
    ['half', 'fractionalScore must be a number from 0 to 1, but it is the string "half"'],
    [true, 'fractionalScore must be a number from 0 to 1, but it is the boolean true (use isCorrect for pass/fail)'],
    [false, 'fractionalScore must be a number from 0 to 1, but it is the boolean false (use isCorrect for pass/fail)'],
    [null, 'fractionalScore must be a number from 0 to 1, but it is null'],
    [[0.5], 'fractionalScore must be a number from 0 to 1, but it is an array of 1 item'],
    [{ value: 1 }, 'fractionalScore must be a number from 0 to 1, but it is an object'],
    [Number.NaN, 'fractionalScore must be a finite number from 0 to 1, but it is the number NaN'],
    [Number.POSITIVE_INFINITY, 'fractionalScore must be a finite number from 0 to 1, but it is the number Infinity'],
    [-0.1, 'fractionalScore must be at least 0, but it is the number -0.1'],
    [-3, 'fractionalScore must be at least 0, but it is the number -3'],
    [1.5, 'fractionalScore must be at most 1, but it is the number 1.5'],
    [85, 'fractionalScore must be at most 1, but it is the number 85 (a fraction, not a percentage: write 0.85 for 85%)'],
    [1.0000001, 'fractionalScore must be at most 1, but it is the number 1.0000001'],
    [250, 'fractionalScore must be at most 1, but it is the number 250'],
  ])('fractionalScore %j', (fractionalScore, message) => {
    expect(errorsOf({ fractionalScore, feedback: 'x' })).toEqual([`${SRC}: ${message}`]);
  });

  it('cuts a long string value in the message', () => {
    expect(errorsOf({ fractionalScore: 'x'.repeat(100), feedback: '' })).toEqual([
      `${SRC}: fractionalScore must be a number from 0 to 1, but it is the string "${'x'.repeat(60)}"… (100 characters)`,
    ]);
  });

  it.each([
    ['true', 'isCorrect must be a boolean (true or false), but it is the string "true"'],
    [1, 'isCorrect must be a boolean (true or false), but it is the number 1'],
    [null, 'isCorrect must be a boolean (true or false), but it is null'],
  ])('isCorrect %j', (isCorrect, message) => {
    expect(errorsOf({ isCorrect, feedback: 'x' })).toEqual([`${SRC}: ${message}`]);
  });

  it('needs a score', () => {
    expect(errorsOf({ feedback: 'x' })).toEqual([`${SRC}: fractionalScore and isCorrect are both missing; give the score with one of them`]);
  });

  it('needs feedback, as a string', () => {
    expect(errorsOf({ fractionalScore: 1 })).toEqual([`${SRC}: feedback is missing; it is the text shown to the student (use "" for none)`]);
    expect(errorsOf({ fractionalScore: 1, feedback: ['a'] })).toEqual([`${SRC}: feedback must be a string, but it is an array of 1 item`]);
    expect(errorsOf({ fractionalScore: 1, feedback: null })).toEqual([`${SRC}: feedback must be a string, but it is null`]);
    expect(errorsOf({ fractionalScore: 1, feedback: 42 })).toEqual([`${SRC}: feedback must be a string, but it is the number 42`]);
  });

  it.each([
    ['html', 'feedbackType must be "TXT", "HTML" or "MARKDOWN" (case-sensitive), but it is the string "html" (did you mean "HTML"?)'],
    ['Markdown', 'feedbackType must be "TXT", "HTML" or "MARKDOWN" (case-sensitive), but it is the string "Markdown" (did you mean "MARKDOWN"?)'],
    ['PDF', 'feedbackType must be "TXT", "HTML" or "MARKDOWN" (case-sensitive), but it is the string "PDF"'],
    [null, 'feedbackType must be "TXT", "HTML" or "MARKDOWN" (case-sensitive), but it is null'],
  ])('feedbackType %j', (feedbackType, message) => {
    expect(errorsOf({ fractionalScore: 1, feedback: 'x', feedbackType })).toEqual([`${SRC}: ${message}`]);
  });

  it('reports every fault at once, in field order', () => {
    expect(errorsOf({ fractionalScore: '1', isCorrect: 'no', feedback: 3, feedbackType: 'Html' })).toEqual([
      `${SRC}: fractionalScore must be a number from 0 to 1, but it is the string "1" (write 1 without quotes)`,
      `${SRC}: isCorrect must be a boolean (true or false), but it is the string "no"`,
      `${SRC}: feedback must be a string, but it is the number 3`,
      `${SRC}: feedbackType must be "TXT", "HTML" or "MARKDOWN" (case-sensitive), but it is the string "Html" (did you mean "HTML"?)`,
    ]);
  });

  it('warns about unknown keys, with a hint for near misses', () => {
    const checked = validateCourseraReport({ fractionalScore: 1, feedback: '', score: 3, fractional_score: 1, IsCorrect: true }, SRC);
    expect(checked).toEqual({
      ok: true,
      value: { score: 1, feedback: '', feedbackType: null },
      warnings: [
        `${SRC}: unknown key "score" ignored`,
        `${SRC}: unknown key "fractional_score" ignored (did you mean "fractionalScore"?)`,
        `${SRC}: unknown key "IsCorrect" ignored (did you mean "isCorrect"?)`,
      ],
    });
  });

  it('keeps fractionalScore over isCorrect and warns when they disagree', () => {
    expect(validateCourseraReport({ fractionalScore: 0.5, isCorrect: true, feedback: '' }, SRC)).toEqual({
      ok: true,
      value: { score: 0.5, feedback: '', feedbackType: null },
      warnings: [`${SRC}: isCorrect is true but fractionalScore is 0.5; fractionalScore is used`],
    });
    expect(validateCourseraReport({ fractionalScore: 1, isCorrect: false, feedback: '' }, SRC)).toMatchObject({
      warnings: [`${SRC}: isCorrect is false but fractionalScore is 1; fractionalScore is used`],
    });
    expect(validateCourseraReport({ fractionalScore: 0.2, isCorrect: false, feedback: '' }, SRC)).toMatchObject({ warnings: [] });
  });
});

describe('parseCourseraReport', () => {
  it('parses and validates the file text', () => {
    expect(parseCourseraReport('{"fractionalScore": 0.75, "feedback": "ok"}\n', SRC)).toMatchObject({ ok: true, value: { score: 0.75 } });
  });

  it('names the syntax fault and where it is', () => {
    expect(parseCourseraReport('{"fractionalScore": 0.5, "feedback": "ok",}', SRC)).toEqual({
      ok: false,
      errors: [`${SRC} is not JSON: unexpected "}" after a comma at line 1 column 43 (trailing commas are not allowed)`],
      warnings: [],
    });
    expect(parseCourseraReport('', SRC)).toEqual({ ok: false, errors: [`${SRC} is empty`], warnings: [] });
  });
});

describe('findStdoutDocument', () => {
  it('takes the whole trimmed stdout when it is one document', () => {
    expect(findStdoutDocument('\n  {"fractionalScore": 1, "feedback": "a"}  \n')).toEqual({ ok: true, value: { fractionalScore: 1, feedback: 'a' }, source: 'stdout' });
    expect(findStdoutDocument('[1]\n')).toEqual({ ok: true, value: [1], source: 'stdout' });
  });

  it('takes the last line that is a JSON object, after logs and before trailing logs', () => {
    const stdout = 'compiling\n{"progress": 1}\nrunning tests\n{"fractionalScore": 0.5, "feedback": "half"}\nbye\n';
    expect(findStdoutDocument(stdout)).toEqual({ ok: true, value: { fractionalScore: 0.5, feedback: 'half' }, source: 'stdout line 4' });
  });

  it('takes a pretty-printed object at the end, not an object nested inside it', () => {
    const stdout = 'log line\n{\n  "fractionalScore": 1,\n  "feedback": "all good",\n  "extra": [\n    {"nested": true}\n  ]\n}\n';
    expect(findStdoutDocument(stdout)).toEqual({
      ok: true,
      value: { fractionalScore: 1, feedback: 'all good', extra: [{ nested: true }] },
      source: 'stdout lines 2-8',
    });
  });

  it('says why nothing was found', () => {
    expect(findStdoutDocument('')).toEqual({ ok: false, error: 'stdout is empty' });
    expect(findStdoutDocument('hello')).toEqual({ ok: false, error: 'stdout is not JSON: unexpected "h" (expected a value) at line 1 column 1' });
    expect(findStdoutDocument('hello\n{broken\n[1]\n')).toEqual({
      ok: false,
      error: 'stdout is not JSON: unexpected "h" (expected a value) at line 1 column 1, and none of its 3 lines is a JSON object',
    });
  });
});

describe('parseCourseraStdout', () => {
  it('validates the document it finds, naming its line', () => {
    expect(parseCourseraStdout(captured('log\n{"fractionalScore": 2, "feedback": "x"}\n'), SRC)).toEqual({
      ok: false,
      errors: ['stdout line 2: fractionalScore must be at most 1, but it is the number 2 (a fraction, not a percentage: write 0.02 for 2%)'],
      warnings: [],
    });
  });

  it('says the feedback file is missing too, and that stdout was cut', () => {
    expect(parseCourseraStdout(captured(''), SRC)).toEqual({ ok: false, errors: [`${SRC} was not written, and stdout is empty`], warnings: [] });
    const cut = { text: 'x'.repeat(10), bytes: 5_000_000, truncated: true };
    expect(parseCourseraStdout(cut, SRC)).toEqual({
      ok: false,
      errors: [
        `${SRC} was not written, and stdout is not JSON: unexpected "x" (expected a value) at line 1 column 1 ` +
          `(only the start of stdout's 5000000 bytes was kept; write ${SRC} instead)`,
      ],
      warnings: [],
    });
  });
});
