import { describe, expect, it } from 'vitest';
import { formatBytes, GRADER_ERROR_FEEDBACK, interpretRun, type GradedFields } from '../../src/grader/interpret-run.ts';
import type { Checked } from '../../src/grader/json-fields.ts';
import { coursera, FEEDBACK_FILE } from '../../src/grader/protocols/coursera.ts';
import { gradescope, RESULTS_FILE } from '../../src/grader/protocols/gradescope.ts';
import { file, interpretContext, outcome } from './helpers.ts';

const { limits } = interpretContext();

const graded: Checked<GradedFields> = {
  ok: true,
  warnings: ['a warning from the report'],
  value: {
    score: 0.5, points: null, feedback: { text: 'half', format: 'text' }, tests: [], visibility: 'visible',
    outputVisibility: { value: 'hidden', explicit: false },
  },
};

describe('interpretRun', () => {
  it.each([
    [
      'timeout' as const,
      'Grading was stopped because it took longer than the time limit of 30 seconds. This often means the program runs forever ' +
        '(an endless loop) or waits for input that never comes. No score was recorded.',
      'the run passed the wall-clock limit of 30 seconds and was killed',
    ],
    [
      'out-of-memory' as const,
      'Grading was stopped because the program used more than the memory limit of 256 MiB. This often means data that keeps ' +
        'growing, such as a list filled in an endless loop. No score was recorded.',
      'the run passed the memory limit of 256 MiB and was killed',
    ],
    [
      'output-limit' as const,
      'Grading was stopped because the program printed more than 8 MiB of output. This often means a print inside an endless loop. ' +
        'No score was recorded.',
      'the run printed more than the output limit of 8 MiB (stdout and stderr together) and was killed',
    ],
  ])('%s: that status, no score, plain-words feedback, and the output is not read', (reason, feedback, error) => {
    let read = false;
    const result = interpretRun(outcome({ reason, exitCode: null, signal: 'SIGKILL' }), limits, () => {
      read = true;
      return graded;
    });
    expect(read).toBe(false);
    expect(result).toEqual({
      status: reason, score: null, points: null, feedback: { text: feedback, format: 'text' }, tests: [], errors: [error], warnings: [],
      visibility: 'visible', outputVisibility: { value: 'hidden', explicit: false },
    });
  });

  it('a run killed from outside is a grader error', () => {
    const result = interpretRun(outcome({ reason: 'killed', exitCode: null, signal: 'SIGKILL' }), limits, () => graded);
    expect(result).toMatchObject({
      status: 'grader-error', score: null, errors: ['the run was killed before it finished (SIGKILL)'], feedback: { text: GRADER_ERROR_FEEDBACK },
    });
  });

  it('valid output is graded, with a clean exit giving no warning of its own', () => {
    expect(interpretRun(outcome(), limits, () => graded)).toEqual({ status: 'graded', errors: [], warnings: ['a warning from the report'], ...graded.value });
  });

  it('valid output is graded despite a non-zero exit code or a signal, which become warnings', () => {
    expect(interpretRun(outcome({ exitCode: 1 }), limits, () => graded).warnings).toEqual([
      'a warning from the report', 'the grader exited with code 1, but its output was valid and was used',
    ]);
    const signalled = interpretRun(outcome({ exitCode: null, signal: 'SIGSEGV' }), limits, () => graded);
    expect(signalled).toMatchObject({ status: 'graded', warnings: ['a warning from the report', 'the grader was ended by SIGSEGV, but its output was valid and was used'] });
  });

  it('invalid output is a grader error with the faults, the exit status and a neutral student message', () => {
    const result = interpretRun(outcome({ exitCode: null, signal: 'SIGABRT' }), limits, () => ({ ok: false, errors: ['bad 1', 'bad 2'], warnings: ['w'] }));
    expect(result).toEqual({
      status: 'grader-error', score: null, points: null, feedback: { text: GRADER_ERROR_FEEDBACK, format: 'text' }, tests: [],
      errors: ['bad 1', 'bad 2', 'the grader was ended by SIGABRT (see its stderr)'], warnings: ['w'],
      visibility: 'visible', outputVisibility: { value: 'hidden', explicit: false },
    });
  });

  it('applies the same rules through both protocols', () => {
    const ctx = interpretContext();
    for (const protocol of [coursera, gradescope]) {
      const outputs = { [FEEDBACK_FILE]: file('{"fractionalScore": 1, "feedback": ""}'), [RESULTS_FILE]: file('{"score": 1, "tests": [{"score": 1, "max_score": 1}]}') };
      expect(protocol.interpret(outcome({ reason: 'timeout', outputs }), ctx).status).toBe('timeout');
      expect(protocol.interpret(outcome({ reason: 'out-of-memory', outputs }), ctx).status).toBe('out-of-memory');
      expect(protocol.interpret(outcome({ reason: 'output-limit', outputs }), ctx).status).toBe('output-limit');
      expect(protocol.interpret(outcome({ reason: 'killed', outputs }), ctx).status).toBe('grader-error');
      expect(protocol.interpret(outcome({ outputs }), ctx)).toMatchObject({ status: 'graded', score: 1 });
    }
  });
});

describe('formatBytes', () => {
  it.each([
    [1, '1 byte'],
    [1000, '1000 bytes'],
    [1536, '1.5 KiB'],
    [64 * 1024 * 1024, '64 MiB'],
    [1_500_000, '1.4 MiB'],
    [3 * 1024 ** 3, '3 GiB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
