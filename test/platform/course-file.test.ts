import { describe, expect, it } from 'vitest';
import { parseCourseFile } from '../../src/platform/course-file.ts';
import { InvalidInput } from '../../src/platform/errors.ts';
import { courseFile } from './helpers.ts';

function problems(input: unknown): string[] {
  try {
    parseCourseFile(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInput);
    return (error as InvalidInput).details?.problems as string[];
  }
  throw new Error('expected the file to be refused');
}

describe('parseCourseFile', () => {
  it('normalises a valid file: defaults and UTC deadlines', () => {
    const file = parseCourseFile({
      course: { id: 'cs101', title: ' Intro ' },
      members: [{ login: 'sam', role: 'student' }],
      assignments: [{ id: 'hw1', title: 'HW', deadline: '2026-03-01T23:59:00+01:00', parts: [{ id: 'Lk3bY', points: 1.5 }] }],
    });
    expect(file).toEqual({
      course: { id: 'cs101', title: 'Intro' },
      members: [{ login: 'sam', displayName: undefined, role: 'student' }],
      assignments: [
        {
          id: 'hw1', title: 'HW', deadline: '2026-03-01T22:59:00.000Z', maxSubmissions: null, minIntervalSeconds: null,
          latePolicy: null, cutoff: null, extensions: undefined, trigger: 'submit', partFeedback: 'immediate', completeAt: null, autograde: 'aggregate',
          parts: [{ id: 'Lk3bY', title: 'Lk3bY', points: 1.5 }],
          leaderboard: false,
        },
      ],
    });
  });

  it('takes submission limits as whole numbers in range, null or absent for none', () => {
    const file = parseCourseFile(
      courseFile({
        assignments: [
          { id: 'hw1', title: 'HW', maxSubmissions: 10, minIntervalSeconds: 604800, parts: [{ id: 'p1', points: 1 }] },
          { id: 'hw2', title: 'HW', maxSubmissions: null, parts: [{ id: 'p1', points: 1 }] },
        ],
      }),
    );
    expect(file.assignments?.map(({ maxSubmissions, minIntervalSeconds }) => ({ maxSubmissions, minIntervalSeconds }))).toEqual([
      { maxSubmissions: 10, minIntervalSeconds: 604800 },
      { maxSubmissions: null, minIntervalSeconds: null },
    ]);
    const limited = (maxSubmissions: unknown, minIntervalSeconds: unknown) =>
      courseFile({ assignments: [{ id: 'hw1', title: 'HW', maxSubmissions, minIntervalSeconds, parts: [{ id: 'p1', points: 1 }] } as never] });
    expect(problems(limited(0, -1))).toEqual([
      'assignments[0].maxSubmissions: must be a whole number of submissions from 1 to 100000, or null for no limit (got 0)',
      'assignments[0].minIntervalSeconds: must be a whole number of seconds from 1 to 604800, or null for no limit (got -1)',
    ]);
    for (const [max, interval] of [[1.5, '60'], ['ten', 604801], [1e9, 0.5], [true, Number.NaN]]) {
      expect(problems(limited(max, interval))).toHaveLength(2);
    }
  });

  it('takes a trigger, part feedback, completion time and autograde method, checked together', () => {
    const one = (fields: Record<string, unknown>) => courseFile({ assignments: [{ id: 'hw1', title: 'HW', parts: [{ id: 'p1', points: 1 }], ...fields }] });
    const [hw1] = parseCourseFile(one({ trigger: 'completion', partFeedback: 'on-completion', completeAt: '2026-05-01T12:00:00+02:00', autograde: 'aggregate' })).assignments ?? [];
    expect(hw1).toMatchObject({ trigger: 'completion', partFeedback: 'on-completion', completeAt: '2026-05-01T10:00:00.000Z', autograde: 'aggregate' });
    expect(problems(one({ trigger: 'done', partFeedback: 'later', autograde: 'median', completeAt: 'next friday' }))).toEqual([
      'assignments[0].trigger: must be one of submit, completion (got "done")',
      'assignments[0].partFeedback: must be one of immediate, on-completion (got "later")',
      'assignments[0].completeAt: "next friday" is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00',
      'assignments[0].autograde: must be one of aggregate, script (got "median")',
    ]);
    // A time without a zone is ambiguous on a server elsewhere.
    expect(problems(one({ trigger: 'completion', completeAt: '2026-05-01T12:00:00' }))).toHaveLength(1);
    expect(problems(one({ partFeedback: 'on-completion', completeAt: '2026-05-01T12:00:00Z' }))).toEqual([
      'assignments[0].partFeedback: on-completion needs trigger: completion (with trigger submit every submission is graded at once)',
      'assignments[0].completeAt: needs trigger: completion (with trigger submit nothing is completed)',
    ]);
  });

  it('leaves members and assignments alone when the file has no such key', () => {
    expect(parseCourseFile({ course: { id: 'cs101', title: 'T' } })).toEqual({ course: { id: 'cs101', title: 'T' }, members: undefined, assignments: undefined });
  });

  it('reports every fault with its path', () => {
    expect(
      problems({
        course: { id: 'CS 101', title: '' },
        members: [{ login: 'sam', role: 'teacher' }, { login: 'sam', role: 'student' }],
        assignments: [
          { id: 'hw1', title: 'HW', deadline: '2026-03-01 23:59', parts: [{ id: 'p1', points: -1 }, { id: 'p1', points: 'ten' }] },
          { id: 'hw1', title: 'Again', parts: [] },
          { id: 'hw3', title: 'No parts' },
        ],
        extra: true,
      }),
    ).toEqual([
      'file.extra: unknown key; allowed here: course, members, assignments',
      expect.stringMatching(/^course\.id: 'CS 101' is not a valid course id: use lower-case letters/),
      'course.title: must be a non-empty text of at most 200 characters',
      'members[0].role: must be one of instructor, ta, student (got "teacher")',
      "members: member 'sam' is listed twice",
      'assignments[0].deadline: "2026-03-01 23:59" is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00',
      'assignments[0].parts[0].points: must be a number ≥ 0 (got -1)',
      'assignments[0].parts[1].points: must be a number ≥ 0 (got "ten")',
      "assignments[0].parts: part 'p1' is listed twice",
      'assignments[2].parts: is required: list the parts (id, points, optional title)',
      "assignments: assignment 'hw1' is listed twice",
    ]);
  });

  it('says what is wrong in the message itself', () => {
    expect(() => parseCourseFile({ course: { id: 'cs101' } })).toThrow('invalid course file: course.title: must be a non-empty text of at most 200 characters');
    expect(() => parseCourseFile('course: x')).toThrow(/file: must be a mapping/);
    expect(() => parseCourseFile(courseFile({ members: [{ login: 'x', role: 'student', nickname: 'y' } as never] }))).toThrow(
      /members\[0\]\.nickname: unknown key; allowed here: login, displayName, role/,
    );
  });
});
