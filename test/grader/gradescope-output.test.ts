import { describe, expect, it } from 'vitest';
import { parseGradescopeResults, validateGradescopeResults } from '../../src/grader/protocols/gradescope-output.ts';

const SRC = 'results.json';
const at = `${SRC}: `;

function check(doc: unknown, totalPoints?: number) {
  return validateGradescopeResults(doc, { source: SRC, totalPoints });
}

function errorsOf(doc: unknown, totalPoints?: number): string[] {
  const checked = check(doc, totalPoints);
  expect(checked.ok).toBe(false);
  return checked.ok ? [] : checked.errors;
}

const twoTests = [
  { name: 'one', score: 2, max_score: 4, status: 'passed' },
  { name: 'two', score: 3, max_score: 6, status: 'failed' },
];

describe('validateGradescopeResults: normalization', () => {
  it('adds up the tests when there is no top-level score', () => {
    const checked = check({ tests: twoTests });
    expect(checked).toMatchObject({ ok: true, value: { score: 0.5, points: { earned: 5, possible: 10 } }, warnings: [] });
  });

  it('accepts a top-level score equal to the tests, up to float rounding', () => {
    const tests = [{ score: 0.1, max_score: 1 }, { score: 0.2, max_score: 1 }];
    expect(check({ score: 0.3, tests })).toMatchObject({ ok: true, value: { points: { earned: 0.3, possible: 2 } } });
  });

  it('takes a bare score out of the assignment total points', () => {
    expect(check({ score: 7 }, 20)).toMatchObject({ ok: true, value: { score: 0.35, points: { earned: 7, possible: 20 } }, warnings: [] });
  });

  it("prefers the tests' max_score to the assignment total, with a warning when they differ", () => {
    expect(check({ tests: twoTests }, 100)).toMatchObject({
      ok: true,
      value: { score: 0.5, points: { earned: 5, possible: 10 } },
      warnings: [`${at}the tests' max_score add up to 10 but the part is worth 100 points; the score is taken out of 10`],
    });
    expect(check({ tests: twoTests }, 10)).toMatchObject({ ok: true, warnings: [] });
  });

  it('counts extra credit in points, caps the fraction at 1 and warns', () => {
    const tests = [{ name: 'core', score: 10, max_score: 10 }, { name: 'bonus', score: 2, max_score: 0 }];
    expect(check({ tests })).toEqual(expect.objectContaining({
      ok: true,
      value: expect.objectContaining({ score: 1, points: { earned: 12, possible: 10 } }) as unknown,
      warnings: [
        `${at}tests[1] "bonus": score 2 is above max_score 0 (counted as extra credit)`,
        `${at}the score 12 is above the 10 points possible (extra credit); the fraction is capped at 1 and the points are kept`,
      ],
    }));
  });

  it('maps tests, formats and visibility', () => {
    const checked = check({
      output: '# Summary', output_format: 'md', test_output_format: 'ansi', visibility: 'after_due_date', stdout_visibility: 'visible',
      tests: [
        { name: 'shown', score: 1, max_score: 1, status: 'passed', output: '\u001b[32mok', visibility: 'visible' },
        { score: 0, max_score: 1, number: '1.2', output: '<b>no</b>', output_format: 'html' },
        { score: 0, max_score: 1, number: 3, output_format: 'simple_format', visibility: 'hidden' },
        { score: 0, max_score: 1, output_format: 'text', visibility: 'after_published' },
      ],
      leaderboard: [{ name: 'speed', value: 1.5, order: 'asc' }, { name: 'stars', value: '***' }],
      extra_data: { seed: 3 },
      execution_time: 12,
    });
    expect(checked.ok && checked.value).toEqual({
      score: 0.25,
      points: { earned: 1, possible: 4 },
      feedback: { text: '# Summary', format: 'markdown' },
      visibility: 'after_due_date',
      stdoutVisibility: 'visible',
      leaderboard: [{ name: 'speed', value: 1.5, order: 'asc' }, { name: 'stars', value: '***' }],
      extraData: { seed: 3 },
      tests: [
        { name: 'shown', score: 1, maxScore: 1, status: 'passed', output: '\u001b[32mok', outputFormat: 'ansi', visibility: 'visible' },
        { name: 'Test 1.2', score: 0, maxScore: 1, status: 'failed', output: '<b>no</b>', outputFormat: 'html', visibility: 'after_due_date' },
        { name: 'Test 3', score: 0, maxScore: 1, status: 'failed', output: '', outputFormat: 'text', visibility: 'hidden' },
        { name: 'Test 4', score: 0, maxScore: 1, status: 'failed', output: '', outputFormat: 'text', visibility: 'after_published' },
      ],
    });
  });

  it('a test without a status passes when it earned its max_score, as on Gradescope; an explicit status wins', () => {
    const checked = check({ tests: [{ score: 2, max_score: 2 }, { score: 1, max_score: 2 }, { score: 3, max_score: 2 }, { score: 0, max_score: 2, status: 'passed' }, { name: 'info' }] });
    expect(checked.ok && checked.value.tests.map((t) => t.status)).toEqual(['passed', 'failed', 'passed', 'passed', null]);
  });

  it('defaults: visible result, stdout visibility unset, text output, tests without score are informational', () => {
    const checked = check({ tests: [{ name: 'a', score: 1, max_score: 1 }, { name: 'info', output: 'compiled with 2 warnings' }] });
    expect(checked).toMatchObject({
      ok: true,
      value: {
        visibility: 'visible', stdoutVisibility: undefined, feedback: { text: '', format: 'text' },
        tests: [{ name: 'a' }, { name: 'info', score: null, maxScore: null, visibility: 'visible' }],
      },
    });
  });
});

