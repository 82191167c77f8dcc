import type { GraderLimitRanges } from '../platform/model.ts';

/** Limits an author asks for a grader version; unset ones take the server's defaults. */
export interface RequestedLimits {
  cpus?: number;
  memoryMiB?: number;
  timeoutSeconds?: number;
}

export interface LimitProblem {
  limit: keyof RequestedLimits;
  message: string;
}

/** Limits the server would refuse, found before uploading; one message each. */
export class LimitsOutOfRange extends Error {
  override name = 'LimitsOutOfRange';
  readonly problems: LimitProblem[];
  constructor(problems: LimitProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.problems = problems;
  }
}

/** How each limit is named on the command line, for messages. */
export type LimitNames = Record<keyof RequestedLimits, string>;

const UNITS: Record<keyof RequestedLimits, string> = { cpus: '', memoryMiB: ' MiB', timeoutSeconds: ' s' };

/**
 * Checks requested limits against the ranges the server allows (`GET /api/limits`) before an image
 * is uploaded, so a refused value costs no upload; one message per limit out of range, naming it
 * as the user wrote it and the range allowed.
 */
export function checkLimits(requested: RequestedLimits, ranges: GraderLimitRanges, names: LimitNames): LimitProblem[] {
  const problems: LimitProblem[] = [];
  for (const limit of ['cpus', 'memoryMiB', 'timeoutSeconds'] as const) {
    const value = requested[limit];
    if (value === undefined) continue;
    const { min, max } = ranges[limit];
    const unit = UNITS[limit];
    if ((limit !== 'cpus' && !Number.isInteger(value)) || value < min || value > max) {
      const whole = limit !== 'cpus' && !Number.isInteger(value) ? ' (whole numbers only)' : '';
      problems.push({ limit, message: `${names[limit]} ${value}${unit} is outside what this server allows: ${min}${unit} to ${max}${unit}${whole}` });
    }
  }
  return problems;
}
