/**
 * Summary statistics and histogram bins of a list of scores, for the gradebook pages. Pure
 * functions: the pages compute them from the grades they already read.
 */

export interface Summary {
  n: number;
  mean: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
  /** Population standard deviation (the class is the whole population, not a sample of one). */
  stdev: number | null;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: null, median: null, min: null, max: null, stdev: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  const middle = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const variance = sorted.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n;
  return { n, mean, median, min: sorted[0]!, max: sorted[n - 1]!, stdev: Math.sqrt(variance) };
}

export interface Bin {
  /** Inclusive lower bound. */
  from: number;
  /** Exclusive upper bound, except the last bin, which holds its bound and anything above (extra credit). */
  to: number;
  count: number;
}

/** `bins` equal bins over [0, max]; a score above `max` (extra credit) counts in the last bin. */
export function histogram(values: readonly number[], max: number, bins = 10): Bin[] {
  const width = max > 0 ? max / bins : 1;
  const result: Bin[] = Array.from({ length: bins }, (_, i) => ({ from: round2(i * width), to: round2((i + 1) * width), count: 0 }));
  for (const v of values) {
    const index = Math.min(bins - 1, Math.max(0, Math.floor(v / width)));
    result[index]!.count++;
  }
  return result;
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** A number for a table cell: at most 2 decimals, '—' for none. */
export const shown = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : String(round2(n)));
