import { describe, expect, it } from 'vitest';
import { Forbidden } from '../../src/platform/errors.ts';
import { databases } from '../support/databases.ts';
import { ASSIGNMENT, COURSE, course, file, useHarness, type Harness } from './helpers.ts';

describe.each(databases)('grading progress on $name', (factory) => {
  let h: Harness;
  useHarness(factory, (world) => ({ h } = world));
  const target = { courseId: COURSE, assignmentId: ASSIGNMENT };

  it('tells the student where each part stands and how many jobs wait before it', async () => {
    await course(h, { bothParts: true });
    const sam = await h.actor('sam', ['read', 'submit']);
    const sue = await h.actor('sue', ['read', 'submit']);
    const first = await h.platform.submit(sam, { ...target, files: [file('a.py')] });
    h.clock.advance(1000);
    const second = await h.platform.submit(sue, { ...target, files: [file('b.py')] });
    const mine = await h.platform.getGradingProgress(sue, second.id);
    expect(mine.map((p) => p.partId).sort()).toEqual(['p1', 'p2']);
    for (const part of mine) expect(part).toMatchObject({ phase: 'queued', waitingAhead: expect.any(Number) as number });
    // sam's two jobs came first.
    expect(Math.min(...mine.map((p) => p.waitingAhead!))).toBe(2);
    const theirs = await h.platform.getGradingProgress(sam, first.id);
    expect(Math.min(...theirs.map((p) => p.waitingAhead!))).toBe(0);
    // Same rule as reading the submission: not a classmate's.
    await expect(h.platform.getGradingProgress(sue, first.id)).rejects.toThrow(Forbidden);
    expect(await h.platform.getGradingProgress(await h.actor('tara'), first.id)).toHaveLength(2);
  });
});
