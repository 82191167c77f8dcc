/**
 * Ending a regrade: `cancel` (unclaimed jobs leave the queue, running ones may finish), `discard`
 * (a dry run's shadow results are dropped) and `apply` (they become official in one transaction,
 * publishing the draft when the dry run used one). A dry run expires — apply is refused with 409,
 * and it no longer blocks a new one — once the graders of its parts changed since it started
 * (a publish, a new draft) or it is older than DRY_RUN_TTL_MS.
 */
import type { DbExecutor, DbTransaction } from '../db/database.ts';
import { dialectOf } from '../db/dialect-of.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, Forbidden, NotFound } from './errors.ts';
import type { Actor } from './model.ts';
import { courseAccess, hasScope, requireScope, type CourseAccess } from './permissions.ts';
import { graderBasis, type GraderBasis } from './regrade-graders.ts';
import { refreshRegradedGrades } from './regrade-scripts.ts';
import type { Regrade, RegradeGrader } from './regrade-model.ts';
import { DRY_RUN_TTL_MS, regradeRow, regradeView, type RegradeRow } from './regrade-state.ts';

/** Why a dry run can no longer be applied; undefined while it can. */
export async function staleness(db: DbExecutor, row: RegradeRow, now: Date): Promise<string | undefined> {
  if (now.getTime() - Date.parse(row.created_at) > DRY_RUN_TTL_MS) return `it is older than ${DRY_RUN_TTL_MS / 3600_000} hours`;
  const then = JSON.parse(row.basis) as GraderBasis;
  const parts = Object.keys(then.published);
  const current = await graderBasis(db, row.course_id, row.assignment_id, parts);
  for (const part of parts) {
    if (current.published[part] !== then.published[part]) return `the published grader of ${part} changed since it started`;
    if (current.drafts[part] !== then.drafts[part]) return `the grader draft of ${part} changed since it started`;
  }
  return undefined;
}

/** Closes the assignment's open dry run when it has expired (so a new one may start). */
export async function expireIfStale(tx: DbTransaction, courseId: string, assignmentId: string, now: Date): Promise<void> {
  const open = await tx.selectFrom('regrades').selectAll().where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).where('open', '=', 1).executeTakeFirst();
  if (open?.dry_run === 1 && open.state === 'finished' && (await staleness(tx, open, now)) !== undefined) {
    await tx.updateTable('regrades').set({ state: 'expired', open: null }).where('id', '=', open.id).execute();
  }
}

/** The regrade (NotFound, as for a course one is not in, unless the caller is staff of its course) and the caller's access. */
async function staffRegrade(ctx: PlatformContext, actor: Actor, regradeId: string, action: string): Promise<{ row: RegradeRow; access: CourseAccess }> {
  const row = await regradeRow(ctx.db, regradeId);
  const access = await courseAccess(ctx.db, actor, row.course_id).catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound(`no regrade '${regradeId}'`) : error;
  });
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${row.course_id} may ${action}`);
  return { row, access };
}

/** Staff with `read`: one regrade with its progress. */
export async function getRegrade(ctx: PlatformContext, actor: Actor, regradeId: string): Promise<Regrade> {
  requireScope(actor, 'read');
  const { row } = await staffRegrade(ctx, actor, regradeId, 'see regrades');
  return regradeView(ctx.db, row, ctx.now());
}

/** Staff with `read`: an assignment's regrades, newest first. */
export async function listRegrades(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<Regrade[]> {
  requireScope(actor, 'read');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${courseId} may see regrades`);
  const rows = await ctx.db.selectFrom('regrades').selectAll().where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  const out: Regrade[] = [];
  for (const row of rows) out.push(await regradeView(ctx.db, row, ctx.now()));
  return out;
}

