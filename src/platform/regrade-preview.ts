/**
 * A dry run's preview: per student and part, the official result now and the shadow result, the
 * change in points, the tests whose outcome flipped (by name), manual overrides that apply will
 * leave in place, and a summary. Built from a few set-based queries (the dry run's jobs with their
 * results, the official jobs of the same submissions and their newest results, in chunks; the
 * overrides), whatever the number of students.
 */
import { sql } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import { dialectOf } from '../db/dialect-of.ts';
import type { GradeResult, GradeStatus, TestResult } from '../grader/grade-result.ts';
import { storedJson } from '../grader/stored-result.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, Forbidden, NotFound } from './errors.ts';
import type { Actor } from './model.ts';
import { officialJob } from './official-jobs.ts';
import { courseAccess, requireScope } from './permissions.ts';
import type { FlippedTest, PreviewRow, PreviewSide, PreviewSummary, Regrade, RegradePreview } from './regrade-model.ts';
import { FAILURE_STATUSES, regradeRow, regradeView } from './regrade-state.ts';
import { pointsFor } from './result-views.ts';
import { newestJobPerPart } from './submission-views.ts';

/** Staff with `read`: the preview of a dry run (partial while it runs). 409 for a regrade that is no dry run. */
export async function previewRegrade(ctx: PlatformContext, actor: Actor, regradeId: string): Promise<RegradePreview> {
  requireScope(actor, 'read');
  const row = await regradeRow(ctx.db, regradeId);
  const access = await courseAccess(ctx.db, actor, row.course_id).catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound(`no regrade '${regradeId}'`) : error;
  });
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${row.course_id} may see regrades`);
  if (row.dry_run !== 1) throw new Conflict('not-a-dry-run', `regrade ${regradeId} is no dry run: its results are the official ones (gradebox grades shows them)`);
  return buildPreview(ctx.db, await regradeView(ctx.db, row, ctx.now()));
}

interface ResultColumns {
  status: string | null;
  score: number | null;
  /** The whole result's JSON (PostgreSQL), or null. */
  result: string | null;
  result_gzip: Uint8Array | null;
  /** SQLite: only its `tests`, extracted by the database (json_extract, in C: most of a result is output text). */
  tests: string | null;
}

/**
 * The result columns a preview reads, for results aliased `r`: on SQLite the tests alone (the
 * whole JSON only when it is compressed), on PostgreSQL the JSON as stored.
 */
function resultColumns(db: DbExecutor) {
  const sqlite = dialectOf(db) === 'sqlite';
  return [
    (sqlite ? sql<string | null>`null` : sql<string | null>`${sql.ref('r.result')}`).as('result'),
    sql<Uint8Array | null>`${sql.ref('r.result_gzip')}`.as('result_gzip'),
    (sqlite ? sql<string | null>`case when ${sql.ref('r.result_gzip')} is null then json_extract(${sql.ref('r.result')}, '$.tests') end` : sql<string | null>`null`).as('tests'),
  ] as const;
}

type Outcome = 'passed' | 'failed' | 'missing';

function outcomeOf(test: TestResult): Outcome {
  if (test.status !== null) return test.status;
  if (test.score !== null && test.maxScore !== null) return test.score >= test.maxScore ? 'passed' : 'failed';
  return 'missing';
}

function testsOf(r: ResultColumns): Map<string, Outcome> {
  if (r.status === null) return new Map();
  const tests = r.tests !== null ? (JSON.parse(r.tests) as TestResult[]) : (JSON.parse(storedJson({ json: r.result ?? '', gzip: r.result_gzip })) as Pick<GradeResult, 'tests'>).tests;
  return new Map((tests ?? []).map((t) => [t.name, outcomeOf(t)]));
}

function flipped(before: Map<string, Outcome>, after: Map<string, Outcome>): FlippedTest[] {
  const out: FlippedTest[] = [];
  for (const [name, to] of after) {
    const from = before.get(name) ?? 'missing';
    if (from !== to) out.push({ name, from, to });
  }
  for (const [name, from] of before) if (!after.has(name)) out.push({ name, from, to: 'missing' });
  return out;
}

function side(jobId: string, r: ResultColumns, possible: number): PreviewSide | null {
  if (r.status === null) return null;
  const status = r.status as GradeStatus;
  return { jobId, status, points: pointsFor(status, r.score, possible) ?? 0 };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Bound parameters per `IN (…)` list: far below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

async function inChunks<T>(ids: readonly string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await load(ids.slice(i, i + CHUNK))));
  return out;
}

/** The preview of `regrade` (a dry run) as it stands. */
export async function buildPreview(db: DbExecutor, regrade: Regrade): Promise<RegradePreview> {
  const { courseId, assignmentId, id } = regrade;
  const shadow = await db
    .selectFrom('grading_jobs as j')
    .innerJoin('submissions as s', 's.id', 'j.submission_id')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.submission_id', 'j.part_id', 's.login', 'r.status', 'r.score', ...resultColumns(db)])
    .where('j.regrade_id', '=', id)
    .execute();
  // Official jobs by submission id, in chunks, then only the newest ones' results: plain index
  // lookups, fast whatever the planner's statistics say (they lag behind a big regrade's rows).
  const submissionIds = [...new Set(shadow.map((j) => j.submission_id))];
  const officialJobs = await inChunks(submissionIds, (chunk) =>
    db.selectFrom('grading_jobs as j').select(['j.id', 'j.submission_id', 'j.part_id', 'j.queued_at']).where('j.submission_id', 'in', chunk).where(officialJob('j')).execute(),
  );
  const newest = [...Map.groupBy(officialJobs, (j) => j.submission_id).values()].flatMap((jobs) => newestJobPerPart(jobs));
  const officialResults = await inChunks(
    newest.map((j) => j.id),
    (chunk) => db.selectFrom('results as r').select(['r.job_id', 'r.status', 'r.score', ...resultColumns(db)]).where('r.job_id', 'in', chunk).execute(),
  );
  const parts = await db.selectFrom('parts').select(['id', 'points', 'position']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).execute();
  const overrides = await db
    .selectFrom('grade_overrides')
    .select(['login', 'part_id', 'value', 'set_by'])
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('login', 'in', db.selectFrom('grading_jobs as j').innerJoin('submissions as s', 's.id', 'j.submission_id').select('s.login').where('j.regrade_id', '=', id))
    .execute();

  const counting = await countingSubmissions(db, regrade);
  const pointsOf = new Map(parts.map((p) => [p.id, p.points]));
  const positionOf = new Map(parts.map((p) => [p.id, p.position]));
  const resultOf = new Map(officialResults.map((r) => [r.job_id, r]));
  const noResult: ResultColumns = { status: null, score: null, result: null, result_gzip: null, tests: null };
  const currentOf = new Map(newest.map((job) => [`${job.submission_id} ${job.part_id}`, { id: job.id, ...(resultOf.get(job.id) ?? noResult) }]));
  const overrideOf = new Map(overrides.map((o) => [`${o.login} ${o.part_id}`, o]));

  const rows = shadow.map((job): PreviewRow => {
    const possible = pointsOf.get(job.part_id) ?? 0;
    const cur = currentOf.get(`${job.submission_id} ${job.part_id}`);
    const current = cur ? side(cur.id, cur, possible) : null;
    const next = side(job.id, job, possible);
    const override = overrideOf.get(`${job.login} ${job.part_id}`) ?? overrideOf.get(`${job.login} `);
    return {
      login: job.login,
      submissionId: job.submission_id,
      partId: job.part_id,
      possible,
      current,
      next,
      delta: next === null ? null : round2(next.points - (current?.points ?? 0)),
      flippedTests: next === null ? [] : flipped(cur ? testsOf(cur) : new Map<string, Outcome>(), testsOf(job)),
      override: override ? { partId: override.part_id, value: override.value, setBy: override.set_by } : null,
      superseded: counting.get(job.login) !== job.submission_id,
    };
  });
  rows.sort((a, b) => (a.login < b.login ? -1 : a.login > b.login ? 1 : (positionOf.get(a.partId) ?? 0) - (positionOf.get(b.partId) ?? 0)));
  return { regrade, rows, summary: summarize(rows) };
}

const direction = (delta: number): 'up' | 'down' | 'same' => (delta > 0.004 ? 'up' : delta < -0.004 ? 'down' : 'same');

/**
 * Each regraded student's counting submission now (as `countingWork` decides it, set-based): the
 * completion's for trigger completion, else the newest own submission.
 */
async function countingSubmissions(db: DbExecutor, regrade: Regrade): Promise<Map<string, string | null>> {
  const { courseId, assignmentId, id } = regrade;
  const assignment = await db.selectFrom('assignments').select('trigger').where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirst();
  const students = db.selectFrom('grading_jobs as j').innerJoin('submissions as s', 's.id', 'j.submission_id').select('s.login').where('j.regrade_id', '=', id);
  if (assignment?.trigger === 'completion') {
    const rows = await db.selectFrom('completions').select(['login', 'submission_id']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).where('login', 'in', students).execute();
    return new Map(rows.map((r) => [r.login, r.submission_id]));
  }
  const rows = await db
    .selectFrom('submissions')
    .select(['login', 'id', 'submitted_at'])
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('kind', '=', 'student')
    .where('login', 'in', students)
    .execute();
  const newest = new Map<string, { id: string; submitted_at: string }>();
  for (const row of rows) {
    const seen = newest.get(row.login);
    // The order of newestSubmission (assignment-grades.ts): submittedAt, then id.
    if (!seen || row.submitted_at > seen.submitted_at || (row.submitted_at === seen.submitted_at && row.id > seen.id)) newest.set(row.login, row);
  }
  return new Map([...newest].map(([login, row]) => [login, row.id]));
}

export function summarize(rows: readonly PreviewRow[]): PreviewSummary {
  const parts = { total: rows.length, up: 0, down: 0, same: 0, pending: 0 };
  const byStudent = new Map<string, number>();
  const newFailures: PreviewSummary['newFailures'] = { total: 0, byStatus: {} };
  const overridden = { parts: 0, students: new Set<string>() };
  for (const row of rows) {
    if (row.override) {
      overridden.parts++;
      overridden.students.add(row.login);
    }
    if (row.delta === null || row.next === null) {
      parts.pending++;
      continue;
    }
    parts[direction(row.delta)]++;
    byStudent.set(row.login, (byStudent.get(row.login) ?? 0) + row.delta);
    const wasFailure = row.current !== null && FAILURE_STATUSES.includes(row.current.status);
    if (FAILURE_STATUSES.includes(row.next.status) && !wasFailure) {
      newFailures.total++;
      newFailures.byStatus[row.next.status] = (newFailures.byStatus[row.next.status] ?? 0) + 1;
    }
  }
  const students = { total: byStudent.size, up: 0, down: 0, same: 0 };
  let sum = 0;
  for (const delta of byStudent.values()) {
    students[direction(delta)]++;
    sum += delta;
  }
  const superseded = rows.filter((r) => r.superseded).length;
  return { students, parts, meanChange: byStudent.size === 0 ? 0 : round2(sum / byStudent.size), newFailures, overridden: { parts: overridden.parts, students: overridden.students.size }, superseded };
}
