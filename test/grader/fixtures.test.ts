/**
 * Checks the grader fixtures against the format the test-image builder reads, so a typo shows here
 * and not as an obscure build failure: `{ base, entrypoint, cmd, env, workingDir, user, files }`
 * and optionally `chmodRecursive`, with `files/` copied to the image root.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_NAMES } from '../../scripts/test-images/fixture-images.ts';

const GRADERS = join(import.meta.dirname, '..', 'fixtures', 'graders');
const SUBMISSIONS = join(import.meta.dirname, '..', 'fixtures', 'submissions');

/** Graders this suite and the README demo rely on (echo-busybox belongs to the image builder). */
const EXPECTED = [
  'coursera-sh', 'coursera-py', 'gradescope-sh', 'gradescope-py', 'run-submission', 'run-submission-py',
  'bad-json', 'score-out-of-range', 'no-feedback', 'no-output', 'feedback-symlink', 'feedback-fifo', 'feedback-huge', 'gradescope-mismatch',
  'echo-payload', 'needs-root', 'needs-part-id',
  'gradescope-utils-py', 'gradescope-junit', 'gradescope-runas-student',
];

const names = readdirSync(GRADERS).filter((name) => existsSync(join(GRADERS, name, 'image.json')));

describe('grader fixtures', () => {
  it('include every grader the tests use', () => {
    expect(names).toEqual(expect.arrayContaining(EXPECTED));
  });

  it.each(names)('%s/image.json has the builder format', (name) => {
    const spec = JSON.parse(readFileSync(join(GRADERS, name, 'image.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(spec).filter((key) => key !== 'chmodRecursive').sort()).toEqual(['base', 'cmd', 'entrypoint', 'env', 'files', 'user', 'workingDir']);
    expect(BASE_NAMES).toContain(spec.base);
    for (const key of ['entrypoint', 'cmd', 'env'] as const) {
      expect(Array.isArray(spec[key]) && (spec[key] as unknown[]).every((s) => typeof s === 'string'), key).toBe(true);
    }
    expect((spec.env as string[]).every((e) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(e))).toBe(true);
    // Empty: no WORKDIR, so the container starts in / (as Coursera's R demo grader does).
    expect(spec.workingDir).toMatch(/^(\/.*)?$/);
    expect(typeof spec.user).toBe('string');
    expect(statSync(join(GRADERS, name, spec.files as string)).isDirectory()).toBe(true);
  });

  it.each(names.filter((n) => EXPECTED.includes(n)))('%s has the program it starts', (name) => {
    const spec = JSON.parse(readFileSync(join(GRADERS, name, 'image.json'), 'utf8')) as { entrypoint: string[]; cmd: string[]; files: string };
    const root = join(GRADERS, name, spec.files);
    const runAutograder = join(root, 'autograder', 'run_autograder');
    if (existsSync(runAutograder)) {
      // Run directly by path: it must be executable in git (mode 100755).
      expect(statSync(runAutograder).mode & 0o111).not.toBe(0);
      return;
    }
    const script = [...spec.entrypoint, ...spec.cmd].find((arg) => arg.startsWith('/grader/'));
    expect(script, 'a /grader/… script in ENTRYPOINT or CMD').toBeDefined();
    expect(existsSync(join(root, script!))).toBe(true);
  });
});

describe('submission fixtures', () => {
  it.each(['sums', 'pyfuncs'])('%s has good, partial, wrong and malformed', (family) => {
    expect(readdirSync(join(SUBMISSIONS, family)).sort()).toEqual(['good', 'malformed', 'partial', 'wrong']);
  });

  it.each([
    ['gradescope-utils-py', 'stats.py', ['good', 'malformed', 'partial']],
    ['gradescope-junit', 'TextUtil.java', ['good', 'malformed', 'partial']],
    ['gradescope-runas-student', 'main.py', ['good', 'hostile', 'malformed', 'partial']],
    ['coursera-r', 'vectors.R', ['good', 'malformed', 'partial']],
  ])('%s has a %s in each of its cases', (grader, file, cases) => {
    expect(readdirSync(join(SUBMISSIONS, grader)).sort()).toEqual(cases);
    for (const name of cases) expect(readdirSync(join(SUBMISSIONS, grader, name)), name).toEqual([file]);
  });

  it('has a main.sh for each hostile case', () => {
    const cases = readdirSync(join(SUBMISSIONS, 'hostile'));
    expect(cases.length).toBeGreaterThanOrEqual(12);
    for (const name of cases) expect(existsSync(join(SUBMISSIONS, 'hostile', name, 'main.sh')), name).toBe(true);
  });
});
