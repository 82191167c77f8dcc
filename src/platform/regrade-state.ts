/**
 * Reading a regrade with its progress, derived from its grading jobs (no counters to keep right):
 * done = jobs with a result, failed = results that are failures, cancelled = total − jobs left.
 * A running regrade whose jobs all have results is marked finished here and when its last result
 * is stored (regrade-results.ts), whichever comes first.
 */
import type { Selectable } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import type { RegradesTable } from '../db/tables.ts';
import { NotFound } from './errors.ts';
import type { Regrade, RegradeGrader, RegradeProgress, RegradeState } from './regrade-model.ts';

/** How long a finished dry run may be applied (if its graders stay as they were). */
export const DRY_RUN_TTL_MS = 7 * 24 * 3600 * 1000;

/** Result statuses that are the grading's failure, not the student's: a preview counts them as new failures. */
export const FAILURE_STATUSES: readonly string[] = ['grader-error', 'timeout', 'out-of-memory', 'output-limit'];

export type RegradeRow = Selectable<RegradesTable>;

export async function regradeRow(db: DbExecutor, regradeId: string): Promise<RegradeRow> {
  const row = await db.selectFrom('regrades').selectAll().where('id', '=', regradeId).executeTakeFirst();
  if (!row) throw new NotFound(`no regrade '${regradeId}'`);
  return row;
}

interface JobCounts {
  jobs: number;
  done: number;
  failed: number;
  lastDoneAt: string | null;
}

async function jobCounts(db: DbExecutor, regradeId: string): Promise<JobCounts> {
  const row = await db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('jobs'),
      eb.fn.count<number | string>('r.job_id').as('done'),
      eb.fn.sum<number | string | null>(eb.case().when('r.status', 'in', [...FAILURE_STATUSES]).then(1).else(0).end()).as('failed'),
      eb.fn.max('r.created_at').as('lastDoneAt'),
    ])
    .where('j.regrade_id', '=', regradeId)
    .executeTakeFirstOrThrow();
  return { jobs: Number(row.jobs), done: Number(row.done), failed: Number(row.failed ?? 0), lastDoneAt: row.lastDoneAt ?? null };
}

/** Marks a running regrade finished once every job left has a result; true when this call did. */
export async function finishIfDone(db: DbExecutor, row: Pick<RegradeRow, 'id' | 'dry_run'>, counts?: JobCounts): Promise<boolean> {
  const c = counts ?? (await jobCounts(db, row.id));
  if (c.done < c.jobs) return false;
  const updated = await db
    .updateTable('regrades')
    // A regrade's results are official as they come: nothing stays open. A dry run waits for apply or discard.
    .set({ state: 'finished', finished_at: c.lastDoneAt, ...(row.dry_run === 1 ? {} : { open: null }) })
    .where('id', '=', row.id)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

function progressOf(row: RegradeRow, c: JobCounts, now: Date): RegradeProgress {
  const remaining = c.jobs - c.done;
  const elapsed = now.getTime() - Date.parse(row.created_at);
  // The pace so far (results per second of the regrade's life) covers the workers' parallelism.
  const etaSeconds = row.state === 'running' && c.done > 0 && remaining > 0 ? Math.max(0, Math.round(((elapsed / c.done) * remaining) / 1000)) : null;
  return { total: row.total, done: c.done, failed: c.failed, cancelled: row.total - c.jobs, etaSeconds };
}

/** The API object for a regrade row, with its progress now (finishing it first when its last job is done). */
export async function regradeView(db: DbExecutor, row: RegradeRow, now: Date): Promise<Regrade> {
  let current = row;
  const counts = await jobCounts(db, row.id);
  if (row.state === 'running' && (await finishIfDone(db, row, counts))) current = await regradeRow(db, row.id);
  const selection = JSON.parse(current.selection) as { students: string[] | null; parts: string[] | null };
  return {
    id: current.id,
    courseId: current.course_id,
    assignmentId: current.assignment_id,
    dryRun: current.dry_run === 1,
    state: current.state as RegradeState,
    students: selection.students,
    parts: selection.parts,
    grader: JSON.parse(current.grader) as RegradeGrader,
    versions: JSON.parse(current.versions) as Record<string, string>,
    progress: progressOf(current, counts, now),
    createdBy: current.created_by,
    createdAt: current.created_at,
    finishedAt: current.finished_at,
    closedBy: current.closed_by,
    closedAt: current.closed_at,
    expiresAt: current.dry_run === 1 && current.open === 1 ? new Date(Date.parse(current.created_at) + DRY_RUN_TTL_MS).toISOString() : null,
  };
}
