/** How the CLI prints a student's part result while the assignment's scores are not released. */
import { describe, expect, it } from 'vitest';
import { formatPartOutcome } from '../../src/cli/format-server.ts';
import type { PartOutcome } from '../../src/platform/model.ts';
import { NOT_RELEASED_FEEDBACK } from '../../src/platform/release-state.ts';

const outcome = (result: Partial<NonNullable<PartOutcome['result']>>): PartOutcome => ({
  partId: 'p1',
  points: 10,
  job: null,
  result: { jobId: 'job_1', status: 'graded', score: null, points: null, feedback: { text: NOT_RELEASED_FEEDBACK, format: 'text' }, tests: [], output: null, createdAt: '2030-01-01T00:00:00.000Z', full: null, ...result },
});

describe('a result not released yet', () => {
  it('is one line: graded, not released yet, without a score', () => {
    expect(formatPartOutcome(outcome({ notReleased: true }))).toBe('p1  graded, not released yet\n');
  });

  it('from a server that sends no flag, still says it through the feedback', () => {
    expect(formatPartOutcome(outcome({}))).toContain(`  ${NOT_RELEASED_FEEDBACK}`);
  });

  it('a released one shows score and feedback as before', () => {
    expect(formatPartOutcome(outcome({ score: 0.5, points: 5, feedback: { text: 'Half right.', format: 'text' } }))).toBe('p1  graded 50% (5/10 points)\n  Half right.\n');
  });
});
