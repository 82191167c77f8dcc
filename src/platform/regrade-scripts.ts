/**
 * The `script` autograde method keeps one run per student's counting work (autograde-jobs.ts),
 * keyed by the submission and the time that counts, which a regrade leaves as they are: so once a
 * regrade's results are official, the runs of the regraded submissions are forgotten and the
 * students' grades refreshed, which queues the script again on the new part results.
 */
import type { DbTransaction } from '../db/database.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { refreshAssignmentGrade } from './assignment-grades.ts';
import { recordGradeChanges } from './grade-changes.ts';

/**
 * Refreshes the grade of every student whose work the regrade graded (re-running a `script`
 * method) and logs what changed, with cause `regrade` and who applied it (null: the plain
 * regrade's own last result).
 */
export async function refreshRegradedGrades(tx: DbTransaction, queue: JobQueue, regrade: { id: string; course_id: string; assignment_id: string }, now: string, actor: string | null): Promise<void> {
  const work = await tx
    .selectFrom('grading_jobs as j')
    .innerJoin('submissions as s', 's.id', 'j.submission_id')
    .select(['s.login', 's.id as submissionId'])
    .distinct()
    .where('j.regrade_id', '=', regrade.id)
    .orderBy('s.login')
    .execute();
  const assignment = await tx.selectFrom('assignments').select('autograde').where('course_id', '=', regrade.course_id).where('id', '=', regrade.assignment_id).executeTakeFirst();
  if (assignment?.autograde === 'script') {
    const ids = [...new Set(work.map((w) => w.submissionId))];
    for (let i = 0; i < ids.length; i += 500) {
      await tx.deleteFrom('autograde_jobs').where('course_id', '=', regrade.course_id).where('assignment_id', '=', regrade.assignment_id).where('submission_id', 'in', ids.slice(i, i + 500)).execute();
    }
  }
  const logins = [...new Set(work.map((w) => w.login))];
  for (const login of logins) await refreshAssignmentGrade(tx, queue, { courseId: regrade.course_id, assignmentId: regrade.assignment_id, login }, now);
  const scope = { courseId: regrade.course_id, assignmentId: regrade.assignment_id, logins };
  await recordGradeChanges(tx, { now: () => new Date(now) }, scope, 'regrade', actor, `regrade ${regrade.id}`);
}
