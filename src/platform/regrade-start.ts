/**
 * Starting a regrade: the counting submission of each selected student (`countingWork`), one new
 * grading job per selected part on it — bulk priority, so students' own submissions always go
 * first — all shadow jobs (official-jobs.ts). A regrade makes each result official as it arrives
 * (regrade-results.ts); a dry run keeps them shadow until apply (regrade-close.ts). The same
 * submission rows are regraded, so `submittedAt` and completion dates, and late penalties, stay.
 * One regrade per assignment is open at a time (a unique index; 409 naming the open one).
 */
import type { DbTransaction } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { runInTransaction } from '../db/transaction.ts';
import { countingWork } from './assignment-grades.ts';
import { courseStudents } from './completions.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from './errors.ts';
import { newId } from './ids.ts';
import { PRIORITY_ORDER, type Actor } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';
import { chooseVersions, graderBasis, type ChosenVersion } from './regrade-graders.ts';
import type { Regrade, RegradeGrader, RegradeRequest } from './regrade-model.ts';
import { expireIfStale } from './regrade-close.ts';
import { regradeRow, regradeView } from './regrade-state.ts';

/** Rows per INSERT: far below both dialects' bound-parameter limits. */
const INSERT_CHUNK = 400;

function checkedGrader(grader: unknown): RegradeGrader {
  if (grader === undefined || grader === null) return { kind: 'published' };
  const g = grader as Partial<{ kind: string; number: unknown }>;
  if (g.kind === 'published' || g.kind === 'draft') return { kind: g.kind };
  if (g.kind === 'version' && typeof g.number === 'number' && Number.isInteger(g.number) && g.number >= 1) return { kind: 'version', number: g.number };
  throw new InvalidInput("grader must be { kind: 'published' }, { kind: 'draft' } or { kind: 'version', number: N } with N ≥ 1");
}

function checkedNames(names: unknown, what: string): string[] | null {
  if (names === undefined || names === null) return null;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n !== '')) throw new InvalidInput(`${what} must be a list of names`);
  return names.length === 0 ? null : [...new Set(names as string[])];
}

/**
 * Staff with `author`: TAs may start dry runs (like author tests, students see nothing); a regrade
 * that changes grades at once is for instructors. Students: 403.
 */
export async function startRegrade(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, request: RegradeRequest = {}): Promise<Regrade> {
  requireScope(actor, 'author');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${courseId} may regrade`);
  const dryRun = request.dryRun === true;
  if (!dryRun && !access.instructor) throw new Forbidden(`only instructors of ${courseId} may regrade without a dry run; TAs may start one (--dry-run) for an instructor to apply`);
  const grader = checkedGrader(request.grader);
  if (grader.kind === 'draft' && !dryRun) throw new InvalidInput('regrading with the draft needs a dry run (--dry-run): applying it publishes the draft');
  const students = checkedNames(request.students, 'students');
  const parts = checkedNames(request.parts, 'parts');

  const at = ctx.now().toISOString();
  const id = newId('rg');
  try {
    await runInTransaction(ctx.db, async (tx) => {
      const assignment = await tx.selectFrom('assignments').select('trigger').where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirstOrThrow();
      const allParts = (await tx.selectFrom('parts').select('id').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).orderBy('position').execute()).map((p) => p.id);
      const unknownParts = (parts ?? []).filter((p) => !allParts.includes(p));
      if (unknownParts.length > 0) throw new NotFound(`${courseId}/${assignmentId} has no part ${unknownParts.map((p) => `'${p}'`).join(', ')} (its parts: ${allParts.join(', ')})`);
      const enrolled = await courseStudents(tx, courseId);
      const unknownStudents = (students ?? []).filter((s) => !enrolled.includes(s));
      if (unknownStudents.length > 0) throw new NotFound(`no student ${unknownStudents.map((s) => `'${s}'`).join(', ')} in ${courseId}`);
      const versions = await chooseVersions(tx, courseId, assignmentId, parts ?? allParts, grader, parts !== null);
      const work: Array<{ login: string; submissionId: string }> = [];
      for (const login of students ?? enrolled) {
        const counting = await countingWork(tx, { courseId, assignmentId, login }, assignment.trigger);
        if (counting?.submissionId) work.push({ login, submissionId: counting.submissionId });
      }
      if (work.length === 0) {
        throw new Conflict('nothing-to-regrade', `no selected student of ${courseId}/${assignmentId} has a submission that counts: nothing to regrade`);
      }
      await expireIfStale(tx, courseId, assignmentId, ctx.now());
      await tx
        .insertInto('regrades')
        .values({
          id,
          course_id: courseId,
          assignment_id: assignmentId,
          selection: JSON.stringify({ students, parts }),
          grader: JSON.stringify(grader),
          versions: JSON.stringify(Object.fromEntries(versions.map((v) => [v.partId, v.id]))),
          basis: JSON.stringify(await graderBasis(tx, courseId, assignmentId, versions.map((v) => v.partId))),
          dry_run: dryRun ? 1 : 0,
          state: 'running',
          open: 1,
          total: work.length * versions.length,
          created_by: actor.login,
          created_at: at,
          finished_at: null,
          closed_by: null,
          closed_at: null,
        })
        .execute();
      await queueRegradeJobs(tx, ctx, { id, courseId, work, versions, at });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const open = await ctx.db.selectFrom('regrades').select(['id', 'dry_run', 'state', 'created_by']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).where('open', '=', 1).executeTakeFirst();
    const what = open ? `${open.dry_run === 1 ? 'dry run' : 'regrade'} ${open.id} (${open.state}, by ${open.created_by})` : 'another regrade';
    throw new Conflict('regrade-open', `${courseId}/${assignmentId} already has an open ${what}: wait for it, cancel it, or apply or discard it first`, open ? { regradeId: open.id } : undefined);
  }
  return regradeView(ctx.db, await regradeRow(ctx.db, id), ctx.now());
}

interface RegradeJobs {
  id: string;
  courseId: string;
  work: ReadonlyArray<{ login: string; submissionId: string }>;
  versions: readonly ChosenVersion[];
  at: string;
}

async function queueRegradeJobs(tx: DbTransaction, ctx: PlatformContext, jobs: RegradeJobs): Promise<void> {
  const all = jobs.work.flatMap(({ login, submissionId }) => jobs.versions.map((version) => ({ id: newId('job'), login, submissionId, version })));
  for (let i = 0; i < all.length; i += INSERT_CHUNK) {
    const chunk = all.slice(i, i + INSERT_CHUNK);
    await tx
      .insertInto('grading_jobs')
      .values(
        chunk.map(({ id, submissionId, version }) => ({
          id,
          submission_id: submissionId,
          part_id: version.partId,
          grader_version_id: version.id,
          priority: 'bulk',
          phase: 'queued',
          queued_at: jobs.at,
          attempts: 0,
          regrade_id: jobs.id,
          shadow: 1,
        })),
      )
      .execute();
    await ctx.queue.enqueue(
      tx,
      chunk.map(({ id, login, version }) => ({ jobId: id, priority: PRIORITY_ORDER.bulk, owner: login, course: jobs.courseId, cpus: version.cpus, memoryMiB: version.memoryMiB })),
    );
  }
}
