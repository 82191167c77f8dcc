/**
 * The `script` protocol (Codio's grading scripts) in a real sandbox, shared by both backends
 * (script-protocol.integration.test.ts: oci, script-protocol.docker.test.ts: docker): the
 * codio-scripts fixture image through `grade()`, reporting through gradebox's own lib.grade and
 * through curl, the faults and the hostile reports, with a leftover check around every grading.
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
import { localAutogradeEnv } from '../../src/toolkit/grade-local.ts';
import { TEST_IMAGES_DIR } from '../../scripts/build-test-images.ts';
import { newLeftovers } from '../support/leftovers.ts';
import type { GradeBackend } from './grade.cases.ts';

const REPO = join(import.meta.dirname, '..', '..');
const SUBMISSIONS = join(REPO, 'test/fixtures/submissions/codio');
const IMAGE = 'codio-scripts';
const DEADLINE = '2016-11-24T14:30';

function imageTar(name: string): string {
  return inject('testImages')?.[name] ?? join(TEST_IMAGES_DIR, `${name}.tar`);
}

const completed = (date: string): string => localAutogradeEnv(undefined, { completedDate: date });

export function defineScriptCases(backend: GradeBackend): void {
  const ready = backend.unavailable === undefined && existsSync(imageTar(IMAGE));
  describe.skipIf(!ready)(`script protocol on ${backend.name}`, () => {
    let work: string;
    let sandbox: Sandbox;
    let leftovers: () => Promise<string[]>;
    let image: Promise<{ record: ImageRecord; rootfs: string }>;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), `gradebox-script-${backend.name}-`));
      const store = new ImageStore(join(work, 'store'));
      ({ sandbox, leftovers } = await backend.setup(work, store));
      image = store.import(imageTar(IMAGE)).then(async (record) => ({ record, rootfs: await store.rootfs(record) }));
    });

    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    async function gradeScript(script: string, args: string[], submission: string, extra: Partial<GradeOptions> = {}): Promise<GradeResult> {
      const { record, rootfs } = await image;
      return grade({
        image: record, rootfs, submissionDir: join(SUBMISSIONS, submission), protocol: 'script', args,
        script: { path: script, autogradeEnv: completed('2016-11-24T10:00:00.000Z') },
        limits: { memoryMiB: 512 }, ...extra,
      }, { sandbox });
    }

    /** Grades, and fails the test if the grading left a process, mount, cgroup or container behind. */
    async function run(script: string, args: string[], submission = 'right', extra: Partial<GradeOptions> = {}): Promise<GradeResult> {
      const before = await leftovers();
      const result = await gradeScript(script, args, submission, extra);
      expect(newLeftovers(before, await leftovers())).toEqual([]);
      return result;
    }

    describe("Codio's example script, unchanged (send_grade, late factor from the deadline argument)", () => {
      it.each([
        ['right', '2016-11-24T10:00:00.000Z', 1],
        ['right', '2016-11-26T10:00:00.000Z', 0.8],
        ['wrong', '2016-11-27T15:00:00.000Z', 0.16],
      ])('%s, completed %s → %d', async (submission, date, score) => {
        const result = await run('.guides/secure/grade.py', [DEADLINE], submission, { script: { path: '.guides/secure/grade.py', autogradeEnv: completed(date) } });
        expect(result, JSON.stringify([result.errors, result.output])).toMatchObject({ protocol: 'script', status: 'graded', score, errors: [], warnings: [] });
        expect(result.output.visibleToStudents).toBe(false);
        expect(result.run.user).toEqual({ uid: 1000, gid: 1000 });
      });

      it("runs the image's .guides/secure, never one in the submission", async () => {
        const result = await run('.guides/secure/grade.py', [DEADLINE], 'fake-guides');
        expect(result).toMatchObject({ status: 'graded', score: 1 });
        expect(result.output.stdout.text).toContain('grade 100, completed 2016-11-24T10:00:00, -1 days late');
      });
    });

    it('a bash script reporting with curl', async () => {
      const right = await run('/grader/curl.sh', [], 'right');
      expect(right, JSON.stringify(right.output)).toMatchObject({ status: 'graded', score: 1, errors: [] });
      expect(await run('/grader/curl.sh', [], 'wrong')).toMatchObject({ status: 'graded', score: 0.4 });
    });

    it('send_grade_v2 with Markdown feedback, reading the secure folder', async () => {
      const result = await run('/grader/v2-markdown.py', []);
      expect(result).toMatchObject({ status: 'graded', score: 0.75, feedback: { format: 'markdown' }, errors: [] });
      expect(result.feedback.text).toBe('## Nearly there\n\n- **3** of 4 tests pass\n- `sum([])` should be 0\n');
      expect(result.output.stdout.text).toContain("secure folder: the grader's secret");
    });

    it("partial points of a part, with lib.grade and with curl", async () => {
      const points = { assignment: { totalPoints: 10 } };
      expect(await run('/grader/partial.py', ['7'], 'right', points)).toMatchObject({ status: 'graded', score: 0.7, points: { earned: 7, possible: 10 }, feedback: { text: 'partial credit', format: 'text' } });
      expect(await run('/grader/partial.sh', ['3'], 'right', points)).toMatchObject({ status: 'graded', score: 0.3, feedback: { text: 'A grade', format: 'text' } });
      const over = await run('/grader/partial.sh', ['12'], 'right', points);
      expect(over).toMatchObject({ status: 'grader-error', score: null });
      expect(over.errors[0]).toContain("points must be at most the part's 10 points, but it is 12");
    });

    it.each([
      ['out-of-range', 'grade must be a number from 0 to 100 (a percentage), but it is 150'],
      ['abc', 'grade must be a number, but it is "abc"'],
      ['nan', 'grade must be a number, but it is "NaN"'],
      ['malformed', 'grade must be a number, but it is "%ZZ%"'],
      ['none', 'no grade was reported: the script made no report'],
    ])('%s → grader-error', async (mode, message) => {
      const result = await run('/grader/report.sh', [mode]);
      expect(result).toMatchObject({ status: 'grader-error', score: null });
      expect(result.errors.join('\n')).toContain(message);
      expect(result.feedback.text).not.toContain(message);
    });

    it('a payload over 1 MiB is refused as on Codio; a later report counts', async () => {
      const big = await run('/grader/report.sh', ['big']);
      expect(big).toMatchObject({ status: 'grader-error' });
      expect(big.output.stdout.text).toContain('413');
      expect(big.warnings.join('\n')).toContain('over Codio\'s limit of 1048576 bytes');
      const later = await run('/grader/report.sh', ['big-then-ok']);
      expect(later).toMatchObject({ status: 'graded', score: 0.6 });
    });

    it('a flood of reports is cut off and leaves nothing behind', async () => {
      const result = await run('/grader/report.sh', ['flood']);
      expect(result.status).toBe('graded');
      expect(result.score).toBe(0.1);
      expect(result.output.stdout.text).toContain('429');
    });

    it('a script that never ends is stopped at the timeout', async () => {
      const result = await run('/grader/report.sh', ['sleep'], 'right', { limits: { timeoutSeconds: 3, memoryMiB: 512 } });
      expect(result).toMatchObject({ status: 'timeout', score: null });
    });

    it('a missing script is a grader-error that names it', async () => {
      const result = await run('/grader/nope.py', []);
      expect(result).toMatchObject({ status: 'grader-error' });
      expect(result.output.stderr.text).toContain('the grading script /grader/nope.py is not in the image');
    });

    it("a student's code reaches only its own run's endpoint, even with the other run's token", async () => {
      const token = 'same-token-for-both-runs';
      const [attacker, neighbour] = await Promise.all([
        gradeScript('/grader/run-student.sh', ['20'], 'attack', { script: { path: '/grader/run-student.sh', token } }),
        gradeScript('/grader/wait-and-report.sh', ['10', '4'], 'right', { script: { path: '/grader/wait-and-report.sh', token } }),
      ]);
      expect(neighbour).toMatchObject({ status: 'graded', score: 0.1, warnings: [] });
      expect(attacker).toMatchObject({ status: 'graded', score: 0.2 });
      expect(attacker.output.stdout.text).toContain('reported 100 to its own run');
      expect(attacker.output.stdout.text).not.toContain('reached');
    });
  });
}
