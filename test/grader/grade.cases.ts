/**
 * Real graders in a real sandbox, shared by every backend (grade.integration.test.ts runs them on
 * `oci`, grade.docker.test.ts on `docker`): the fixture images (<TEST_IMAGES_DIR>/<grader>.tar,
 * built by scripts/build-test-images.ts in the global setup) through `grade()`, good, partial and
 * hostile submissions alike, with a leftover check around every grading. Skips cleanly where the
 * backend cannot run or an image is missing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { GradeResult } from '../../src/grader/grade-result.ts';
import { grade, type GradeOptions } from '../../src/grader/grade.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import type { ImageRecord } from '../../src/image/image.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';
import { TEST_IMAGES_DIR } from '../../scripts/build-test-images.ts';
import { newLeftovers } from '../support/leftovers.ts';
import { makeOddSubmission } from '../support/odd-submission.ts';

/** One sandbox backend under test. */
export interface GradeBackend {
  name: string;
  /** Why the backend cannot run here; the cases then skip. */
  unavailable: string | undefined;
  /**
   * Makes the backend's sandbox, with its state under `work`, for images imported into `store`,
   * and a snapshot of everything its runs could leave behind.
   */
  setup(work: string, store: ImageStore): Promise<{ sandbox: Sandbox; leftovers: () => Promise<string[]> }>;
}

const REPO = join(import.meta.dirname, '..', '..');
const SUBMISSIONS = join(REPO, 'test/fixtures/submissions');
const FEEDBACK = '/shared/feedback.json';
const RESULTS = '/autograder/results/results.json';

function imageTar(name: string): string {
  return inject('testImages')?.[name] ?? join(TEST_IMAGES_DIR, `${name}.tar`);
}

