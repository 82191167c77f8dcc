/**
 * Late policies: how much of a grade late work keeps. Pure functions over times, so a policy
 * change or an extension re-derives every grade without running a grader; stored grader results
 * stay raw.
 *
 * A policy is declarative, as written in the course file:
 * - `steps`: the factor of the largest step whose `after` the lateness exceeds (more than 10
 *   minutes late ×0.8, more than 2 days ×0.6…); not late or late by less than every step: ×1.
 * - `rate`: `percent` off per started `per` (hour or day) late, never below `floor`.
 * Independently, a `cutoff` after which submitting is refused. An extension moves a student's
 * deadline, and the cutoff by the same amount (a cutoff before the new deadline would refuse
 * the extension's whole point).
 */

export type LateUnit = 'hour' | 'day';

export interface LateStep {
  /** Seconds late that must be exceeded (strictly) for this step to apply. */
  afterSeconds: number;
  /** What the raw grade is multiplied by, 0–1. */
  factor: number;
}

export type LatePolicy =
  | { kind: 'steps'; steps: LateStep[] }
  | { kind: 'rate'; percent: number; per: LateUnit; floor: number };

/** Everything that decides one student's lateness on one assignment. */
export interface LateRule {
  deadline: Date | null;
  policy: LatePolicy | null;
  cutoff: Date | null;
  /** The student's extended deadline, when staff granted one later than `deadline`. */
  extendedTo: Date | null;
}

export interface LateAdjustment {
  /** Seconds past the student's deadline (0 when on time or without deadline). */
  secondsLate: number;
  /** What the raw grade is multiplied by. */
  factor: number;
  /** The rule that applied, for people: "on time", "3 h late: more than 10 min ×0.8"… */
  rule: string;
  /** Past the cutoff: a submission at this time is refused. */
  refused: boolean;
  /** The deadline and cutoff that applied to this student (after an extension). */
  deadline: Date | null;
  cutoff: Date | null;
}

const UNIT_SECONDS: Record<LateUnit, number> = { hour: 3600, day: 86400 };

/** Where the student's deadline and cutoff are, after an extension. */
export function effectiveTimes(rule: LateRule): { deadline: Date | null; cutoff: Date | null } {
  const { deadline, cutoff, extendedTo } = rule;
  if (extendedTo === null || deadline === null || extendedTo.getTime() <= deadline.getTime()) {
    return { deadline: extendedTo !== null && deadline === null ? extendedTo : deadline, cutoff };
  }
  const shift = extendedTo.getTime() - deadline.getTime();
  return { deadline: extendedTo, cutoff: cutoff === null ? null : new Date(cutoff.getTime() + shift) };
}

/** The adjustment for work that counts at `at` (its submittedAt or completedDate, never a regrade's time). */
export function lateAdjustment(rule: LateRule, at: Date): LateAdjustment {
  const { deadline, cutoff } = effectiveTimes(rule);
  const refused = cutoff !== null && at.getTime() > cutoff.getTime();
  const base = { deadline, cutoff, refused };
  if (deadline === null || at.getTime() <= deadline.getTime()) {
    return { ...base, secondsLate: 0, factor: 1, rule: deadline === null ? 'no deadline' : 'on time' };
  }
  const secondsLate = Math.ceil((at.getTime() - deadline.getTime()) / 1000);
  const late = `${formatDuration(secondsLate)} late`;
  const { policy } = rule;
  if (policy === null) return { ...base, secondsLate, factor: 1, rule: `${late}: no late penalty` };
  if (policy.kind === 'steps') {
    const step = [...policy.steps].sort((a, b) => b.afterSeconds - a.afterSeconds).find((s) => secondsLate > s.afterSeconds);
    if (step === undefined) return { ...base, secondsLate, factor: 1, rule: `${late}: within the grace period` };
    return { ...base, secondsLate, factor: step.factor, rule: `${late}: more than ${formatDuration(step.afterSeconds)} late ×${step.factor}` };
  }
  const units = Math.ceil(secondsLate / UNIT_SECONDS[policy.per]);
  const factor = Math.max(policy.floor, round6(1 - (units * policy.percent) / 100));
  const floored = factor === policy.floor && 1 - (units * policy.percent) / 100 < policy.floor;
  return {
    ...base, secondsLate, factor,
    rule: `${late}: ${policy.percent}% per ${policy.per} × ${units} ${policy.per}${units === 1 ? '' : 's'}${floored ? `, floor ×${policy.floor}` : ''} → ×${factor}`,
  };
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

/** The policy for people: `more than 10 min late ×0.8, more than 2 d late ×0.6` or `10% off per day late, at least ×0.5`. */
export function describeLatePolicy(policy: LatePolicy | null): string {
  if (policy === null) return 'no late penalty';
  if (policy.kind === 'steps') return policy.steps.map((s) => `more than ${formatDuration(s.afterSeconds)} late ×${s.factor}`).join(', ');
  return `${policy.percent}% off per ${policy.per} late${policy.floor > 0 ? `, at least ×${policy.floor}` : ''}`;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/;
const DURATION_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `10m`, `2h`, `3d`, `1w` (or a bare number of seconds) → seconds; undefined when unreadable. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * (DURATION_SECONDS[match[2] ?? 's'] ?? 1));
}

/** Seconds → the largest whole units that say it: `10 min`, `2 d 3 h`, `45 s`. */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) return parts.join(' ');
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest} s`);
  return parts.slice(0, 2).join(' ');
}
