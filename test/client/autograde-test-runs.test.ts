/** `--part-result` values of `gradebox test-autograde` as the request's `partResults`. */
import { describe, expect, it } from 'vitest';
import { parsePartResult } from '../../src/client/autograde-test-runs.ts';

describe('parsePartResult', () => {
  it('points, percentages and ungraded, collected by part', () => {
    let results = parsePartResult('p1=3');
    results = parsePartResult('p2=2.5', results);
    results = parsePartResult('p3=50%', results);
    results = parsePartResult('p4=ungraded', results);
    results = parsePartResult('p5=.5', results);
    expect(results).toEqual({ p1: { points: 3 }, p2: { points: 2.5 }, p3: { fraction: 0.5 }, p4: { status: 'ungraded' }, p5: { points: 0.5 } });
    // Range checks are the server's (it knows the parts' points): these pass through.
    expect(parsePartResult('p1=-1')).toEqual({ p1: { points: -1 } });
    expect(parsePartResult('p1=150%')).toEqual({ p1: { fraction: 1.5 } });
  });

  it.each([
    ['p1', /expected PART=POINTS, PART=N% or PART=ungraded/],
    ['=3', /expected PART=POINTS/],
    ['p1=', /"" is not points/],
    ['p1=lots', /"lots" is not points \(3, 2.5\), a percentage \(50%\) or ungraded/],
    ['p1=1e3', /is not points/],
    ['p1=0x10', /is not points/],
    ['p1=Infinity', /is not points/],
    ['p1=%', /is not points/],
    ['p1=3 ', /is not points/],
  ])('%j is refused', (value, message) => {
    expect(() => parsePartResult(value)).toThrow(message);
  });

  it('a part given twice is refused', () => {
    expect(() => parsePartResult('p1=2', parsePartResult('p1=1'))).toThrow('part "p1" is given twice');
  });

  it('a part named like an object key is an ordinary key', () => {
    expect(parsePartResult('__proto__=1')).toEqual(JSON.parse('{"__proto__": {"points": 1}}'));
  });
});
