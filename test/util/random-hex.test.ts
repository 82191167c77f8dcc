import { expect, it } from 'vitest';
import { randomHex } from '../../src/util/random-hex.ts';

it('gives the asked number of random bytes as hex, different each time', () => {
  for (const bytes of [1, 5, 16, 64]) expect(randomHex(bytes)).toMatch(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
  const seen = new Set(Array.from({ length: 1000 }, () => randomHex(8)));
  expect(seen.size).toBe(1000);
});
