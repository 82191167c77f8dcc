/**
 * A regrade of an assignment graded by its own `script` (autograde: script): once the regraded
 * part results are official — at apply for a dry run, at the regrade's last result otherwise —
 * the script runs again on them, and the grade is its new report.
 */
import { describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/grader/stored-result.ts';
import type { Actor } from '../../src/platform/model.ts';
import { databases, type TestDatabase } from '../support/databases.ts';
import { COURSE, courseFile, file, gradeResult, imageId, type Harness, useHarness } from './helpers.ts';

const ROOM = { cpus: 4, memoryMiB: 8192 };

const reported = (grade: number) => encodeResult(gradeResult({ status: 'graded', score: grade / 100, feedback: { text: `${grade}`, format: 'text' }, protocol: 'script' }));

/** Runs every queued job: parts get `score`, the script reports `script`. */
async function runQueued(h: Harness, score: number, script: number): Promise<void> {
  for (;;) {
    const claimed = await h.queue.claim({ workerId: 'w', free: ROOM, total: ROOM, leaseMs: 60_000 });
    if (!claimed) return;
    await h.store.saveResult(claimed.jobId, claimed.jobId.startsWith('agj_') ? reported(script) : encodeResult(gradeResult({ score })));
    await h.queue.complete(claimed.jobId, 'w');
  }
}

describe.each(databases)('regrading a script-graded assignment on $name', (factory) => {
  let t: TestDatabase;
  let h: Harness;
  useHarness(factory, (world) => ({ t, h } = world));

  it.each([true, false])('runs the script again on the new part results (dry run: %s)', async (dryRun) => {
    await h.platform.applyCourseFile(h.admin, courseFile({
      assignments: [{ id: 'hw1', title: 'Unit 1', trigger: 'completion', autograde: 'script', parts: [{ id: 'p1', points: 10 }] }],
    }));
    await h.platform.createDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', partId: 'p1', imageId: imageId(1) });
    await h.platform.createAutogradeDraft(h.admin, { courseId: COURSE, assignmentId: 'hw1', imageId: imageId(3), script: { path: 'grade.py' } });
    await h.platform.publish(h.admin, COURSE, 'hw1');
    const sam: Actor = await h.actor('sam');
    const ines: Actor = await h.actor('ines');
    await h.platform.submit(sam, { courseId: COURSE, assignmentId: 'hw1', files: [file('a.py')] });
    await h.platform.complete(sam, COURSE, 'hw1');
    await runQueued(h, 0.5, 50);
    expect((await h.platform.listGrades(ines, COURSE, 'hw1', { login: 'sam' }))[0]).toMatchObject({ status: 'graded', rawGrade: 50 });

    h.clock.advance(1000);
    const regrade = await h.platform.startRegrade(ines, COURSE, 'hw1', { dryRun });
    await runQueued(h, 1, 90);
    if (dryRun) {
      expect((await h.platform.listGrades(ines, COURSE, 'hw1', { login: 'sam' }))[0]).toMatchObject({ rawGrade: 50 });
      await h.platform.applyRegrade(ines, regrade.id);
      await runQueued(h, 1, 90);
    }
    expect((await h.platform.listGrades(ines, COURSE, 'hw1', { login: 'sam' }))[0]).toMatchObject({ status: 'graded', rawGrade: 90, pointsEarned: 10 });
    expect(await t.db.selectFrom('autograde_jobs').select('raw_grade').execute()).toEqual([{ raw_grade: 90 }]);
  });
});