describe('validateGradescopeResults: as lenient as Gradescope', () => {
  it("reads gradescope-utils' JSONTestRunner output as it is: execution_time as a string, order null, no weights", () => {
    // What gradescope_utils' JSONTestRunner writes for one weighted test, one unweighted and a leaderboard entry.
    const doc = {
      tests: [
        { name: 'test_add (tests.TestSums)', score: 1.0, max_score: 1.0, status: 'passed', output: '' },
        { name: 'test_style', status: 'failed', output: 'Test Failed: 2 warnings\n' },
      ],
      leaderboard: [{ name: 'runtime', value: 1.25, order: null }],
      visibility: 'visible',
      stdout_visibility: 'visible',
      execution_time: '0.05',
      score: 1.0,
    };
    expect(check(doc)).toEqual({
      ok: true,
      value: expect.objectContaining({ score: 1, points: { earned: 1, possible: 1 }, leaderboard: [{ name: 'runtime', value: 1.25, order: null }] }) as unknown,
      warnings: [`${at}execution_time is the string "0.05"; it is read as the number 0.05 (write it without quotes)`],
    });
  });

  it.each([
    [{ score: '7', max_score: 10 }, 'score is the string "7"; it is read as the number 7 (write it without quotes)', 0.7],
    [{ score: 7, max_score: ' 10 ' }, 'max_score is the string " 10 "; it is read as the number 10 (write it without quotes)', 0.7],
    [{ tests: [{ score: '1.5', max_score: 3 }] }, 'tests[0]: score is the string "1.5"; it is read as the number 1.5 (write it without quotes)', 0.5],
  ])('reads numbers written as strings, with a warning: %j', (doc, warning, score) => {
    expect(check(doc)).toMatchObject({ ok: true, value: { score }, warnings: [`${at}${warning}`] });
  });

  it('treats null as absent, as Python graders write None', () => {
    const doc = { score: null, output: null, visibility: null, extra_data: null, leaderboard: null, tests: [{ name: 'a', score: 2, max_score: 4, status: null, output: null, number: null, tags: null }] };
    expect(check(doc)).toEqual({
      ok: true,
      value: {
        score: 0.5, points: { earned: 2, possible: 4 }, feedback: { text: '', format: 'text' }, visibility: 'visible', stdoutVisibility: undefined,
        tests: [{ name: 'a', score: 2, maxScore: 4, status: 'failed', output: '', outputFormat: 'text', visibility: 'visible' }],
      },
      warnings: [],
    });
  });

  it("lets a top-level score override the tests' sum, as on Gradescope, and says so", () => {
    expect(check({ score: 8, tests: twoTests })).toEqual({
      ok: true,
      value: expect.objectContaining({ score: 0.8, points: { earned: 8, possible: 10 } }) as unknown,
      warnings: [`${at}the top-level score 8 differs from the sum of the tests' scores 5; the top-level score is used, as on Gradescope`],
    });
  });

  it('grades a top-level score without tests ("compilation failed → 0") out of the part\'s points', () => {
    expect(check({ score: 0, output: 'Compilation failed:\nmain.c:3: error' }, 20)).toMatchObject({
      ok: true, value: { score: 0, points: { earned: 0, possible: 20 }, feedback: { text: 'Compilation failed:\nmain.c:3: error' } }, warnings: [],
    });
  });

  it("takes a bare score out of the grader's top-level max_score when the part's points are unknown", () => {
    expect(check({ score: 6, max_score: 8 })).toMatchObject({ ok: true, value: { score: 0.75, points: { earned: 6, possible: 8 } }, warnings: [] });
    expect(check({ score: 6, max_score: 8 }, 8)).toMatchObject({ ok: true, warnings: [] });
    expect(check({ score: 6, max_score: 8 }, 12)).toMatchObject({
      ok: true,
      value: { score: 0.5, points: { earned: 6, possible: 12 } },
      warnings: [`${at}the top-level max_score 8 differs from the part's 12 points; the score is taken out of 12`],
    });
    expect(check({ max_score: 12, tests: twoTests })).toMatchObject({
      ok: true,
      value: { points: { earned: 5, possible: 10 } },
      warnings: [`${at}the tests' max_score add up to 10 but the top-level max_score is 12 points; the score is taken out of 10`],
    });
  });

  it('reports the points without a fraction when nothing says the points possible', () => {
    expect(check({ score: 7 })).toEqual({
      ok: true,
      value: expect.objectContaining({ score: null, points: { earned: 7, possible: null } }) as unknown,
      warnings: [
        `${at}the score 7 is kept in points without a fraction: no test has a max_score, there is no top-level max_score ` +
          "and the part's points are unknown (grade local takes them with --points N)",
      ],
    });
    expect(check({ tests: [{ score: 1, max_score: 0 }] }, 0)).toMatchObject({
      ok: true,
      value: { score: null, points: { earned: 1, possible: null } },
      warnings: [
        `${at}tests[0]: score 1 is above max_score 0 (counted as extra credit)`,
        expect.stringContaining("the tests' max_score add up to 0, there is no top-level max_score") as unknown,
      ],
    });
  });

  it('gives nothing earned a fraction of 0 whatever the total, without a warning', () => {
    expect(check({ score: 0, output: 'did not compile' })).toEqual({
      ok: true,
      value: expect.objectContaining({ score: 0, points: { earned: 0, possible: null } }) as unknown,
      warnings: [],
    });
  });

  it('counts negative test scores as deductions; a negative total is a fraction of 0 with a warning', () => {
    const penalty = { name: 'Late penalty', score: -2, max_score: 0 };
    expect(check({ tests: [...twoTests, penalty] })).toMatchObject({ ok: true, value: { score: 0.3, points: { earned: 3, possible: 10 } }, warnings: [] });
    expect(check({ tests: [{ score: 1, max_score: 10 }, { score: -4, max_score: 0 }] })).toMatchObject({
      ok: true,
      value: { score: 0, points: { earned: -3, possible: 10 } },
      warnings: [`${at}the score -3 is below 0; the fraction is 0 and the points are kept`],
    });
  });

  it.each([
    [{ execution_time: '12s' }, 'execution_time should be a number of seconds, but it is the string "12s"; it is ignored'],
    [{ test_name_format: 1 }, 'test_name_format should be "text", "html", "simple_format", "md" or "ansi", but it is the number 1; it is ignored'],
    [{ tests: [{ score: 1, max_score: 1, name_format: 'bold' }] }, 'tests[0]: name_format should be "text", "html", "simple_format", "md" or "ansi", but it is the string "bold"; it is ignored'],
    [{ tests: [{ score: 1, max_score: 1, number: {} }] }, 'tests[0]: number should be a string such as "1.2", but it is an object; it is ignored'],
    [{ tests: [{ score: 1, max_score: 1, tags: 'fast' }] }, 'tests[0]: tags should be an array of strings, but it is the string "fast"; it is ignored'],
    [{ tests: [{ score: 1, max_score: 1, tags: ['a', 2] }] }, 'tests[0]: tags should be an array of strings, but it is an array of 2 items; it is ignored'],
  ])('warns about a bad value in a field gradebox does not use: %j', (doc, warning) => {
    expect(check({ score: 1, ...doc }, 1)).toMatchObject({ ok: true, warnings: [`${at}${warning}`] });
  });

  it('keeps the first 100 leaderboard entries', () => {
    const leaderboard = Array.from({ length: 150 }, (_, i) => ({ name: `c${i}`, value: i }));
    const checked = check({ score: 1, leaderboard }, 1);
    expect(checked).toMatchObject({ ok: true, warnings: [`${at}leaderboard has 150 entries; only the first 100 are kept`] });
    expect(checked.ok && checked.value.leaderboard).toHaveLength(100);
  });

  it('refuses more than 10000 tests at once, without a message per test', () => {
    const checked = check({ tests: Array.from({ length: 1_500_000 }, () => ({})) });
    expect(checked).toEqual({
      ok: false,
      errors: [`${at}tests has 1500000 entries; gradebox accepts at most 10000 tests per result (group related checks into one test, with the details in its output)`],
      warnings: [],
    });
  });
});

