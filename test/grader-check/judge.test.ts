/** The verdict of `gradebox check-grader` on one result, and what counts as a grader's internals. */
import { describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { FORGED_FEEDBACK } from '../../src/grader-check/hostile-code.ts';
import { judge, type JudgeContext } from '../../src/grader-check/judge.ts';
import { findLeaks, graderDirsOf, studentVisibleText } from '../../src/grader-check/leaks.ts';
import { DEFAULT_LIMITS } from '../../src/sandbox/limits.ts';

const NO_OUTPUT = { text: '', bytes: 0, truncated: false };

function result(overrides: Partial<GradeResult> = {}): GradeResult {
  return {
    status: 'graded',
    score: 0,
    points: null,
    feedback: { text: 'Your function returns the wrong mean for [1, 2].', format: 'text' },
    tests: [],
    errors: [],
    warnings: [],
    output: { stdout: NO_OUTPUT, stderr: NO_OUTPUT, visibleToStudents: false },
    run: { wallMs: 10, cpuMs: 5, peakMemoryBytes: 1, reason: 'exited', exitCode: 0, signal: null },
    protocol: 'coursera',
    image: { id: 'sha256:x' },
    limits: { ...DEFAULT_LIMITS, timeoutSeconds: 120 },
    ...overrides,
  };
}

const context: JudgeContext = { caseId: 'binary-garbage', submissionFiles: ['stats.py'], graderDirs: ['/grader', '/autograder/source'], fullMarksPossible: false };

describe('judge', () => {
  it('a graded result with a message is good; so is gradebox refusing the submission before any grader ran', () => {
    expect(judge(result(), context)).toEqual({ verdict: 'good', reasons: [] });
    expect(judge(result({ status: 'not-gradable', score: null, feedback: { text: 'Your submission could not be graded: …', format: 'text' } }), context).verdict).toBe('good');
  });

  it.each([
    ['grader-error', /crashed or wrote no valid result.*: feedback must be a string/],
    ['timeout', /time limit \(120 seconds\)/],
    ['out-of-memory', /memory limit \(1024 MiB\)/],
    ['output-limit', /printing too much/],
  ] as const)('%s is bad, with the reason', (status, reason) => {
    const judged = judge(result({ status, score: null, errors: ['feedback must be a string, but it is the number 3'] }), context);
    expect(judged.verdict).toBe('bad');
    expect(judged.reasons).toEqual([expect.stringMatching(reason)]);
  });

  it('full marks are bad where no right submission could be, a forged result always, and silence too', () => {
    expect(judge(result({ score: 1 }), context).reasons).toEqual([expect.stringMatching(/full marks for a submission that holds none/)]);
    expect(judge(result({ score: 1 }), { ...context, fullMarksPossible: true }).verdict).toBe('good');
    const forged = judge(result({ score: 0.97, feedback: { text: FORGED_FEEDBACK, format: 'text' } }), { ...context, caseId: 'forged-result', fullMarksPossible: true });
    expect(forged.reasons).toEqual([expect.stringMatching(/forged result as the grade/)]);
    expect(judge(result({ feedback: { text: '  \n', format: 'text' } }), context).reasons).toEqual([expect.stringMatching(/no message at all/)]);
    // Visible tests are a message.
    const tests = [{ name: 'mean of [1, 2]', score: 0, maxScore: 1, status: 'failed' as const, output: '', outputFormat: 'text' as const, visibility: 'visible' as const }];
    expect(judge(result({ feedback: { text: '', format: 'text' }, tests }), context).verdict).toBe('good');
  });

  it('a flood copied into the feedback is bad', () => {
    const judged = judge(result({ feedback: { text: 'x'.repeat(200 * 1024), format: 'text' } }), context);
    expect(judged.reasons).toEqual([expect.stringMatching(/the student gets 200 KiB of feedback and test output/)]);
    // Test outputs count too: each is cut at 64 KiB, but many of them are a flood all the same.
    const test = { name: 't', score: 0, maxScore: 1, status: 'failed' as const, output: 'y'.repeat(40 * 1024), outputFormat: 'text' as const, visibility: 'visible' as const };
    expect(judge(result({ tests: [test, test] }), context).verdict).toBe('bad');
  });

  it("the grader's internals in the feedback are bad; the student's own traceback is not", () => {
    const own = 'Traceback (most recent call last):\n  File "/autograder/source/stats.py", line 2, in mean\nZeroDivisionError: division by zero';
    expect(judge(result({ feedback: { text: own, format: 'text' } }), context).verdict).toBe('good');
    const leak = 'Traceback (most recent call last):\n  File "/autograder/source/run_tests.py", line 40, in <module>\n  File "/usr/lib/python3.11/json/__init__.py", line 1\nKeyError';
    expect(judge(result({ feedback: { text: leak, format: 'text' } }), context).reasons).toEqual([
      "a student would see a Python stack frame of the grader's code (/autograder/source/run_tests.py)",
    ]);
  });
});

describe('leaks', () => {
  it('finds frames of Python, Java and JavaScript code that is not the submission, and paths of the grader', () => {
    const texts = [
      '\tat org.junit.Assert.fail(Assert.java:89)\n\tat java.base/java.util.ArrayList.get(ArrayList.java:427)\n\tat TextUtil.count(TextUtil.java:3)',
      'at runTests (/grader/run.js:10:5)\nat node:internal/main:1:1',
      '/grader/grade.sh: line 12: jq: not found',
      'see /autograder/submission/stats.py and /graders/x, /autograder/source/stats.py',
    ];
    expect(findLeaks(texts, ['TextUtil.java', 'stats.py'], ['/grader', '/autograder/source'])).toEqual([
      "a Java stack frame of the grader or its test harness (org.junit.Assert.fail, Assert.java)",
      "a JavaScript stack frame of the grader's code (/grader/run.js)",
      "a path of the grader's own files (/grader/grade.sh)",
    ]);
  });

  it('what students see: the feedback and tests not hidden, stdout only when made visible, nothing of a hidden result', () => {
    const test = (name: string, visibility: 'visible' | 'hidden' | 'after_due_date') =>
      ({ name, score: 1, maxScore: 1, status: 'passed' as const, output: `${name} output`, outputFormat: 'text' as const, visibility });
    const graded = result({ tests: [test('a', 'visible'), test('b', 'hidden'), test('c', 'after_due_date')], output: { stdout: { ...NO_OUTPUT, text: 'log' }, stderr: NO_OUTPUT, visibleToStudents: false } });
    expect(studentVisibleText(graded)).toEqual([graded.feedback.text, 'a', 'a output', 'c', 'c output']);
    expect(studentVisibleText({ ...graded, output: { ...graded.output, visibleToStudents: true } })).toContain('log');
    expect(studentVisibleText({ ...graded, visibility: 'hidden' })).toEqual([]);
  });

  it("the grader's folders: the conventional ones and those of its entrypoint and workdir, not system folders", () => {
    expect(graderDirsOf({ entrypoint: ['/bin/sh', '/opt/grader/grade.sh'], cmd: ['/usr/bin/python3'], workingDir: '/course' }).sort())
      .toEqual(['/autograder/run_autograder', '/autograder/source', '/course', '/grader', '/opt/grader'].sort());
    expect(graderDirsOf({ entrypoint: [], cmd: ['sh'], workingDir: '/' }).sort()).toEqual(['/autograder/run_autograder', '/autograder/source', '/grader'].sort());
  });
});
