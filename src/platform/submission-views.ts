/**
 * Submissions as the API returns them: rows of one assignment plus their files, newest job per
 * part and results, filtered for the viewer. Loads in a few batched queries, not one per row.
 * Files are in manifest order (UTF-8 bytes), the same on both dialects whatever the collation.
 */
import type { Selectable } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import type { GradingJobsTable, PartsTable, ResultsTable, SubmissionFilesTable, SubmissionsTable } from '../db/tables.ts';
import { sortManifest } from '../intake/manifest.ts';
import type { PartOutcome, Submission, SubmissionStatus } from './model.ts';
import { isPublished, scoresVisible, type ReleaseColumns } from './release-state.ts';
import { resultView, type Viewer } from './result-views.ts';
import { officialJob } from './official-jobs.ts';
import { jobFromRow } from './rows.ts';

/** Bound parameters per `IN (…)` list: far below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

async function inChunks<T>(ids: readonly string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await load(ids.slice(i, i + CHUNK))));
  return out;
}

/** The newest job of each part (a regrade adds jobs), in the order given. */
export function newestJobPerPart<J extends Pick<Selectable<GradingJobsTable>, 'id' | 'part_id' | 'queued_at'>>(jobs: readonly J[]): J[] {
  const newest = new Map<string, J>();
  for (const job of jobs) {
    const seen = newest.get(job.part_id);
    if (!seen || job.queued_at > seen.queued_at || (job.queued_at === seen.queued_at && job.id > seen.id)) newest.set(job.part_id, job);
  }
  return [...newest.values()];
}

/** `graded` once the newest job of every part has a result. */
export async function submissionStatus(db: DbExecutor, submissionId: string): Promise<SubmissionStatus> {
  const jobs = await db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.part_id', 'j.queued_at', 'r.job_id as resultJobId'])
    .where('j.submission_id', '=', submissionId)
    .where(officialJob('j'))
    .execute();
  const done = new Set(jobs.filter((j) => j.resultJobId !== null).map((j) => j.id));
  return statusOf(newestJobPerPart(jobs), done);
}

/** No job at all: held until completion (part feedback `on-completion`); else graded once every newest job has a result. */
function statusOf(newest: ReadonlyArray<{ id: string }>, done: ReadonlySet<string>): SubmissionStatus {
  if (newest.length === 0) return 'awaiting-completion';
  return newest.every((job) => done.has(job.id)) ? 'graded' : 'grading';
}

export interface ViewRequest {
  courseId: string;
  assignmentId: string;
  viewer: Viewer;
  now: Date;
}

/** What views of an assignment's submissions are made of (see assembleViews). */
export interface ViewData {
  deadline: string | null;
  /**
   * The assignment's release columns, for what students see (release-state.ts); absent (a
   * submission just recorded, which has no result yet): nothing released.
   */
  release?: ReleaseColumns;
  /** Students' own deadlines (extensions) among the rows' logins, for `after_due_date`. */
  extensions?: ReadonlyArray<{ login: string; until: string }>;
  parts: ReadonlyArray<Pick<Selectable<PartsTable>, 'id' | 'points' | 'position'>>;
  files: ReadonlyArray<Selectable<SubmissionFilesTable>>;
  jobs: ReadonlyArray<Selectable<GradingJobsTable>>;
  results: ReadonlyArray<Selectable<ResultsTable>>;
}

/** The API objects for `rows`, all of one assignment, in the order given. */
export async function submissionViews(db: DbExecutor, rows: ReadonlyArray<Selectable<SubmissionsTable>>, request: ViewRequest): Promise<Submission[]> {
  if (rows.length === 0) return [];
  return assembleViews(rows, await loadViewData(db, rows, request), request);
}

