/** `gradebox apply`'s local check of a course file: every problem with its line and column. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CourseFileError, type CourseFileIssue } from '../../src/client/course-file-error.ts';
import { loadCourseFile, parseCourseFile } from '../../src/client/course-file.ts';
import { REPO_ROOT } from '../support/run-cli.ts';

function issues(text: string, name = 'course.yaml'): CourseFileIssue[] {
  try {
    parseCourseFile(text, name);
  } catch (error) {
    if (error instanceof CourseFileError) return error.issues;
    throw error;
  }
  throw new Error('expected the course file to be refused');
}

const where = (list: CourseFileIssue[]): string[] => list.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradebox-course-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseCourseFile', () => {
  it('places mistakes in the grading workflow at their line and column', () => {
    const text = [
      'course: { id: cs101, title: Intro }',
      'assignments:',
      '  - id: unit1',
      '    title: Unit 1',
      '    trigger: completion',
      '    completeAt: 2026-03-08 23:59',
      '    autograde: median',
      '    parts: [{ id: p1, points: 1 }]',
      '  - id: hw',
      '    title: HW',
      '    partFeedback: on-completion',
      '    parts: [{ id: p1, points: 1 }]',
    ].join('\n');
    expect(where(issues(text))).toEqual([
      '6:17 assignments[0].completeAt: "2026-03-08 23:59" is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00',
      '7:16 assignments[0].autograde: must be one of aggregate, script (got "median")',
      '11:19 assignments[1].partFeedback: on-completion needs trigger: completion (with trigger submit every submission is graded at once)',
    ]);
  });

  it('places mistakes in the release keys at their line and column', () => {
    const text = [
      'course: { id: cs101, title: Intro }',
      'assignments:',
      '  - id: hw1',
      '    title: HW 1',
      '    release: later',
      '    parts: [{ id: p1, points: 1 }]',
      '  - id: hw2',
      '    title: HW 2',
      '    releaseAt: tomorrow',
      '    parts: [{ id: p1, points: 1 }]',
      '  - id: hw3',
      '    title: HW 3',
      '    release: immediate',
      '    releaseAt: 2026-03-10T09:00:00+01:00',
      '    parts: [{ id: p1, points: 1 }]',
    ].join('\n');
    expect(where(issues(text))).toEqual([
      '5:14 assignments[0].release: must be one of immediate, manual (got "later")',
      '9:16 assignments[1].releaseAt: "tomorrow" is not a time with a time zone, e.g. 2026-03-01T23:59:00Z or 2026-03-01T23:59:00+01:00',
      '14:16 assignments[2].releaseAt: needs release: manual (or no release key): with release immediate scores show as soon as they are graded, so there is nothing to release later',
    ]);
  });

  it('accepts examples/course.yaml, and the same file as JSON', async () => {
    const file = await loadCourseFile(join(REPO_ROOT, 'examples', 'course.yaml'));
    expect(file.course.id).toBe('cs101-2026');
    expect(file.assignments?.map((a) => [a.id, a.parts.map((p) => p.id)])).toEqual([['hw1', ['sums', 'averages']], ['hw2', ['reverse']]]);
    expect(file.assignments?.[0]).toMatchObject({ deadline: '2026-03-01T23:59:00Z', maxSubmissions: 10, minIntervalSeconds: 300 });
    const json = join(dir, 'course.json');
    await writeFile(json, JSON.stringify(file, null, 2));
    expect(await loadCourseFile(json)).toEqual(file);
  });

  it("accepts examples/demo-course.yaml (the Quick start demo's course): the two parts scripts/demo.ts grades", async () => {
    const file = await loadCourseFile(join(REPO_ROOT, 'examples', 'demo-course.yaml'));
    expect(file.course.id).toBe('demo');
    expect(file.members?.map((m) => [m.login, m.role])).toEqual([['ada', 'instructor'], ['alan', 'student']]);
    expect(file.assignments?.map((a) => [a.id, a.parts.map((p) => [p.id, p.points])])).toEqual([['hw1', [['sum', 10], ['tests', 10]]]]);
  });

  it('reports every schema problem at its line and column, in file order', () => {
    const text = [
      'course:', //                 1
      '  id: CS101', //             2
      '  title: ""', //             3
      'extra: 1', //                4
      'members:', //                5
      '  - login: ada', //          6
      '    role: professor', //     7
      'assignments:', //            8
      '  - id: hw1', //             9
      '    title: Homework', //     10
      '    deadline: tomorrow', //  11
      '    parts:', //              12
      '      - id: p1', //          13
      '        pointz: 3', //       14
      '      - id: p2', //          15
      '        points: "ten"', //   16
    ].join('\n');
    expect(where(issues(text))).toEqual([
      expect.stringMatching(/^2:7 course\.id: 'CS101' is not a valid course id: use lower-case letters/),
      '3:10 course.title: must be a non-empty text of at most 200 characters',
      '4:1 extra: unknown key; allowed here: course, members, assignments',
      '7:11 members[0].role: must be one of instructor, ta, student (got "professor")',
      expect.stringMatching(/^11:15 assignments\[0\]\.deadline: "tomorrow" is not a time with a time zone, e\.g\. 2026-03-01T23:59:00Z/),
      '13:9 assignments[0].parts[0].points: must be a number ≥ 0 (got nothing)',
      '14:9 assignments[0].parts[0].pointz: unknown key; allowed here: id, title, points',
      '16:17 assignments[0].parts[1].points: must be a number ≥ 0 (got "ten")',
    ]);
  });

  it('points at the second of two members, assignments or parts with the same id', () => {
    const text = 'course: {id: c, title: C}\nmembers:\n  - {login: ada, role: ta}\n  - {login: ada, role: student}\n' +
      'assignments:\n  - id: a\n    title: A\n    parts: [{id: p, points: 1}, {id: p, points: 2}]\n  - id: a\n    title: again\n    parts: [{id: q, points: 1}]\n';
    expect(where(issues(text))).toEqual([
      "4:13 members[1].login: member 'ada' is listed twice",
      "8:38 assignments[0].parts[1].id: part 'p' is listed twice",
      "9:9 assignments[1].id: assignment 'a' is listed twice",
    ]);
  });

  it('places a submission limit out of range at its value', () => {
    const text = 'course: {id: c, title: C}\nassignments:\n  - id: a\n    title: A\n    maxSubmissions: 0\n    minIntervalSeconds: 1h\n    parts: [{id: p, points: 1}]\n';
    expect(where(issues(text))).toEqual([
      '5:21 assignments[0].maxSubmissions: must be a whole number of submissions from 1 to 100000, or null for no limit (got 0)',
      '6:25 assignments[0].minIntervalSeconds: must be a whole number of seconds from 1 to 604800, or null for no limit (got "1h")',
    ]);
  });

  it('a missing key is reported at the map that lacks it', () => {
    expect(where(issues('course:\n  id: c\n  title: C\nassignments:\n  - id: a\n    title: A\n'))).toEqual([
      '5:5 assignments[0].parts: is required: list the parts (id, points, optional title)',
    ]);
  });

  it('YAML syntax errors come with their line, duplicate keys included', () => {
    expect(where(issues('course:\n  id: a\n  id: b\n  title: [unclosed\n'))).toEqual([
      '3:3 : Map keys must be unique (YAML syntax)',
      expect.stringMatching(/^5:1 : .*\(YAML syntax\)$/),
    ]);
  });

  it('an empty file says what to write; the error message lists file:line:column', () => {
    expect(where(issues('# nothing\n'))).toEqual(['0:0 : the file is empty; see examples/course.yaml']);
    expect(() => parseCourseFile('course: {id: X, title: t}\n', 'my.yaml')).toThrow(/^my\.yaml has 1 problem:\nmy\.yaml:1:14: course\.id: 'X' is not a valid course id/);
  });

  it('reading: a missing file is the caller\'s ENOENT, not a course file problem', async () => {
    await expect(loadCourseFile(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(REPO_ROOT, 'examples', 'course.yaml'), 'utf8')).toContain('gradebox apply');
  });
});
