import { describe, expect, it } from 'vitest';
import type { TestResult } from '../../src/grader/grade-result.ts';
import { GRADER_ERROR_FEEDBACK } from '../../src/grader/interpret-run.ts';
import type { Interpretation } from '../../src/grader/protocol.ts';
import { capMessages, cutText, limitInterpretation, RESULT_LIMITS } from '../../src/grader/result-limits.ts';

function verdict(overrides: Partial<Interpretation> = {}): Interpretation {
  return {
    status: 'graded',
    score: 1,
    points: null,
    feedback: { text: 'ok', format: 'text' },
    tests: [],
    errors: [],
    warnings: [],
    visibility: 'visible',
    outputVisibility: { value: 'hidden', explicit: false },
    ...overrides,
  };
}

function test(overrides: Partial<TestResult> = {}): TestResult {
  return { name: 't', score: 1, maxScore: 1, status: 'passed', output: '', outputFormat: 'text', visibility: 'visible', ...overrides };
}

describe('limitInterpretation', () => {
  it('returns a verdict within every cap as it is', () => {
    const small = verdict({ tests: [test()], extraData: { a: 1 }, leaderboard: [{ name: 'x', value: 1 }] });
    expect(limitInterpretation(small)).toBe(small);
  });

  it('cuts the feedback at 1 MiB of UTF-8, never inside a character, with a warning', () => {
    const text = 'é'.repeat(600 * 1024); // 1.2 MiB of UTF-8
    const limited = limitInterpretation(verdict({ feedback: { text, format: 'markdown' } }));
    expect(limited.feedback.format).toBe('markdown');
    expect(limited.feedback.text.startsWith('é'.repeat(512 * 1024))).toBe(true);
    expect(limited.feedback.text).toMatch(/\n\[… cut: 1\.2 MiB in all, the first 1 MiB are shown\]$/);
    expect(limited.warnings).toEqual(['the feedback is 1.2 MiB; only its first 1 MiB are kept']);
  });

  it("cuts long test outputs, then every output past the tests' 4 MiB budget", () => {
    const tests = Array.from({ length: 80 }, (_, i) => test({ name: `t${i}`, output: 'y'.repeat(60 * 1024) }));
    tests[0] = test({ name: 'huge', output: 'z'.repeat(100 * 1024) });
    const limited = limitInterpretation(verdict({ tests }));
    expect(Buffer.byteLength(limited.tests[0]!.output)).toBeLessThan(64 * 1024 + 100);
    const kept = limited.tests.reduce((sum, t) => sum + Buffer.byteLength(t.output), 0);
    expect(kept).toBeLessThan(4 * 1024 * 1024 + 20 * 100);
    expect(limited.tests.at(-1)!.output).toBe("[… 60 KiB of output not kept: the tests' outputs together passed gradebox's limit]");
    expect(limited.warnings).toEqual([
      '1 test output over 64 KiB was cut',
      "the tests' outputs add up to more than 4 MiB; 12 later outputs were cut",
    ]);
    expect(limited.tests.map((t) => t.name)).toEqual(tests.map((t) => t.name));
  });

  it('drops extra_data over 1 MiB with a warning; the grade stands', () => {
    const limited = limitInterpretation(verdict({ extraData: { blob: 'b'.repeat(2 * 1024 * 1024) } }));
    expect(limited).not.toHaveProperty('extraData');
    expect(limited).toMatchObject({ status: 'graded', score: 1, warnings: ['extra_data is 2 MiB as JSON; gradebox keeps at most 1 MiB, so it was dropped'] });
  });

  it('is a grader error when the result is still too big once cut', () => {
    // Quotes double in JSON: 10000 names of 300 quotes are over 6 MiB once written.
    const tests = Array.from({ length: RESULT_LIMITS.tests }, () => test({ name: '\u0001'.repeat(300) }));
    const limited = limitInterpretation(verdict({ tests, warnings: ['w'] }));
    expect(limited).toMatchObject({ status: 'grader-error', score: null, tests: [], feedback: { text: GRADER_ERROR_FEEDBACK } });
    expect(limited.errors).toEqual([expect.stringMatching(/^the result is \d+(\.\d)? MiB once normalized, even after cutting long outputs; gradebox stores at most 6 MiB per result/) as unknown]);
    expect(limited.warnings).toEqual(['w']);
  });

  it('leaves the fields of an ungraded verdict alone but caps its messages', () => {
    const failed = verdict({ status: 'grader-error', score: null, errors: Array.from({ length: 150 }, (_, i) => `fault ${i}`) });
    const limited = limitInterpretation(failed);
    expect(limited.errors).toHaveLength(101);
    expect(limited.errors.at(-1)).toBe('… and 50 more errors (only the first 100 are kept)');
  });
});

describe('capMessages', () => {
  it('keeps short lists as they are', () => {
    const value = { errors: ['a'], warnings: [] };
    expect(capMessages(value)).toBe(value);
  });
  it('keeps the first 100 warnings and counts the rest', () => {
    const capped = capMessages({ errors: [], warnings: Array.from({ length: 1_000_000 }, () => 'unknown key') });
    expect(capped.warnings).toHaveLength(101);
    expect(capped.warnings[100]).toBe('… and 999900 more warnings (only the first 100 are kept)');
  });
});

describe('cutText', () => {
  it('never splits a character, even a surrogate pair', () => {
    expect(cutText('ab😀c', 5)).toBe('ab\n[… cut: 7 bytes in all, the first 5 bytes are shown]');
    expect(cutText('ab😀c', 6)).toBe('ab😀\n[… cut: 7 bytes in all, the first 6 bytes are shown]');
  });
});
