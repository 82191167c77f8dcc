import { describe, expect, it } from 'vitest';
import { render } from '../../src/cli/progress.ts';

describe('progress line', () => {
  it('shows a bar with bytes when the total is known', () => {
    expect(render({ phase: 'read', done: 512 * 1024, total: 1024 * 1024 })).toBe(`read ${'█'.repeat(12)}${'░'.repeat(12)} 50% (512.0 KiB / 1.0 MiB)`);
  });
  it('counts layers as layers, not bytes', () => {
    expect(render({ phase: 'unpack', done: 1, total: 2, unit: 'layers' })).toBe(`unpack ${'█'.repeat(12)}${'░'.repeat(12)} 50% (layer 1 of 2)`);
  });
  it('counts items with their noun (goldens graded)', () => {
    expect(render({ phase: 'goldens', done: 1, total: 4, unit: 'items', noun: 'graded' })).toBe(`goldens ${'█'.repeat(6)}${'░'.repeat(18)} 25% (1 of 4 graded)`);
    expect(render({ phase: 'goldens', done: 0, total: 0, unit: 'items', noun: 'graded' })).toBe('goldens');
  });
  it('falls back to the phase and bytes so far without a total', () => {
    expect(render({ phase: 'detect', done: 0 })).toBe('detect');
    expect(render({ phase: 'read', done: 2048 })).toBe('read 2.0 KiB');
  });
});
