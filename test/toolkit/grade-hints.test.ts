/**
 * gradeHints: which result, read with which command line, gets which hint. The same hints through
 * the real CLI and real graders are in test/cli/grade-local-output.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { DEFAULT_LIMITS } from '../../src/sandbox/limits.ts';
import { gradeHints, type HintContext } from '../../src/toolkit/grade-hints.ts';

type Overrides = Partial<Omit<GradeResult, 'run'>> & { stdout?: string; stderr?: string; user?: { uid: number; gid: number } };

function result(overrides: Overrides): GradeResult {
  const { stdout = '', stderr = '', user, ...rest } = overrides;
  const captured = (text: string) => ({ text, bytes: Buffer.byteLength(text), truncated: false });
  return {
    status: 'grader-error', score: null, points: null, feedback: { text: '', format: 'text' }, tests: [], errors: [], warnings: [],
    output: { stdout: captured(stdout), stderr: captured(stderr), visibleToStudents: false },
    run: { wallMs: 1, cpuMs: 1, peakMemoryBytes: 1, reason: 'exited', exitCode: 1, signal: null, ...(user ? { user } : {}) },
    protocol: 'coursera', image: { id: 'sha256:0' }, limits: { ...DEFAULT_LIMITS },
    ...rest,
  };
}

const plain: HintContext = { partIdGiven: false, args: [] };

describe('the run user hint', () => {
  it.each(['Permission denied', 'Operation not permitted', 'EACCES', 'EPERM'])('"%s" in stderr of a failed run', (words) => {
    const [hint] = gradeHints(result({ stderr: `mkdir: /grader/build: ${words}\n` }), plain);
    expect(hint).toMatch(new RegExp(`^"${words}" in the grader's output: the grader ran as a user other than root`));
    expect(hint).toMatch(/grade with --user root \(grade local\), and upload it with --user root/);
  });

  it('names the uid the result says the grader ran as, and the protocol default', () => {
    const [coursera] = gradeHints(result({ stderr: 'Permission denied', user: { uid: 1000, gid: 1000 } }), plain);
    expect(coursera).toMatch(/ran as uid 1000 inside the sandbox \(the default for coursera graders\)/);
    const [other] = gradeHints(result({ stderr: 'Permission denied', user: { uid: 4242, gid: 4242 } }), plain);
    expect(other).toMatch(/ran as uid 4242 inside the sandbox, and/);
    const [gradescope] = gradeHints(result({ protocol: 'gradescope', stderr: 'Permission denied', user: { uid: 1000, gid: 1000 } }), plain);
    expect(gradescope).toMatch(/ran as uid 1000 inside the sandbox, and/);
  });

  it('for a grader that ran as root says what root cannot do in its namespace instead', () => {
    const [hint] = gradeHints(result({ protocol: 'gradescope', stderr: 'mount: Operation not permitted', user: { uid: 0, gid: 0 } }), plain);
    expect(hint).toMatch(/^"Operation not permitted" in the grader's output: it ran as root \(uid 0\) inside the sandbox's own user namespace \(the default for gradescope graders\)/);
    expect(hint).toMatch(/Dockerfile/);
    expect(hint).not.toMatch(/--user root/);
  });

  it('is read in the feedback, the tests and the errors too, and for a graded run that did not get full marks', () => {
    expect(gradeHints(result({ status: 'graded', score: 0, feedback: { text: 'javac: Permission denied', format: 'text' } }), plain)).toHaveLength(1);
    const test = { name: 't', score: 0, maxScore: 1, status: 'failed' as const, output: 'Permission denied', outputFormat: 'text' as const, visibility: 'visible' as const };
    expect(gradeHints(result({ status: 'graded', score: 0.5, protocol: 'gradescope', tests: [test] }), plain)).toHaveLength(1);
    expect(gradeHints(result({ errors: ['/shared/feedback.json: EACCES'] }), plain)).toHaveLength(1);
  });

  it('is not given for full marks, for a run that did not start, or without those words', () => {
    expect(gradeHints(result({ status: 'graded', score: 1, stderr: 'Permission denied' }), plain)).toEqual([]);
    expect(gradeHints(result({ status: 'not-gradable', feedback: { text: 'Permission denied', format: 'text' } }), plain)).toEqual([]);
    expect(gradeHints(result({ stderr: 'Segmentation fault' }), plain)).toEqual([]);
  });
});

describe('the part id hint (coursera)', () => {
  it.each([
    "KeyError: 'partId'", 'No partId given', 'missing part id', 'PART_ID is not set', 'unknown partID ""',
  ])('a grader that asks for it: %s', (said) => {
    expect(gradeHints(result({ stderr: said }), plain)).toEqual([
      'the grader asks for a part id and got none. Coursera graders read the part id from the environment variable partId, ' +
        'which --part-id sets: grade with --part-id ID',
    ]);
  });

  it('the part id given as an argument, as the old SDK did: named in the hint', () => {
    const [asked] = gradeHints(result({ stderr: "KeyError: 'partId'" }), { partIdGiven: false, args: ['sumsPart'] });
    expect(asked).toMatch(/^the grader asks for a part id and got none: "sumsPart" went to the grader's entrypoint as an argument .*grade with --part-id sumsPart$/);
    const [notAsked] = gradeHints(result({ status: 'graded', score: 0 }), { partIdGiven: false, args: ['sumsPart'] });
    expect(notAsked).toMatch(/^"sumsPart" went to the grader's entrypoint as an argument .*, and partId was not set\. .*if "sumsPart" is the part id, grade with --part-id sumsPart$/);
  });

  it('not with --part-id, not for gradescope, not for options or several arguments, not for full marks', () => {
    expect(gradeHints(result({ stderr: 'No partId' }), { partIdGiven: true, args: [] })).toEqual([]);
    expect(gradeHints(result({ protocol: 'gradescope', stderr: 'No partId' }), plain)).toEqual([]);
    expect(gradeHints(result({}), { partIdGiven: false, args: ['--verbose'] })).toEqual([]);
    expect(gradeHints(result({}), { partIdGiven: false, args: ['a', 'b'] })).toEqual([]);
    expect(gradeHints(result({}), { partIdGiven: false, args: ['/grader/x'] })).toEqual([]);
    expect(gradeHints(result({ status: 'graded', score: 1 }), { partIdGiven: false, args: ['sumsPart'] })).toEqual([]);
    expect(gradeHints(result({ stderr: 'grading part none' }), plain)).toEqual([]);
  });
});

it('both hints when both causes show', () => {
  expect(gradeHints(result({ stderr: "Permission denied\nKeyError: 'partId'" }), plain)).toHaveLength(2);
});
