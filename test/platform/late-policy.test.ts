import { describe, expect, it } from 'vitest';
import { formatDuration, lateAdjustment, parseDuration, type LatePolicy, type LateRule } from '../../src/platform/late-policy.ts';

const deadline = new Date('2026-03-01T23:59:00Z');
const after = (seconds: number): Date => new Date(deadline.getTime() + seconds * 1000);
const steps: LatePolicy = {
  kind: 'steps',
  steps: [{ afterSeconds: 600, factor: 0.8 }, { afterSeconds: 2 * 86400, factor: 0.6 }, { afterSeconds: 3 * 86400, factor: 0.2 }],
};
const rule = (policy: LatePolicy | null, extra: Partial<LateRule> = {}): LateRule => ({ deadline, policy, cutoff: null, extendedTo: null, ...extra });

describe('lateAdjustment with steps', () => {
  it('exactly at the deadline is on time; one second after is late', () => {
    expect(lateAdjustment(rule(steps), deadline)).toMatchObject({ secondsLate: 0, factor: 1, rule: 'on time', refused: false });
    expect(lateAdjustment(rule(steps), after(1))).toMatchObject({ secondsLate: 1, factor: 1, rule: '1 s late: within the grace period' });
  });

  it('applies the largest step exceeded, strictly', () => {
    expect(lateAdjustment(rule(steps), after(600)).factor).toBe(1);
    expect(lateAdjustment(rule(steps), after(601))).toMatchObject({ factor: 0.8, rule: '10 min 1 s late: more than 10 min late ×0.8' });
    expect(lateAdjustment(rule(steps), after(2 * 86400 + 1)).factor).toBe(0.6);
    expect(lateAdjustment(rule(steps), after(10 * 86400)).factor).toBe(0.2);
  });

  it('counts part of a second as a second', () => {
    expect(lateAdjustment(rule(steps), new Date(deadline.getTime() + 1)).secondsLate).toBe(1);
  });
});

describe('lateAdjustment with a rate', () => {
  const rate: LatePolicy = { kind: 'rate', percent: 10, per: 'day', floor: 0.5 };
  it('takes the percentage per started unit, down to the floor', () => {
    expect(lateAdjustment(rule(rate), after(1)).factor).toBe(0.9);
    expect(lateAdjustment(rule(rate), after(86400)).factor).toBe(0.9);
    expect(lateAdjustment(rule(rate), after(86401)).factor).toBe(0.8);
    const floored = lateAdjustment(rule(rate), after(30 * 86400));
    expect(floored.factor).toBe(0.5);
    expect(floored.rule).toContain('floor ×0.5');
  });
});

describe('cutoff and extensions', () => {
  const cutoff = after(3600);
  it('refuses after the cutoff, not at it', () => {
    expect(lateAdjustment(rule(steps, { cutoff }), cutoff).refused).toBe(false);
    expect(lateAdjustment(rule(steps, { cutoff }), after(3601)).refused).toBe(true);
  });

  it('an extension moves the deadline and the cutoff by the same amount', () => {
    const extended = rule(steps, { cutoff, extendedTo: after(86400) });
    expect(lateAdjustment(extended, after(86400))).toMatchObject({ factor: 1, rule: 'on time', refused: false });
    expect(lateAdjustment(extended, after(86400 + 3601)).refused).toBe(true);
    expect(lateAdjustment(extended, after(86400 + 601)).factor).toBe(0.8);
  });

  it('an extension earlier than the deadline changes nothing', () => {
    expect(lateAdjustment(rule(steps, { extendedTo: after(-60) }), after(601)).factor).toBe(0.8);
  });

  it('without a deadline nothing is late, and no policy means no penalty', () => {
    expect(lateAdjustment(rule(steps, { deadline: null }), after(99999))).toMatchObject({ factor: 1, rule: 'no deadline' });
    expect(lateAdjustment(rule(null), after(99999))).toMatchObject({ factor: 1, rule: '1 d 3 h late: no late penalty' });
  });
});

describe('durations', () => {
  it('parses units and bare seconds, refuses the rest', () => {
    expect([parseDuration('10m'), parseDuration('2d'), parseDuration('1.5h'), parseDuration(90), parseDuration('3 min')]).toEqual([600, 172800, 5400, 90, 180]);
    for (const bad of ['', 'ten minutes', '-5m', -1, Infinity, '5y', null, {}]) expect(parseDuration(bad)).toBeUndefined();
  });

  it('formats the two largest units', () => {
    expect([formatDuration(0), formatDuration(45), formatDuration(601), formatDuration(2 * 86400 + 3 * 3600 + 5)]).toEqual(['0 s', '45 s', '10 min 1 s', '2 d 3 h']);
  });
});
