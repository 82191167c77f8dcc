/**
 * The rules every protocol shares for turning a run's outcome into a status.
 *
 * 1. A run stopped by a limit (reason `timeout`, `out-of-memory`, `output-limit`) gets that status,
 *    score null, and student feedback that names the limit in plain words. Output the grader may
 *    have written before it was stopped is not read: the run did not finish, so it is not trusted.
 * 2. A run killed from outside (reason `killed`) is a `grader-error`.
 * 3. A run that exited is judged by its output alone: valid output is `graded` even with a non-zero
 *    exit code or a signal (the exit status becomes a warning); missing or invalid output is
 *    `grader-error`, with one message per fault in `errors` (plus the exit status when it was not 0)
 *    and a neutral student message. A result file the sandbox refused to read (symbolic link, FIFO,
 *    device, over the size cap) is a fault like any other.
 */
import type { Limits } from '../sandbox/limits.ts';
import type { RunOutcome } from '../sandbox/sandbox.ts';
import type { Checked } from './json-fields.ts';
import type { Interpretation } from './protocol.ts';

/** What a protocol's output reader produces for a run that exited. */
export type GradedFields = Omit<Interpretation, 'status' | 'errors' | 'warnings'>;

export const GRADER_ERROR_FEEDBACK =
  'The grader could not grade this submission. This is a problem with the grader, not with your work, ' +
  'and no attempt was counted. The course staff can see the details.';

export function interpretRun(outcome: RunOutcome, limits: Limits, readOutput: () => Checked<GradedFields>): Interpretation {
  switch (outcome.reason) {
    case 'timeout':
      return stopped(
        'timeout',
        `Grading was stopped because it took longer than the time limit of ${formatSeconds(limits.timeoutSeconds)}. ` +
          'This often means the program runs forever (an endless loop) or waits for input that never comes. No score was recorded.',
        `the run passed the wall-clock limit of ${formatSeconds(limits.timeoutSeconds)} and was killed`,
      );
    case 'out-of-memory':
      return stopped(
        'out-of-memory',
        `Grading was stopped because the program used more than the memory limit of ${limits.memoryMiB} MiB. ` +
          'This often means data that keeps growing, such as a list filled in an endless loop. No score was recorded.',
        `the run passed the memory limit of ${limits.memoryMiB} MiB and was killed`,
      );
    case 'output-limit':
      return stopped(
        'output-limit',
        `Grading was stopped because the program printed more than ${formatBytes(limits.outputLimitBytes)} of output. ` +
          'This often means a print inside an endless loop. No score was recorded.',
        `the run printed more than the output limit of ${formatBytes(limits.outputLimitBytes)} (stdout and stderr together) and was killed`,
      );
    case 'killed':
      return failed([`the run was killed before it finished${outcome.signal ? ` (${outcome.signal})` : ''}`], []);
    case 'exited':
      break;
  }
  const read = readOutput();
  const exit = exitStatus(outcome);
  if (!read.ok) return failed(exit ? [...read.errors, `${exit} (see its stderr)`] : read.errors, read.warnings);
  const warnings = exit ? [...read.warnings, `${exit}, but its output was valid and was used`] : read.warnings;
  return { status: 'graded', errors: [], warnings, ...read.value };
}

/** The result for output that could not be used; also for protocol faults found before reading. */
export function failed(errors: string[], warnings: string[]): Interpretation {
  return {
    ...ungraded('grader-error', GRADER_ERROR_FEEDBACK),
    errors,
    warnings,
  };
}

function stopped(status: 'timeout' | 'out-of-memory' | 'output-limit', feedback: string, error: string): Interpretation {
  return { ...ungraded(status, feedback), errors: [error], warnings: [] };
}

function ungraded(status: Interpretation['status'], text: string): Omit<Interpretation, 'errors' | 'warnings'> {
  return {
    status,
    score: null,
    points: null,
    feedback: { text, format: 'text' },
    tests: [],
    visibility: 'visible',
    outputVisibility: { value: 'hidden', explicit: false },
  };
}

/** `the grader exited with code 2`, `the grader was ended by SIGSEGV`, or undefined for a clean exit. */
function exitStatus(outcome: RunOutcome): string | undefined {
  if (outcome.signal) return `the grader was ended by ${outcome.signal}`;
  if (outcome.exitCode !== null && outcome.exitCode !== 0) return `the grader exited with code ${outcome.exitCode}`;
  return undefined;
}

export function formatSeconds(seconds: number): string {
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB'];
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}
