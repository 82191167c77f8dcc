/** Rules GB080–GB084: where a Gradescope-style Dockerfile behaves differently under gradebox than on Gradescope. */
import { describe, expect, it } from 'vitest';
import { CLEAN, dockerfile, findingsOf, linesOf, summary } from './lint-helpers.ts';

const BASE = 'FROM gradescope/autograder-base:ubuntu-22.04';
const PLACED = 'COPY run_autograder /autograder/run_autograder';

describe('which Dockerfiles are Gradescope graders', () => {
  it.each([
    [[BASE, PLACED], 1],
    [['FROM gradescope/auto-builds:ubuntu-22.04', PLACED], 1],
    [['FROM docker.io/gradescope/autograder-base:ubuntu-22.04', PLACED], 1],
    [['ARG BASE_REPO=gradescope/autograder-base', 'ARG TAG=ubuntu-22.04', 'FROM ${BASE_REPO}:${TAG}', PLACED], 3],
    [['FROM python:3.12-slim', 'COPY source/ /autograder/source/', 'RUN cp /autograder/source/run_autograder /autograder/'], 2],
    [['FROM python:3.12-slim', 'RUN ln -s /grader/run /autograder/run_autograder'], 2],
  ])('%j: GB080 at line %i', (lines, line) => {
    expect(linesOf('GB080', dockerfile(...lines))).toEqual([line]);
    expect(findingsOf('GB080', dockerfile(...lines))[0]?.message).toContain('with no network');
  });

  it('not a Coursera grader, nor one whose base merely contains "gradescope"', () => {
    expect(linesOf('GB080', dockerfile(...CLEAN))).toEqual([]);
    expect(linesOf('GB080', dockerfile('FROM myorg/gradescope-like:1', 'USER 1000', 'ENTRYPOINT ["/g"]'))).toEqual([]);
  });
});

describe('GB081 no /autograder/run_autograder', () => {
  it('an error when only the zip layout is copied, at the line that made it a Gradescope grader', () => {
    const text = dockerfile(BASE, 'COPY setup.sh run_autograder /autograder/source/', 'RUN bash /autograder/source/setup.sh');
    expect(findingsOf('GB081', text).map((f) => [f.line, f.severity])).toEqual([[1, 'error']]);
  });

  it.each([
    [[PLACED]],
    [['COPY --chmod=755 run_autograder /autograder/']],
    [['COPY . /autograder']],
    [['RUN cp /autograder/source/run_autograder /autograder/run_autograder']],
    [['COPY <<EOF /autograder/run_autograder', '#!/bin/sh', 'EOF']],
  ])('not with %j', (lines) => {
    expect(linesOf('GB081', dockerfile(BASE, ...lines))).toEqual([]);
  });
});

describe('GB082 setup.sh never run', () => {
  it('named in a COPY (as a source or the destination) and run by no RUN', () => {
    const text = dockerfile(BASE, PLACED, 'COPY setup.sh requirements.txt /autograder/source/', 'COPY scripts/prepare /autograder/setup.sh');
    expect(findingsOf('GB082', text).map((f) => [f.line, f.fix])).toEqual([
      [3, 'RUN bash /autograder/source/setup.sh'], [4, 'RUN bash /autograder/setup.sh'],
    ]);
  });

  it('not when a RUN runs it, nor for Coursera graders', () => {
    expect(linesOf('GB082', dockerfile(BASE, PLACED, 'COPY setup.sh /autograder/source/', 'RUN apt-get update && bash /autograder/source/setup.sh'))).toEqual([]);
    expect(linesOf('GB082', dockerfile(...CLEAN, 'COPY setup.sh /grader/'))).toEqual([]);
  });
});

describe('GB083 files where each run mounts or writes its own', () => {
  it('under /autograder/submission and /autograder/results, and submission_metadata.json', () => {
    const text = dockerfile(BASE, PLACED, 'COPY sample/ /autograder/submission/', 'COPY old.json /autograder/results/results.json', 'COPY meta.json /autograder/submission_metadata.json', 'COPY x /autograder/results');
    expect(linesOf('GB083', text)).toEqual([3, 4, 5, 6]);
    expect(findingsOf('GB083', text)[1]?.message).toBe('COPY puts files in /autograder/results/results.json, which the grader never sees: gradebox mounts a fresh, empty directory there for each run');
  });

  it('not for look-alikes or the rest of /autograder', () => {
    expect(linesOf('GB083', dockerfile(BASE, PLACED, 'COPY x /autograder/submissions/', 'COPY y /autograder/source/results/', 'COPY z /autograder/results_template.json'))).toEqual([]);
  });
});

describe('GB084 USER in a Gradescope grader', () => {
  it('a non-root USER is noted; root, or none, is what Gradescope does', () => {
    expect(findingsOf('GB084', dockerfile(BASE, PLACED, 'USER student:student')).map((f) => [f.line, f.message])).toEqual([
      [3, 'USER student does not apply: gradebox runs /autograder/run_autograder as root (uid 0 inside a user namespace), as Gradescope\'s harness does, whatever USER says (only --user changes it)'],
    ]);
    expect(linesOf('GB084', dockerfile(BASE, PLACED, 'USER root'))).toEqual([]);
    expect(linesOf('GB084', dockerfile(BASE, PLACED))).toEqual([]);
  });
});

describe('Coursera rules stay quiet on Gradescope graders', () => {
  it('no GB030, GB034, GB036 or GB04x, whatever ENTRYPOINT/CMD/USER say', () => {
    const text = dockerfile(BASE, PLACED, 'CMD ["grader/x"]', 'USER 1001');
    expect(summary(text).map(([, rule]) => rule).filter((rule) => /^GB0[34]/.test(rule))).toEqual([]);
  });
});
