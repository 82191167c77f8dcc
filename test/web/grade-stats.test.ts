/** The gradebook's summary statistics and histogram bins (src/server/pages/gradebook/grade-stats.ts). */
import { describe, expect, it } from 'vitest';
import { histogram, summarize } from '../../src/server/pages/gradebook/grade-stats.ts';

describe('summary statistics', () => {
  it('gives n, mean, median, min, max and the population standard deviation', () => {
    expect(summarize([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ n: 8, mean: 5, median: 4.5, min: 2, max: 9, stdev: 2 });
    expect(summarize([3, 1, 2])).toMatchObject({ n: 3, median: 2, min: 1, max: 3 });
  });

  it('gives nothing but n for no values', () => {
    expect(summarize([])).toEqual({ n: 0, mean: null, median: null, min: null, max: null, stdev: null });
  });
});

describe('histogram bins', () => {
  it('splits [0, max] in equal bins; the maximum and extra credit count in the last', () => {
    const bins = histogram([0, 0.9, 1, 5, 9.99, 10, 12], 10, 10);
    expect(bins.map((b) => b.count)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 3]);
    expect(bins[0]).toEqual({ from: 0, to: 1, count: 2 });
    expect(bins.at(-1)).toEqual({ from: 9, to: 10, count: 3 });
  });

  it('survives a part worth 0 points and fractional widths', () => {
    expect(histogram([0, 0], 0, 4).map((b) => b.count)).toEqual([2, 0, 0, 0]);
    expect(histogram([1.5], 5, 10)[3]).toEqual({ from: 1.5, to: 2, count: 1 });
  });
});