/** Defines every grading case for `backend`. */
export function defineGradeCases(backend: GradeBackend): void {
  describe(`grading on ${backend.name}`, () => {
    const ready = backend.unavailable === undefined;
    const hasImage = (name: string): boolean => ready && existsSync(imageTar(name));

    let work: string;
    let sandbox: Sandbox;
    let leftovers: () => Promise<string[]>;
    let store: ImageStore;
    const images = new Map<string, Promise<{ record: ImageRecord; rootfs: string }>>();

    beforeAll(async () => {
      if (!ready) return;
      work = await mkdtemp(join(tmpdir(), `gradebox-grade-${backend.name}-`));
      // Its own store: nothing shared with concurrent runs of other suites (a few seconds of unpacking).
      store = new ImageStore(join(work, 'store'));
      ({ sandbox, leftovers } = await backend.setup(work, store));
    });

    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    /** Grades, and fails the test if the grading left a process, mount, cgroup, container or runtime state behind. */
    async function run(grader: string, submissionDir: string, extra: Partial<GradeOptions> = {}): Promise<GradeResult> {
      let image = images.get(grader);
      if (!image) {
        image = store.import(imageTar(grader)).then(async (record) => ({ record, rootfs: await store.rootfs(record) }));
        images.set(grader, image);
      }
      const { record, rootfs } = await image;
      const before = await leftovers();
      const result = await grade({ image: record, rootfs, submissionDir, limits: { timeoutSeconds: 60, memoryMiB: 256 }, ...extra }, { sandbox });
      expect(newLeftovers(before, await leftovers())).toEqual([]);
      return result;
    }

    const sub = (family: string, name: string): string => join(SUBMISSIONS, family, name);

    describe.skipIf(!hasImage('coursera-sh'))('coursera-sh (feedback file, busybox)', () => {
      it.each([
        ['good', 1, 'Line 1 is right; line 2 is right.'],
        ['partial', 0.5, 'Line 1 is right; line 2 should be the sum of the squares of 1 to 10.'],
        ['wrong', 0, 'Line 1 should be the sum of 1 to 10; line 2 should be the sum of the squares of 1 to 10.'],
        ['malformed', 0, 'answer.txt is missing: write the two sums on two lines.'],
      ])('%s → %d', async (name, score, text) => {
        const result = await run('coursera-sh', sub('sums', name));
        expect(result).toMatchObject({ protocol: 'coursera', status: 'graded', score, feedback: { text, format: 'text' }, errors: [], warnings: [] });
        expect(result.output.visibleToStudents).toBe(false);
      });

      it('passes CMD and "partId ID" without args, the args instead of CMD, and the Coursera env', async () => {
        const plain = await run('coursera-sh', sub('sums', 'good'), { partId: 'sums', userId: 'u1' });
        expect(plain.output.stdout.text).toContain('grading part sums for user u1 (answer.txt); arguments: from-cmd partId sums\n');
        const withArgs = await run('coursera-sh', sub('sums', 'good'), { args: ['p2', 'extra'] });
        expect(withArgs.output.stdout.text).toContain('arguments: p2 extra');
      });
    });

    describe.skipIf(!hasImage('coursera-py'))('coursera-py (report on stdout, python)', () => {
      it.each([
        ['good', 1],
        ['partial', 0.5],
        ['wrong', 0],
      ])('%s → %d', async (name, score) => {
        const result = await run('coursera-py', sub('pyfuncs', name));
        expect(result).toMatchObject({ status: 'graded', score, errors: [], warnings: [] });
        expect(result.feedback.text).toMatch(new RegExp(`^${score * 4}/4 tests passed`));
      });

      it('malformed → 0 with the syntax error', async () => {
        const result = await run('coursera-py', sub('pyfuncs', 'malformed'));
        expect(result).toMatchObject({ status: 'graded', score: 0 });
        expect(result.feedback.text).toContain('SyntaxError');
      });
    });

    describe.skipIf(!hasImage('gradescope-sh'))('gradescope-sh (auto-detected, busybox)', () => {
      it.each([
        ['good', 1, 10],
        ['partial', 0.6, 6],
        ['wrong', 0.2, 2],
        ['malformed', 0, 0],
      ])('%s → %d', async (name, score, earned) => {
        const result = await run('gradescope-sh', sub('sums', name));
        expect(result).toMatchObject({ protocol: 'gradescope', status: 'graded', score, points: { earned, possible: 10 }, errors: [], warnings: [] });
        expect(result.tests.map((t) => [t.name, t.visibility])).toEqual([
          ['Sum of 1 to 10', 'visible'], ['Sum of squares', 'visible'], ['Exactly two lines', 'hidden'],
        ]);
        expect(result.output.visibleToStudents).toBe(false);
      });

      it('gives the grader its submission metadata', async () => {
        const result = await run('gradescope-sh', sub('sums', 'good'), { assignment: { title: 'Sums', totalPoints: 10 } });
        expect(result.output.stdout.text).toContain('"title": "Sums"');
        expect(result.output.stdout.text).toContain('"total_points": "10.0"');
      });
    });

    describe.skipIf(!hasImage('gradescope-py'))('gradescope-py (auto-detected, python)', () => {
      it.each([
        ['good', 1],
        ['partial', 0.5],
        ['wrong', 0],
        ['malformed', 0],
      ])('%s → %d', async (name, score) => {
        const result = await run('gradescope-py', sub('pyfuncs', name), { assignment: { title: 'Functions' } });
        expect(result).toMatchObject({ protocol: 'gradescope', status: 'graded', score, points: { earned: score * 4, possible: 4 }, errors: [] });
        expect(result.tests.map((t) => t.visibility)).toEqual(['visible', 'visible', 'visible', 'after_published']);
        expect(result.output).toMatchObject({ visibleToStudents: true, visibility: 'visible' });
        expect(result.output.stdout.text).toContain('grading submission 1 of Functions');
        expect(result.leaderboard).toEqual([{ name: 'tests passed', value: score * 4 }]);
      });
    });

    describe('graders with bad output', () => {
      const good = sub('sums', 'good');
      it.each([
        ['bad-json', [`${FEEDBACK} is not JSON: unexpected "}" after a comma at line 1 column 53 (trailing commas are not allowed)`]],
        ['score-out-of-range', [`${FEEDBACK}: fractionalScore must be at most 1, but it is the number 1.5`]],
        ['no-feedback', [`${FEEDBACK}: feedback is missing; it is the text shown to the student (use "" for none)`]],
        ['no-output', [`${FEEDBACK} was not written, and stdout is empty`, 'the grader exited with code 1 (see its stderr)']],
      ])('%s → grader-error with the exact fault', async (grader, errors) => {
        if (!hasImage(grader)) return;
        const result = await run(grader, good);
        expect(result).toMatchObject({ status: 'grader-error', score: null, errors });
      });

      it.skipIf(!hasImage('gradescope-mismatch'))("gradescope-mismatch → graded: the top-level score overrides the tests' sum, as on Gradescope", async () => {
        const result = await run('gradescope-mismatch', good);
        expect(result).toMatchObject({
          status: 'graded', score: 1, points: { earned: 10, possible: 10 }, errors: [],
          warnings: [`${RESULTS}: the top-level score 10 differs from the sum of the tests' scores 7; the top-level score is used, as on Gradescope`],
        });
      });

      it.each([
        ['feedback-symlink', /symbolic link/],
        ['feedback-fifo', /FIFO|regular file/i],
        ['feedback-huge', /2147483648 bytes/],
      ])('%s → grader-error from the refused file, never the stdout decoy', async (grader, why) => {
        if (!hasImage(grader)) return;
        const result = await run(grader, good);
        expect(result).toMatchObject({ status: 'grader-error', score: null });
        expect(result.errors).toHaveLength(1);
        expect(result.errors[0]).toMatch(new RegExp(`^${FEEDBACK}: `));
        expect(result.errors[0]).toMatch(why);
        expect(result.run.wallMs).toBeLessThan(30_000);
      });
    });

    describe('results as Gradescope accepts them, and results too big to keep', () => {
      const good = sub('sums', 'good');

      it.skipIf(!hasImage('gradescope-bare-score'))('a bare score without tests: out of the part\'s points, else in points only', async () => {
        const outOf10 = await run('gradescope-bare-score', good, { assignment: { totalPoints: 10 } });
        expect(outOf10).toMatchObject({ status: 'graded', score: 0.7, points: { earned: 7, possible: 10 }, feedback: { text: expect.stringMatching(/^Compilation failed/) as unknown } });
        expect(outOf10.warnings).toEqual([`${RESULTS}: execution_time is the string "0.05"; it is read as the number 0.05 (write it without quotes)`]);
        const unknown = await run('gradescope-bare-score', good);
        expect(unknown).toMatchObject({ status: 'graded', score: null, points: { earned: 7, possible: null } });
      });

      it.skipIf(!hasImage('gradescope-huge'))('1.5 million empty tests → one grader-error message, and a small result', async () => {
        const result = await run('gradescope-huge', good);
        expect(result).toMatchObject({
          status: 'grader-error',
          errors: [`${RESULTS}: tests has 1500000 entries; gradebox accepts at most 10000 tests per result (group related checks into one test, with the details in its output)`],
          tests: [],
        });
        expect(JSON.stringify(result).length).toBeLessThan(100_000);
      });

      it.skipIf(!hasImage('gradescope-deep'))('extra_data nested a million levels deep → one grader-error message, and it serializes', async () => {
        const result = await run('gradescope-deep', good);
        expect(result).toMatchObject({ status: 'grader-error', errors: [expect.stringContaining(`${RESULTS} nests arrays and objects more than 64 levels deep`) as unknown] });
        expect(() => JSON.stringify(result)).not.toThrow();
      });

      it.skipIf(!hasImage('gradescope-large'))('10000 tests with 4 MB of outputs: graded whole', async () => {
        const result = await run('gradescope-large', good);
        expect(result).toMatchObject({ status: 'graded', score: 0.5, points: { earned: 5000, possible: 10000 }, errors: [], warnings: [] });
        expect(result.tests).toHaveLength(10_000);
      });
    });

    describe.skipIf(!hasImage('run-submission'))('hostile submissions (run-submission)', () => {
      const limits = { timeoutSeconds: 4, memoryMiB: 64, pids: 64, outputLimitBytes: 1024 * 1024, tmpMiB: 16, writableMiB: 32 };
      const hostile = (name: string, extra: Partial<GradeOptions> = {}): Promise<GradeResult> =>
        run('run-submission', join(SUBMISSIONS, 'hostile', name), { limits, ...extra });
      // The timeout plus the sandbox's grace for SIGTERM → SIGKILL and cleanup.
      const bounded = 20_000;

      it.each(['infinite-loop', 'sleep-past-timeout', 'sigterm-ignore'])('%s → timeout', async (name) => {
        const result = await hostile(name);
        expect(result).toMatchObject({ status: 'timeout', score: null, errors: ['the run passed the wall-clock limit of 4 seconds and was killed'] });
        expect(result.run.wallMs).toBeLessThan(bounded);
      });

      it('memory-bomb → out-of-memory', async () => {
        const result = await hostile('memory-bomb');
        expect(result).toMatchObject({ status: 'out-of-memory', score: null });
      });

      it.each(['stdout-flood', 'stderr-flood'])('%s → output-limit', async (name) => {
        const result = await hostile(name);
        expect(result).toMatchObject({ status: 'output-limit', score: null });
        expect(result.run.wallMs).toBeLessThan(bounded);
      });

      it('fork-bomb ends within the limits', async () => {
        const result = await hostile('fork-bomb');
        expect(['graded', 'timeout']).toContain(result.status);
        expect(result.run.wallMs).toBeLessThan(bounded);
      });

      it.each([
        ['disk-fill', limits.writableMiB],
        ['tmp-fill', limits.tmpMiB],
      ])('%s stops at its limit with no space and is graded 0', async (name, mib) => {
        const result = await hostile(name);
        expect(result).toMatchObject({ status: 'graded', score: 0 });
        expect(result.output.stderr.text).toMatch(/No space left on device/);
        const written = Number(/wrote (\d+) KiB/.exec(result.output.stdout.text)?.[1]);
        expect(written).toBeGreaterThan(0);
        expect(written).toBeLessThanOrEqual((mib + 4) * 1024);
      });

      it('network → blocked', async () => {
        const result = await hostile('network');
        expect(result.status).toBe('graded');
        expect(result.output.stdout.text).toContain('blocked: 127.0.0.1:5432');
        expect(result.output.stdout.text).toContain('blocked: 1.1.1.1:53');
        expect(result.output.stdout.text).not.toContain('CONNECTED');
      });

      it('setsid-survivor → graded at once; its survivors do not hold the run', async () => {
        const result = await hostile('setsid-survivor');
        // Graded, not timeout: had its survivors held the run, it would have ended at the limit.
        expect(result).toMatchObject({ status: 'graded', score: 1 });
      });

      it.skipIf(!hasImage('run-submission-py'))('thread-bomb (python) ends within the limits', async () => {
        const result = await run('run-submission-py', join(SUBMISSIONS, 'hostile', 'thread-bomb'), { limits });
        expect(['timeout', 'out-of-memory']).toContain(result.status);
        expect(result.run.wallMs).toBeLessThan(bounded);
      });

      it('links and odd names are copied as they are and resolve inside the container', async () => {
        const dir = await mkdtemp(join(work, 'odd-'));
        await makeOddSubmission(dir);
        const result = await run('run-submission', dir, { limits });
        expect(result).toMatchObject({ status: 'graded', score: 1 });
        const out = result.output.stdout.text;
        expect(out).toContain('entry: ./with space.txt');
        expect(out).toContain('entry: ./new\nline.txt');
        expect(out).toContain('dash: contents of "-rf"');
        expect(out).toContain('nested: deep inside');
        // /etc/shadow and .. are the container's, not the host's.
        expect(out).not.toContain('root:$');
        expect(out).not.toMatch(/up: .*gradebox-grade-/);
      });
    });
  });
}
