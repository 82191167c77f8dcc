/** The regrade page's start form read into a RegradeRequest (src/server/pages/regrade/regrade-form.ts). */
import { describe, expect, it } from 'vitest';
import { regradeRequestOf } from '../../src/server/pages/regrade/regrade-form.ts';

const PARTS = ['p1', 'p2'];

describe('the regrade start form', () => {
  it('reads every part ticked as every part with a grader, and a list of logins without repeats', () => {
    expect(regradeRequestOf({ who: 'all', part: ['p1', 'p2'], grader: 'published', dryRun: 'on' }, PARTS)).toEqual({ grader: { kind: 'published' }, dryRun: true });
    expect(regradeRequestOf({ who: 'some', students: 'sam, sue\nsam;ann ', part: 'p2', grader: 'draft' }, PARTS)).toEqual({
      students: ['sam', 'sue', 'ann'],
      parts: ['p2'],
      grader: { kind: 'draft' },
      dryRun: false,
    });
    expect(regradeRequestOf({ part: ['p1', 'p1'], grader: 'version-12' }, PARTS)).toEqual({ parts: ['p1'], grader: { kind: 'version', number: 12 }, dryRun: false });
    // A part the assignment lacks is passed on: startRegrade names it (a 400 page).
    expect(regradeRequestOf({ part: ['p1', 'p9'] }, PARTS)).toMatchObject({ parts: ['p1', 'p9'] });
    // The logins are ignored unless "only these students" is chosen.
    expect(regradeRequestOf({ who: 'all', students: 'sam', part: PARTS }, PARTS)).not.toHaveProperty('students');
  });

  it.each([
    [{ who: 'some', students: ' ,\n', part: 'p1' }, 'name at least one student'],
    [{ who: 'all' }, 'choose at least one part'],
    [{ who: ['all', 'some'], part: 'p1' }, 'must be sent once'],
    [{ who: 'nobody', part: 'p1' }, 'choose every student or some students'],
    [{ part: 'p1', grader: 'version-0' }, 'choose the grader'],
    [{ part: 'p1', grader: 'version-1e3' }, 'choose the grader'],
    [{ part: 'p1', dryRun: 'yes' }, 'ticked or not'],
    [{ part: [{ x: 1 }] }, 'must be text'],
  ])('refuses %j with a 400 saying %s', (form, message) => {
    expect(() => regradeRequestOf(form as never, PARTS)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining(message) as string }));
  });
});
