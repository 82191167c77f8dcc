import type { GradeResult } from '../grader/grade-result.ts';
import { DEFAULT_LIMITS, resolveLimits, type Limits } from '../sandbox/limits.ts';
import type { JobContext } from './grading-store.ts';

const NO_OUTPUT = Object.freeze({ text: '', bytes: 0, truncated: false });

/**
 * A `grader-error` result for a job gradebox could not grade at all (the grader image is gone, or
 * system errors used up every attempt). `problem` is for staff and authors (GradeResult.errors);
 * the student's feedback says only that it was not their fault and that staff can see why.
 */
export function failureResult(job: JobContext, problem: string): GradeResult {
  return {
    status: 'grader-error',
    score: null,
    points: null,
    feedback: {
      text: 'Your submission could not be graded because of a problem on the grading side, not in your work. Your instructors can see the details.',
      format: 'text',
    },
    tests: [],
    errors: [problem],
    warnings: [],
    output: { stdout: { ...NO_OUTPUT }, stderr: { ...NO_OUTPUT }, visibleToStudents: false },
    run: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0, reason: 'exited', exitCode: null, signal: null },
    // Unknown when the grader never started: its declared protocol, else the default one.
    protocol: job.grader.protocol ?? 'coursera',
    image: { id: job.grader.imageId },
    limits: graderLimits(job),
  };
}

/** The sandbox limits a job's grader version asks for. */
export function graderLimits(job: JobContext): Limits {
  const { cpus, memoryMiB, timeoutSeconds } = job.grader;
  try {
    return resolveLimits({ cpus, memoryMiB, timeoutSeconds });
  } catch {
    // Only for the record of a failure; grading itself refuses such limits (see runJob).
    return { ...DEFAULT_LIMITS };
  }
}
