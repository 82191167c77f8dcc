/**
 * Submissions as the API returns them: rows of one assignment plus their files, newest job per
 * part and results, filtered for the viewer. Loads in a few batched queries, not one per row.
 * Files are in manifest order (UTF-8 bytes), the same on both dialects whatever the collation.
 */
import type { Selectable } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import type { GradingJobsTable, ResultsTable, SubmissionsTable } from '../db/tables.ts';
import { sortManifest } from '../intake/manifest.ts';
import type { PartOutcome, Submission, SubmissionStatus } from './model.ts';
import { resultView, type Viewer } from './result-views.ts';
import { jobFromRow } from './rows.ts';

/** Bound parameters per `IN (…)` list: far below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

async function inChunks<T>(ids: readonly string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await load(ids.slice(i, i + CHUNK))));
  return out;
}

/** The newest job of each part (a regrade adds jobs), in the order given. */
export function newestJobPerPart(jobs: ReadonlyArray<Selectable<GradingJobsTable>>): Array<Selectable<GradingJobsTable>> {
  const newest = new Map<string, Selectable<GradingJobsTable>>();
  for (const job of jobs) {
    const seen = newest.get(job.part_id);
    if (!seen || job.queued_at > seen.queued_at || (job.queued_at === seen.queued_at && job.id > seen.id)) newest.set(job.part_id, job);
  }
  return [...newest.values()];
}

/** `graded` once the newest job of every part has a result. */
export async function submissionStatus(db: DbExecutor, submissionId: string): Promise<SubmissionStatus> {
  const jobs = await db.selectFrom('grading_jobs').selectAll().where('submission_id', '=', submissionId).execute();
  const results = await db.selectFrom('results').select('job_id').where('submission_id', '=', submissionId).execute();
  const done = new Set(results.map((r) => r.job_id));
  return newestJobPerPart(jobs).every((job) => done.has(job.id)) ? 'graded' : 'grading';
}

export interface ViewRequest {
  courseId: string;
  assignmentId: string;
  viewer: Viewer;
  now: Date;
}

/** The API objects for `rows`, all of one assignment, in the order given. */
export async function submissionViews(db: DbExecutor, rows: ReadonlyArray<Selectable<SubmissionsTable>>, request: ViewRequest): Promise<Submission[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const assignment = await db
    .selectFrom('assignments')
    .select('deadline')
    .where('course_id', '=', request.courseId)
    .where('id', '=', request.assignmentId)
    .executeTakeFirst();
  const parts = await db
    .selectFrom('parts')
    .select(['id', 'points', 'position'])
    .where('course_id', '=', request.courseId)
    .where('assignment_id', '=', request.assignmentId)
    .execute();
  const files = await inChunks(ids, (chunk) => db.selectFrom('submission_files').selectAll().where('submission_id', 'in', chunk).execute());
  const jobs = await inChunks(ids, (chunk) => db.selectFrom('grading_jobs').selectAll().where('submission_id', 'in', chunk).execute());
  const results = await inChunks(ids, (chunk) => db.selectFrom('results').selectAll().where('submission_id', 'in', chunk).execute());

  const partById = new Map(parts.map((p) => [p.id, p]));
  const resultByJob = new Map<string, Selectable<ResultsTable>>(results.map((r) => [r.job_id, r]));
  const deadline = assignment?.deadline ?? null;
  const filesOf = Map.groupBy(files, (f) => f.submission_id);
  const jobsOf = Map.groupBy(jobs, (j) => j.submission_id);

  return rows.map((row) => {
    const outcomes: PartOutcome[] = newestJobPerPart(jobsOf.get(row.id) ?? [])
      .sort((a, b) => (partById.get(a.part_id)?.position ?? 0) - (partById.get(b.part_id)?.position ?? 0))
      .map((job) => {
        const points = partById.get(job.part_id)?.points ?? 0;
        const result = resultByJob.get(job.id);
        return {
          partId: job.part_id,
          points,
          job: request.viewer === 'staff' ? jobFromRow(job) : null,
          result: result ? resultView(request.viewer, result, { points, deadline, now: request.now }) : null,
        };
      });
    return {
      id: row.id,
      courseId: row.course_id,
      assignmentId: row.assignment_id,
      login: row.login,
      digest: row.digest,
      submittedAt: row.submitted_at,
      files: sortManifest((filesOf.get(row.id) ?? []).map((f) => ({ path: f.path, size: f.size, digest: f.digest }))),
      totalBytes: row.total_bytes,
      kind: row.kind as Submission['kind'],
      status: outcomes.every((o) => o.result !== null) ? 'graded' : 'grading',
      parts: outcomes,
    };
  });
}