/** What the views of `rows` (all of one assignment) are made of, in a few batched queries. */
export async function loadViewData(db: DbExecutor, rows: ReadonlyArray<Selectable<SubmissionsTable>>, request: ViewRequest): Promise<ViewData> {
  const ids = rows.map((r) => r.id);
  // The deadline comes along with the parts (an assignment without parts gives one row of nulls).
  const assignment = await db
    .selectFrom('assignments as a')
    .leftJoin('parts as p', (join) => join.onRef('p.course_id', '=', 'a.course_id').onRef('p.assignment_id', '=', 'a.id'))
    .select(['a.deadline', 'a.release_mode', 'a.release_at', 'a.released_at', 'p.id', 'p.points', 'p.position'])
    .where('a.course_id', '=', request.courseId)
    .where('a.id', '=', request.assignmentId)
    .execute();
  const parts = assignment.flatMap(({ id, points, position }) => (id !== null && points !== null && position !== null ? [{ id, points, position }] : []));
  const files = await inChunks(ids, (chunk) => db.selectFrom('submission_files').selectAll().where('submission_id', 'in', chunk).execute());
  const jobs = await inChunks(ids, (chunk) => db.selectFrom('grading_jobs').selectAll().where('submission_id', 'in', chunk).where(officialJob()).execute());
  const results = await inChunks(ids, (chunk) => db.selectFrom('results').selectAll().where('submission_id', 'in', chunk).execute());
  // Only students' views depend on their own deadlines.
  const logins = request.viewer === 'student' ? [...new Set(rows.map((r) => r.login))] : [];
  const extensions = await inChunks(logins, (chunk) =>
    db
      .selectFrom('extensions')
      .select(['login', 'until'])
      .where('course_id', '=', request.courseId)
      .where('assignment_id', '=', request.assignmentId)
      .where('login', 'in', chunk)
      .execute(),
  );
  const first = assignment[0];
  // No row: the assignment is gone; nothing is released then.
  const release = first ? { release_mode: first.release_mode, release_at: first.release_at, released_at: first.released_at } : undefined;
  return { deadline: first?.deadline ?? null, ...(release ? { release } : {}), extensions, parts, files, jobs, results };
}

/** `graded` once the newest job of every part of `row` has a result, from data already loaded. */
export function statusFromData(row: Pick<Selectable<SubmissionsTable>, 'id'>, data: Pick<ViewData, 'jobs' | 'results'>): SubmissionStatus {
  const done = new Set(data.results.map((r) => r.job_id));
  return statusOf(newestJobPerPart(data.jobs.filter((j) => j.submission_id === row.id)), done);
}

/** The API objects for `rows` from data already at hand (a submission just recorded has it all). */
export function assembleViews(rows: ReadonlyArray<Selectable<SubmissionsTable>>, data: ViewData, request: ViewRequest): Submission[] {
  const { parts, files, jobs, results } = data;
  const partById = new Map(parts.map((p) => [p.id, p]));
  const resultByJob = new Map<string, Selectable<ResultsTable>>(results.map((r) => [r.job_id, r]));
  const release = data.release;
  const published = release !== undefined && isPublished(release, request.now);
  const visible = release !== undefined && scoresVisible(release, request.now);
  const extensionOf = new Map((data.extensions ?? []).map((e) => [e.login, e.until]));
  const filesOf = Map.groupBy(files, (f) => f.submission_id);
  const jobsOf = Map.groupBy(jobs, (j) => j.submission_id);

  return rows.map((row) => {
    // The deadline that holds for this student: their extension when it is later (late-policy.ts effectiveTimes).
    const deadline = studentDeadline(data.deadline, extensionOf.get(row.login));
    const outcomes: PartOutcome[] = newestJobPerPart(jobsOf.get(row.id) ?? [])
      .sort((a, b) => (partById.get(a.part_id)?.position ?? 0) - (partById.get(b.part_id)?.position ?? 0))
      .map((job) => {
        const points = partById.get(job.part_id)?.points ?? 0;
        const result = resultByJob.get(job.id);
        return {
          partId: job.part_id,
          points,
          job: request.viewer === 'staff' ? jobFromRow(job) : null,
          result: result ? resultView(request.viewer, result, { points, deadline, now: request.now, published, scoresVisible: visible }) : null,
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
      status: outcomes.length === 0 ? 'awaiting-completion' : outcomes.every((o) => o.result !== null) ? 'graded' : 'grading',
      parts: outcomes,
    };
  });
}

/** The assignment's deadline, or the student's extension when it is later (or the only one). */
export function studentDeadline(deadline: string | null, extendedTo: string | undefined): string | null {
  if (extendedTo === undefined) return deadline;
  if (deadline === null) return extendedTo;
  return Date.parse(extendedTo) > Date.parse(deadline) ? extendedTo : deadline;
}
