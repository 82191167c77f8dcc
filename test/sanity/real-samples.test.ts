/**
 * The lint over Dockerfiles shaped like the public Coursera and Gradescope samples (same
 * instructions and structure, our own text; each fixture names the sample it follows): the exact
 * findings, so that a new false positive on a real grader fails here. An error-level finding on an
 * official sample is a false positive: those graders run, on their platform and under gradebox.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintDockerfileFile } from '../../src/sanity/dockerfile/lint-dockerfile.ts';
import { REPO_ROOT } from '../support/run-cli.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'dockerfiles');

const EXPECTED: Record<string, [number, string, string][]> = {
  // coursera/programming-assignments-demo custom-graders/DemoRGrader: CMD only, part id from $partId.
  'sample-coursera-r.Dockerfile': [
    [5, 'info', 'GB041'],
    [13, 'warning', 'GB070'], [13, 'info', 'GB072'],
    [26, 'warning', 'GB036'], [26, 'info', 'GB034'],
  ],
  // custom-graders/v2/DemoPythonGrader: ubuntu, apt-get left uncleaned, ENTRYPOINT ["grader/grader.py"].
  'sample-coursera-python.Dockerfile': [
    [4, 'info', 'GB010'], [4, 'info', 'GB041'],
    [9, 'warning', 'GB070'], [9, 'info', 'GB072'],
    [25, 'warning', 'GB036'],
  ],
  // custom-graders/DemoAssignmentGrader: ubuntu:latest, ENTRYPOINT ["./grader/executeGrader.sh"].
  'sample-coursera-java.Dockerfile': [
    [4, 'warning', 'GB011'], [4, 'info', 'GB010'], [4, 'info', 'GB041'],
    [9, 'info', 'GB072'],
    [29, 'warning', 'GB036'],
  ],
  // gradescope/autograder_samples manual_docker: FROM ${BASE_REPO}:${TAG} with TAG=latest.
  'sample-gradescope-manual-docker.Dockerfile': [
    [9, 'warning', 'GB011'], [9, 'info', 'GB080'],
    [12, 'info', 'GB072'],
    [15, 'info', 'GB023'],
  ],
  // A Gradescope zip's layout (setup.sh, run_autograder) built on a pinned Gradescope base.
  'sample-gradescope-zip-layout.Dockerfile': [
    [4, 'info', 'GB080'],
  ],
};

describe('Dockerfiles shaped like the public samples', () => {
  it.each(Object.entries(EXPECTED))('%s: exactly these findings, none an error', async (name, expected) => {
    const findings = await lintDockerfileFile(join(FIXTURES, name));
    expect(findings.map((f) => [f.line, f.severity, f.rule])).toEqual(expected);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('the R sample: its CMD runs, and its relative script path is named with the absolute one', async () => {
    const findings = await lintDockerfileFile(join(FIXTURES, 'sample-coursera-r.Dockerfile'));
    expect(findings.find((f) => f.rule === 'GB036')?.fix).toBe('use the absolute path /grader/main.R');
    expect(findings.find((f) => f.rule === 'GB034')?.message).toContain('passes the part id in the environment ($partId)');
  });

  it('the Gradescope sample: the latest tag is found through the build arguments\' defaults', async () => {
    const findings = await lintDockerfileFile(join(FIXTURES, 'sample-gradescope-manual-docker.Dockerfile'));
    expect(findings.find((f) => f.rule === 'GB011')?.message).toBe(
      'base image ${BASE_REPO}:${TAG} is gradescope/autograder-base:latest by default (ARG BASE_REPO on line 6, ARG TAG on line 7), so it uses :latest, which moves: the grader can change or break with no change of yours',
    );
  });
});
