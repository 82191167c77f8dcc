/**
 * The course file's late rules (latePolicy, cutoff, extensions): normalised when right, and every
 * mistake named with its path; the CLI's pre-check places them at their line in the YAML.
 */
import { describe, expect, it } from 'vitest';
import { CourseFileError } from '../../src/client/course-file-error.ts';
import { parseCourseFile as parseCourseFileText } from '../../src/client/course-file.ts';
import { parseCourseFile } from '../../src/platform/course-file.ts';
import { InvalidInput } from '../../src/platform/errors.ts';

const members = [{ login: 'sam', role: 'student' }, { login: 'tara', role: 'ta' }];

function file(assignment: Record<string, unknown>, withMembers = true): unknown {
  return {
    course: { id: 'cs101', title: 'Intro' },
    ...(withMembers ? { members } : {}),
    assignments: [{ id: 'hw1', title: 'HW', deadline: '2026-03-01T23:59:00Z', parts: [{ id: 'p1', points: 1 }], ...assignment }],
  };
}

function problems(input: unknown): string[] {
  try {
    parseCourseFile(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInput);
    return (error as InvalidInput).details?.problems as string[];
  }
  throw new Error('expected the file to be refused');
}

describe('course file late rules', () => {
  it('normalises steps, a rate, a cutoff and extensions', () => {
    const [steps] = parseCourseFile(file({
      latePolicy: { steps: [{ after: '10m', factor: 0.8 }, { after: 172800, factor: 0.6 }, { after: '3d', factor: 0.2 }] },
      cutoff: '2026-03-05T00:59:00+01:00',
      extensions: [{ student: 'sam', until: new Date('2026-03-03T23:59:00Z') }],
    })).assignments ?? [];
    expect(steps).toMatchObject({
      latePolicy: { kind: 'steps', steps: [{ afterSeconds: 600, factor: 0.8 }, { afterSeconds: 172800, factor: 0.6 }, { afterSeconds: 259200, factor: 0.2 }] },
      cutoff: '2026-03-04T23:59:00.000Z',
      extensions: [{ student: 'sam', until: '2026-03-03T23:59:00.000Z' }],
    });
    const [rate] = parseCourseFile(file({ latePolicy: { percent: 10, per: 'day' }, cutoff: '2026-03-01T23:59:00Z' })).assignments ?? [];
    expect(rate).toMatchObject({ latePolicy: { kind: 'rate', percent: 10, per: 'day', floor: 0 }, cutoff: '2026-03-01T23:59:00.000Z', extensions: undefined });
    const [none] = parseCourseFile(file({ latePolicy: null, cutoff: null, extensions: null })).assignments ?? [];
    expect(none).toMatchObject({ latePolicy: null, cutoff: null, extensions: [] });
  });

  it('names every bad value with its path', () => {
    expect(problems(file({
      latePolicy: { steps: [{ after: '2d', factor: 1.2 }, { after: '1d', factor: 0.5 }, { after: '-5m', factor: 0.4 }, { after: 'soon', factor: 0.3, extra: 1 }] },
    }))).toEqual([
      'assignments[0].latePolicy.steps[0].factor: must be a number from 0 to 1, what the grade is multiplied by (0.8 keeps 80%) (got 1.2)',
      'assignments[0].latePolicy.steps[1].after: must be later than the step before it (2 d): list the steps from the least late to the most',
      'assignments[0].latePolicy.steps[2].after: must not be negative (got "-5m"): it is how late the work is',
      'assignments[0].latePolicy.steps[3].extra: unknown key; allowed here: after, factor',
      'assignments[0].latePolicy.steps[3].after: "soon" is not a duration: write 90s, 10m, 2h, 3d or 1w (or a number of seconds)',
    ]);
    expect(problems(file({ latePolicy: { steps: [{ after: '1h', factor: 0.5 }, { after: '2h', factor: 0.9 }] } }))).toEqual([
      'assignments[0].latePolicy.steps[1].factor: 0.9 is more than the 0.5 of the step before it: later work must not keep more of its grade',
    ]);
    expect(problems(file({ latePolicy: { steps: [] } }))).toEqual([
      'assignments[0].latePolicy.steps: must be a list of 1 to 20 steps, e.g. [{after: 10m, factor: 0.8}, {after: 2d, factor: 0.6}]',
    ]);
    expect(problems(file({ latePolicy: { percent: 0, per: 'week', floor: -0.1 } }))).toEqual([
      'assignments[0].latePolicy.percent: must be a number above 0 and at most 100, the percentage taken off per hour or day late (got 0)',
      'assignments[0].latePolicy.per: must be hour or day (got "week")',
      'assignments[0].latePolicy.floor: must be a number from 0 to 1, what the grade is multiplied by (0.8 keeps 80%) (got -0.1)',
    ]);
    expect(problems(file({ latePolicy: { percent: 10, per: 'day', steps: [] } }))[0]).toMatch(/^assignments\[0\]\.latePolicy: must be either .*, not both$/);
    expect(problems(file({ latePolicy: 'strict' }))).toEqual([
      'assignments[0].latePolicy: must be either {steps: [{after: 10m, factor: 0.8}, …]} or {percent: 10, per: day, floor: 0.5}',
    ]);
  });

  it('refuses a cutoff before the deadline, garbage times, unknown or doubled students, and rules without a deadline', () => {
    expect(problems(file({
      cutoff: '2026-03-01T23:58:59Z',
      extensions: [
        { student: 'sam', until: 'tomorrow' },
        { student: 'sam', until: '2026-03-01T23:59:00Z' },
        { student: 'tara', until: '2026-03-04T00:00:00Z' },
        { student: 'Nobody!', until: '2026-03-04T00:00:00Z' },
      ],
    }))).toEqual([
      'assignments[0].cutoff: 2026-03-01T23:58:59.000Z is before the deadline 2026-03-01T23:59:00.000Z: the cutoff is when late work stops being accepted (equal to the deadline: no late work at all)',
      'assignments[0].extensions[0].until: "tomorrow" is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00',
      "assignments[0].extensions[1].student: 'sam' has two extensions; keep one",
      "assignments[0].extensions[1].until: 2026-03-01T23:59:00.000Z is not after the deadline 2026-03-01T23:59:00.000Z: an extension moves the student's deadline later",
      "assignments[0].extensions[2].student: 'tara' is not a student of this course: the file's members list no student with that login",
      expect.stringMatching(/^assignments\[0\]\.extensions\[3\]\.student: /) as string,
    ]);
    expect(problems(file({ cutoff: '2026-03-05 23:59' }))).toEqual([
      'assignments[0].cutoff: "2026-03-05 23:59" is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00',
    ]);
    expect(problems(file({ deadline: null, latePolicy: { percent: 5, per: 'hour' }, cutoff: '2026-03-05T00:00:00Z', extensions: [] }))).toEqual([
      'assignments[0].latePolicy: needs a deadline: without one nothing is late; set assignments[0].deadline or remove latePolicy',
      'assignments[0].cutoff: needs a deadline: without one nothing is late; set assignments[0].deadline or remove cutoff',
      'assignments[0].extensions: needs a deadline: without one nothing is late; set assignments[0].deadline or remove extensions',
    ]);
    // Without members in the file, the server checks students against the course.
    expect(parseCourseFile(file({ extensions: [{ student: 'zed', until: '2026-03-04T00:00:00Z' }] }, false)).assignments?.[0]?.extensions).toEqual([
      { student: 'zed', until: '2026-03-04T00:00:00.000Z' },
    ]);
  });

  it('the CLI places each problem at its line', () => {
    const text = [
      'course: {id: cs101, title: Intro}',
      'assignments:',
      '  - id: hw1',
      '    title: HW',
      '    deadline: 2026-03-01T23:59:00Z',
      '    latePolicy:',
      '      steps:',
      '        - {after: 10m, factor: 0.8}',
      '        - {after: 5m, factor: 0.6}',
      '    cutoff: 2026-02-01T00:00:00Z',
      '    parts: [{id: p1, points: 1}]',
    ].join('\n');
    let error: unknown;
    try {
      parseCourseFileText(text, 'course.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CourseFileError);
    expect((error as CourseFileError).issues.map((i) => [i.line, i.path])).toEqual([
      [9, 'assignments[0].latePolicy.steps[1].after'],
      [10, 'assignments[0].cutoff'],
    ]);
  });
});