describe('validateGradescopeResults: faults', () => {
  it.each([
    [[], `${SRC} must hold a JSON object, but it holds an array of 0 items`],
    ['{}', `${SRC} must hold a JSON object, but it holds the string "{}"`],
  ])('not an object: %j', (doc, message) => {
    expect(errorsOf(doc)).toEqual([message]);
  });

  it('needs some score', () => {
    expect(errorsOf({ tests: [{ name: 'x', output: 'hi' }] }, 10)).toEqual([`${at}there is no score: give a top-level score or a score on each test`]);
    expect(errorsOf({}, 10)).toEqual([`${at}there is no score: give a top-level score or a score on each test`]);
  });

  it('needs a score on each test with a max_score when there is no top-level score', () => {
    expect(errorsOf({ tests: [{ name: 'a', score: 1, max_score: 1 }, { name: 'b', max_score: 1 }] })).toEqual([
      `${at}tests[1] "b": score is missing; without a top-level score every test with a max_score needs one`,
    ]);
  });

  it.each([
    [{ score: true }, 'score must be a number, but it is the boolean true'],
    [{ score: 'seven' }, 'score must be a number, but it is the string "seven"'],
    [{ score: Number.POSITIVE_INFINITY }, 'score must be a finite number, but it is the number Infinity'],
    [{ score: 1, max_score: -5 }, 'max_score must be at least 0, but it is the number -5'],
    [{ score: 1, tests: {} }, 'tests must be an array, but it is an object'],
    [{ score: 1, output: 5 }, 'output must be a string, but it is the number 5'],
    [{ score: 1, output_format: 'markdown' }, 'output_format must be "text", "html", "simple_format", "md" or "ansi", but it is the string "markdown" (did you mean "md"?)'],
    [{ score: 1, test_output_format: 'HTML' }, 'test_output_format must be "text", "html", "simple_format", "md" or "ansi", but it is the string "HTML" (did you mean "html"?)'],
    [{ score: 1, visibility: 'public' }, 'visibility must be "visible", "hidden", "after_due_date" or "after_published", but it is the string "public"'],
    [{ score: 1, stdout_visibility: 'Visible' }, 'stdout_visibility must be "visible", "hidden", "after_due_date" or "after_published", but it is the string "Visible" (did you mean "visible"?)'],
    [{ score: 1, leaderboard: {} }, 'leaderboard must be an array, but it is an object'],
    [{ score: 1, leaderboard: [3] }, 'leaderboard[0] must be an object with name and value, but it is the number 3'],
    [{ score: 1, leaderboard: [{ value: 1 }] }, 'leaderboard[0].name is missing'],
    [{ score: 1, leaderboard: [{ name: 3, value: 1 }] }, 'leaderboard[0].name must be a string, but it is the number 3'],
    [{ score: 1, leaderboard: [{ name: 'x' }] }, 'leaderboard[0].value is missing'],
    [{ score: 1, leaderboard: [{ name: 'x', value: [1] }] }, 'leaderboard[0].value must be a number or a string, but it is an array of 1 item'],
    [{ score: 1, leaderboard: [{ name: 'x', value: 1, order: 'up' }] }, 'leaderboard[0].order must be "asc" or "desc", but it is the string "up"'],
  ])('top level %j', (doc, message) => {
    expect(errorsOf(doc, 10)).toEqual([`${at}${message}`]);
  });

  it.each([
    [{ score: 'one' }, 'score must be a number, but it is the string "one"'],
    [{ score: 1, max_score: -2 }, 'max_score must be at least 0, but it is the number -2'],
    [{ score: 1, max_score: true }, 'max_score must be a number, but it is the boolean true'],
    [{ score: 1, status: 'ok' }, 'status must be "passed" or "failed", but it is the string "ok"'],
    [{ score: 1, status: 'pass' }, 'status must be "passed" or "failed", but it is the string "pass" (did you mean "passed"?)'],
    [{ score: 1, visibility: 'secret' }, 'visibility must be "visible", "hidden", "after_due_date" or "after_published", but it is the string "secret"'],
    [{ score: 1, output: ['a'] }, 'output must be a string, but it is an array of 1 item'],
    [{ score: 1, output_format: 'rtf' }, 'output_format must be "text", "html", "simple_format", "md" or "ansi", but it is the string "rtf"'],
  ])('test field %j', (test, message) => {
    expect(errorsOf({ tests: [{ max_score: 5, ...test }] }, 10)).toEqual([`${at}tests[0]: ${message}`]);
  });

  it('names a test by index and name; a non-object test is a fault', () => {
    expect(errorsOf({ tests: [{ name: 'adds', score: 1, max_score: 1, status: 'PASSED' }, 'x'] })).toEqual([
      `${at}tests[0] "adds": status must be "passed" or "failed", but it is the string "PASSED" (did you mean "passed"?)`,
      `${at}tests[1] must be an object, but it is the string "x"`,
    ]);
  });

  it('does not pile a missing-score fault on top of an invalid top-level score', () => {
    expect(errorsOf({ score: 'x', tests: [{ max_score: 5 }] })).toEqual([`${at}score must be a number, but it is the string "x"`]);
  });

  it('warns about unknown keys at both levels', () => {
    expect(check({ tests: [{ name: 'a', score: 1, max_score: 1, weight: 2 }], score: 1, scroe: 1 })).toMatchObject({
      ok: true,
      warnings: [`${at}unknown key "scroe" ignored`, `${at}tests[0] "a": unknown key "weight" ignored`],
    });
    expect(check({ tests: [{ score: 1, Max_Score: 1, maxScore: 1 }] }, 1)).toMatchObject({
      warnings: [
        `${at}tests[0]: unknown key "Max_Score" ignored (did you mean "max_score"?)`,
        `${at}tests[0]: unknown key "maxScore" ignored (did you mean "max_score"?)`,
      ],
    });
  });
});

describe('parseGradescopeResults', () => {
  it('reports a syntax fault with its position', () => {
    expect(parseGradescopeResults('{"score": 1,\n "tests": [}', { source: SRC })).toEqual({
      ok: false,
      errors: [`${SRC} is not JSON: unexpected "}" (expected a value) at line 2 column 12`],
      warnings: [],
    });
  });
});