/** The row again, locked (PostgreSQL) so that apply, discard and cancel of one regrade run one at a time. */
async function lockedRow(tx: DbTransaction, regradeId: string): Promise<RegradeRow> {
  const row = await tx
    .selectFrom('regrades')
    .selectAll()
    .where('id', '=', regradeId)
    .$if(dialectOf(tx) === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw new NotFound(`no regrade '${regradeId}'`);
  return row;
}

function closedConflict(row: RegradeRow, action: string): Conflict {
  return new Conflict('regrade-closed', `cannot ${action} regrade ${row.id}: it is ${row.state}`, { state: row.state });
}

/**
 * Staff with `author` (a regrade that is no dry run: instructors): takes the regrade's unclaimed
 * jobs out of the queue (running ones may finish; a regrade's results still become official) and
 * marks it `cancelled`. 409 once it has ended.
 */
export async function cancelRegrade(ctx: PlatformContext, actor: Actor, regradeId: string): Promise<Regrade> {
  requireScope(actor, 'author');
  const { row, access } = await staffRegrade(ctx, actor, regradeId, 'cancel regrades');
  if (row.dry_run === 0 && !access.instructor) throw new Forbidden(`only instructors of ${row.course_id} may cancel a regrade`);
  await runInTransaction(ctx.db, async (tx) => {
    const current = await lockedRow(tx, regradeId);
    if (current.state !== 'running') throw closedConflict(current, 'cancel');
    const waiting = await tx
      .selectFrom('grading_jobs as j')
      .leftJoin('results as r', 'r.job_id', 'j.id')
      .select('j.id')
      .where('j.regrade_id', '=', regradeId)
      .where('r.job_id', 'is', null)
      .execute();
    const removed = await ctx.queue.cancel(tx, waiting.map((j) => j.id));
    // Jobs that never ran are forgotten; the counts (total − jobs left) show them as cancelled.
    for (let i = 0; i < removed.length; i += 500) await tx.deleteFrom('grading_jobs').where('id', 'in', removed.slice(i, i + 500)).execute();
    const at = ctx.now().toISOString();
    await tx.updateTable('regrades').set({ state: 'cancelled', open: null, finished_at: at, closed_by: actor.login, closed_at: at }).where('id', '=', regradeId).execute();
  });
  return regradeView(ctx.db, await regradeRow(ctx.db, regradeId), ctx.now());
}

/** Staff with `author`: drops a dry run's shadow results (a running one is cancelled first). 409 for a regrade or an ended dry run. */
export async function discardRegrade(ctx: PlatformContext, actor: Actor, regradeId: string): Promise<Regrade> {
  requireScope(actor, 'author');
  const { row } = await staffRegrade(ctx, actor, regradeId, 'discard dry runs');
  if (row.dry_run === 0) throw new Conflict('not-a-dry-run', `regrade ${regradeId} is no dry run: its results are official as they come; there is nothing to discard`);
  if (row.state === 'running') await cancelRegrade(ctx, actor, regradeId).catch((error: unknown) => {
    // Finished meanwhile: discard it all the same.
    if (!(error instanceof Conflict)) throw error;
  });
  await runInTransaction(ctx.db, async (tx) => {
    const current = await lockedRow(tx, regradeId);
    if (current.state === 'applied' || current.state === 'discarded') throw closedConflict(current, 'discard');
    // Results and jobs still running (a cancelled dry run's) go with their rows: a late result finds no job and is dropped.
    const jobs = tx.selectFrom('grading_jobs').select('id').where('regrade_id', '=', regradeId).where('shadow', '=', 1);
    await tx.deleteFrom('results').where('job_id', 'in', jobs).execute();
    await tx.deleteFrom('grading_jobs').where('regrade_id', '=', regradeId).where('shadow', '=', 1).execute();
    const at = ctx.now().toISOString();
    await tx.updateTable('regrades').set({ state: 'discarded', open: null, closed_by: actor.login, closed_at: at }).where('id', '=', regradeId).execute();
  });
  return regradeView(ctx.db, await regradeRow(ctx.db, regradeId), ctx.now());
}

/** Why `actor` may not apply the dry run (applyRegrade's 403); undefined when they may. */
function applyRefusal(actor: Actor, row: RegradeRow, access: CourseAccess): string | undefined {
  if (!hasScope(actor, 'author')) return `this token lacks the 'author' scope that applying a dry run needs`;
  if (access.instructor) return undefined;
  const publishes = (JSON.parse(row.grader) as RegradeGrader).kind === 'draft';
  return `only instructors of ${row.course_id} may apply a dry run${publishes ? ': applying this one publishes the draft' : ': it changes students\u2019 grades'}`;
}

/**
 * Staff with `read`: why the caller may not apply this regrade (applyRegrade's 403 rule, asked
 * beforehand so that a page can say so instead of offering the button); null when they may.
 * Whether it can be applied now (running, ended, expired) is apply's own 409.
 */
export async function regradeApplyRefusal(ctx: PlatformContext, actor: Actor, regradeId: string): Promise<string | null> {
  requireScope(actor, 'read');
  const { row, access } = await staffRegrade(ctx, actor, regradeId, 'see regrades');
  return applyRefusal(actor, row, access) ?? null;
}

/**
 * Instructors with `author`: makes a finished dry run's shadow results official in one
 * transaction (`applyInTransaction`) and refreshes the affected students' grades; manual
 * overrides (grade_overrides) are not touched. 409: still running, ended, or expired.
 */
export async function applyRegrade(ctx: PlatformContext, actor: Actor, regradeId: string): Promise<Regrade> {
  requireScope(actor, 'author');
  const { row, access } = await staffRegrade(ctx, actor, regradeId, 'apply dry runs');
  const refusal = applyRefusal(actor, row, access);
  if (refusal !== undefined) throw new Forbidden(refusal);
  if (row.dry_run === 0) throw new Conflict('not-a-dry-run', `regrade ${regradeId} is no dry run: its results are official as they come`);
  // The view finishes a dry run whose last result has arrived.
  const view = await regradeView(ctx.db, row, ctx.now());
  if (view.state === 'running') {
    throw new Conflict('regrade-running', `dry run ${regradeId} has not finished (${view.progress.done} of ${view.progress.total} done): wait for it (gradebox regrade status ${regradeId} --wait)`, {
      progress: view.progress,
    });
  }
  const expired = await runInTransaction(ctx.db, (tx) => applyInTransaction(ctx, tx, actor, regradeId));
  if (expired !== undefined) throw new Conflict('regrade-expired', `dry run ${regradeId} has expired: ${expired}; start a new one`);
  return regradeView(ctx.db, await regradeRow(ctx.db, regradeId), ctx.now());
}

/**
 * The apply, in `tx`: checks the dry run is finished and not stale, flips its jobs to official,
 * publishes the drafts it ran, and refreshes each affected student's grade. Returns why it has
 * expired instead (having marked it so, in the same transaction) — the caller answers 409 after
 * the commit. The grade log's `regrade` entries belong here, next to the refresh.
 */
export async function applyInTransaction(ctx: PlatformContext, tx: DbTransaction, actor: Actor, regradeId: string): Promise<string | undefined> {
  const row = await lockedRow(tx, regradeId);
  if (row.state === 'running') throw new Conflict('regrade-running', `dry run ${regradeId} has not finished`);
  if (row.state !== 'finished') throw closedConflict(row, 'apply');
  const at = ctx.now().toISOString();
  const why = await staleness(tx, row, ctx.now());
  if (why !== undefined) {
    await tx.updateTable('regrades').set({ state: 'expired', open: null }).where('id', '=', regradeId).execute();
    return why;
  }
  await tx.updateTable('grading_jobs').set({ shadow: 0 }).where('regrade_id', '=', regradeId).where('shadow', '=', 1).execute();
  if ((JSON.parse(row.grader) as RegradeGrader).kind === 'draft') await publishVersions(tx, row, actor.login, at);
  await tx.updateTable('regrades').set({ state: 'applied', open: null, closed_by: actor.login, closed_at: at }).where('id', '=', regradeId).execute();
  // Each affected student's grade (a `script` method runs again) and its entries in the grade log.
  await refreshRegradedGrades(tx, ctx.queue, row, at, actor.login);
  return undefined;
}

/**
 * The drafts the dry run ran go live, as `publish` (graders.ts) would make them: the version each
 * replaces becomes superseded. (The staleness check made sure they are still each part's newest draft.)
 */
async function publishVersions(tx: DbTransaction, row: RegradeRow, by: string, at: string): Promise<void> {
  const versions = JSON.parse(row.versions) as Record<string, string>;
  for (const [partId, versionId] of Object.entries(versions)) {
    await tx
      .updateTable('grader_versions')
      .set({ status: 'superseded' })
      .where('course_id', '=', row.course_id)
      .where('assignment_id', '=', row.assignment_id)
      .where('part_id', '=', partId)
      .where('status', 'in', ['published', 'draft'])
      .where('id', '!=', versionId)
      .execute();
    await tx.updateTable('grader_versions').set({ status: 'published', published_by: by, published_at: at }).where('id', '=', versionId).execute();
  }
}
