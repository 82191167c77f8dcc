/** A grader version's limits, defaulted and checked against the server's allowed ranges. */
import { InvalidInput } from './errors.ts';
import type { GraderLimitRanges } from './model.ts';

export interface GraderLimits {
  cpus: number;
  memoryMiB: number;
  timeoutSeconds: number;
}

const clamp = (value: number, range: { min: number; max: number }): number => Math.min(range.max, Math.max(range.min, value));

function check(field: keyof GraderLimits, value: unknown, range: { min: number; max: number }, unit: string, integer: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= range.min && value <= range.max;
  if (!ok) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new InvalidInput(`${field} must be ${kind} from ${range.min} to ${range.max}${unit} on this server (got ${JSON.stringify(value) ?? 'nothing'})`, {
      field,
      min: range.min,
      max: range.max,
      value,
    });
  }
  return value;
}

/**
 * The limits to store: what was asked, each checked against `ranges` (InvalidInput naming the
 * allowed range otherwise), or the default — 1 CPU and 1024 MiB (like `grade local`) brought into
 * range, and the configured default timeout (or the protocol's own default, Codio's 3 minutes for
 * `script` graders, brought into range).
 */
export function resolveGraderLimits(
  input: { cpus?: number; memoryMiB?: number; timeoutSeconds?: number },
  ranges: GraderLimitRanges,
  protocolTimeout?: number,
): GraderLimits {
  return {
    cpus: input.cpus === undefined ? clamp(1, ranges.cpus) : check('cpus', input.cpus, ranges.cpus, '', false),
    memoryMiB: input.memoryMiB === undefined ? clamp(1024, ranges.memoryMiB) : check('memoryMiB', input.memoryMiB, ranges.memoryMiB, ' MiB', true),
    timeoutSeconds:
      input.timeoutSeconds === undefined
        ? protocolTimeout === undefined ? ranges.timeoutSeconds.default : clamp(protocolTimeout, ranges.timeoutSeconds)
        : check('timeoutSeconds', input.timeoutSeconds, ranges.timeoutSeconds, ' s', true),
  };
}
