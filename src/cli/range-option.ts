import { UsageError } from './usage-error.ts';

export interface NumberRange {
  min: number;
  max: number;
}

/**
 * Parses `MIN-MAX` (e.g. `1-4`, `0.5-2`) for an option; both ends positive, MIN ≤ MAX, whole
 * numbers when `integer`.
 */
export function rangeOption(option: string, integer: boolean): (value: string) => NumberRange {
  return (value) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
    const min = Number(match?.[1]);
    const max = Number(match?.[2]);
    const whole = !integer || (Number.isInteger(min) && Number.isInteger(max));
    if (!match || !(min > 0) || !(max >= min) || !whole) {
      throw new UsageError(`${option} must be MIN-MAX with ${integer ? 'whole numbers' : 'numbers'} 0 < MIN ≤ MAX (e.g. ${integer ? '1024-4096' : '1-4'}), got "${value}"`);
    }
    return { min, max };
  };
}
