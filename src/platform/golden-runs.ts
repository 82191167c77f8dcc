/**
 * Grades the goldens with the assignment's newest drafts, so that `publish` can compare. Each run
 * grades an author-test **copy** of the golden (same file blobs, submitted by the caller), never
 * the pinned submission itself: a student whose work is golden sees nothing change.
 */
import { dialectOf } from '../db/dialect-of.ts';
import { runInTransaction } from '../db/transaction.ts';
import { manifestDigest } from '../intake/manifest.ts';
import type { PlatformContext } from './context.ts';
import { NotFound } from './errors.ts';
import { newestDrafts } from './golden-check.ts';
import { goldenRows } from './golden.ts';
import { queueGrading } from './grading-jobs.ts';
import { newId } from './ids.ts';
import type { Actor, GoldenRunOutcome } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';

/**
 * Staff with `author`: queues, for each golden, one copy graded by every newest draft it was not
 * graded by yet (author-test priority). Idempotent: goldens already graded, or being graded, by
 * the drafts are counted in `upToDate`.
 */
export async function runGoldens(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<GoldenRunOutcome> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'run golden submissions');
  return runInTransaction(ctx.db, async (tx) => {
    // Locked (PostgreSQL) like publish does: two runs at once queue each copy once, and a publish waits for them.
    const assignment = await tx
      .selectFrom('assignments')
      .select('id')
      .where('course_id', '=', courseId)
      .where('id', '=', assignmentId)
      .$if(dialectOf(tx) === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (!assignment) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
    const goldens = await goldenRows(tx, courseId, assignmentId);
    const outcome: GoldenRunOutcome = { runs: [], upToDate: 0 };
    const drafts = await newestDrafts(tx, courseId, assignmentId);
    if (goldens.length === 0 || drafts.length === 0) return { runs: [], upToDate: goldens.length };
    const graders = await tx
      .selectFrom('grader_versions')
      .select(['id', 'cpus', 'memory_mib'])
      .where('id', 'in', drafts.map((d) => d.id))
      .execute();
    const done = await tx.selectFrom('golden_runs').select(['golden_id', 'grader_version_id']).where('golden_id', 'in', goldens.map((g) => g.id)).execute();
    const now = ctx.now().toISOString();
    for (const golden of goldens) {
      const missing = drafts.filter((d) => !done.some((r) => r.golden_id === golden.id && r.grader_version_id === d.id));
      if (missing.length === 0) {
        outcome.upToDate++;
        continue;
      }
      const files = await tx.selectFrom('submission_files').select(['path', 'size', 'digest']).where('submission_id', '=', golden.submission_id).orderBy('path').execute();
      const copy = {
        id: newId('sub'),
        course_id: courseId,
        assignment_id: assignmentId,
        login: actor.login,
        digest: manifestDigest(files),
        submitted_at: now,
        total_bytes: files.reduce((sum, f) => sum + f.size, 0),
        kind: 'author-test',
      };
      await tx.insertInto('submissions').values(copy).execute();
      if (files.length > 0) await tx.insertInto('submission_files').values(files.map((f) => ({ submission_id: copy.id, ...f }))).execute();
      const parts = missing.map((d) => ({ part: { id: d.part_id }, grader: graders.find((g) => g.id === d.id)! }));
      const jobs = await queueGrading(tx, ctx.queue, { submission: { id: copy.id, courseId, login: actor.login }, parts, priority: 'author-test', now });
      await tx
        .insertInto('golden_runs')
        .values(jobs.map((job) => ({ golden_id: golden.id, grader_version_id: job.grader_version_id, part_id: job.part_id, job_id: job.id, submission_id: copy.id, created_at: now })))
        .execute();
      outcome.runs.push({ goldenId: golden.id, label: golden.label, submissionId: copy.id, parts: missing.map((d) => d.part_id) });
    }
    return outcome;
  });
}
