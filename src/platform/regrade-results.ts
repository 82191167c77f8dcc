/**
 * What a stored result of a regrade's job does (called by the grading store, grading-store.ts):
 * a regrade's result becomes official at once and the student's grade is refreshed; a dry run's
 * stays shadow. Either way the regrade is marked finished with its last result. Idempotent, so a
 * duplicate delivery (the first died half-way) makes good what the first left undone.
 */
import type { Db } from '../db/database.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { refreshGradeOfSubmission } from './assignment-grades.ts';
import { runInTransaction } from '../db/transaction.ts';
import { recordGradeChanges } from './grade-changes.ts';
import { refreshRegradedGrades } from './regrade-scripts.ts';
import { finishIfDone } from './regrade-state.ts';

/** True when the result is official now (the submission's listeners may be told). */
export async function regradeResultStored(db: Db, queue: JobQueue, job: { id: string; submission_id: string; regrade_id: string }, at: string): Promise<boolean> {
  const regrade = await db.selectFrom('regrades').select(['id', 'dry_run']).where('id', '=', job.regrade_id).executeTakeFirst();
  if (!regrade) return false;
  const official = regrade.dry_run === 0;
  if (official) {
    await db.updateTable('grading_jobs').set({ shadow: 0 }).where('id', '=', job.id).where('shadow', '=', 1).execute();
    await refreshGradeOfSubmission(db, queue, job.submission_id, at, async (tx, key) => {
      await recordGradeChanges(tx, { now: () => new Date(at) }, { ...key, logins: [key.login] }, 'regrade', null, `regrade ${regrade.id}`);
    });
  }
  // A regrade's last result: a `script` method runs again on the new part results.
  if ((await finishIfDone(db, regrade)) && official) {
    const row = await db.selectFrom('regrades').select(['id', 'course_id', 'assignment_id']).where('id', '=', regrade.id).executeTakeFirstOrThrow();
    await runInTransaction(db, (tx) => refreshRegradedGrades(tx, queue, row, at, null));
  }
  return official;
}
