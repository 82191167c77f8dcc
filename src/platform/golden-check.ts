/**
 * How goldens fare with an assignment's newest drafts: one comparison, used by the list (status
 * against the drafts) and by `publish` (the rule, inside its transaction), so they always agree.
 */
import type { Selectable } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import type { GoldenExpectationsTable, GoldenSubmissionsTable, GraderVersionsTable } from '../db/tables.ts';
import type { GradeStatus } from '../grader/grade-result.ts';
import type { GoldenDraftCheck, GoldenOutcome } from './model.ts';
import { pointsFor, storedResult } from './result-views.ts';

export type DraftRow = Pick<Selectable<GraderVersionsTable>, 'id' | 'part_id' | 'number'>;

/** Each part's newest draft of an assignment, in part order. */
export async function newestDrafts(db: DbExecutor, courseId: string, assignmentId: string): Promise<DraftRow[]> {
  const drafts = await db
    .selectFrom('grader_versions')
    .select(['id', 'part_id', 'number'])
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('status', '=', 'draft')
    .orderBy('part_id')
    .orderBy('number', 'desc')
    .execute();
  return drafts.filter((row, i) => i === 0 || drafts[i - 1]?.part_id !== row.part_id);
}

/** Two outcomes agree when their statuses do and, graded, their points (to the cent) do. */
export function sameOutcome(a: GoldenOutcome, b: GoldenOutcome): boolean {
  if (a.status !== b.status) return false;
  return a.status !== 'graded' || Math.round((a.points ?? 0) * 100) === Math.round((b.points ?? 0) * 100);
}

/** For people: `7.5 points`, `not-gradable`, `nothing` (no expectation). */
export function describeOutcome(outcome: GoldenOutcome | null): string {
  if (outcome === null) return 'nothing';
  return outcome.status === 'graded' ? `${outcome.points ?? 0} points` : outcome.status;
}

export type GoldenRow = Selectable<GoldenSubmissionsTable>;

/**
 * Every golden's check against each draft (goldens in `goldens` order, drafts in part order).
 * Reads the goldens' expectations, their runs with these drafts and the runs' results.
 */
export async function checkGoldens(db: DbExecutor, goldens: readonly GoldenRow[], drafts: readonly DraftRow[]): Promise<GoldenDraftCheck[]> {
  if (goldens.length === 0 || drafts.length === 0) return [];
  const ids = goldens.map((g) => g.id);
  const [expectations, runs, parts] = await Promise.all([
    db.selectFrom('golden_expectations').selectAll().where('golden_id', 'in', ids).execute(),
    db
      .selectFrom('golden_runs as r')
      .leftJoin('results as res', 'res.job_id', 'r.job_id')
      .select(['r.golden_id', 'r.grader_version_id', 'r.job_id', 'r.submission_id', 'res.status', 'res.score'])
      .where('r.golden_id', 'in', ids)
      .where('r.grader_version_id', 'in', drafts.map((d) => d.id))
      .execute(),
    db.selectFrom('parts').select(['id', 'points']).where('course_id', '=', goldens[0]!.course_id).where('assignment_id', '=', goldens[0]!.assignment_id).execute(),
  ]);
  const checks: GoldenDraftCheck[] = [];
  for (const golden of goldens) {
    for (const draft of drafts) {
      const expectation = expectations.find((e) => e.golden_id === golden.id && e.part_id === draft.part_id);
      const expected = expectation === undefined ? null : outcomeOf(expectation);
      const run = runs.find((r) => r.golden_id === golden.id && r.grader_version_id === draft.id);
      const base = { goldenId: golden.id, label: golden.label, partId: draft.part_id, graderVersionId: draft.id, graderNumber: draft.number, expected, changedTests: [] };
      if (run === undefined) {
        checks.push({ ...base, state: 'not-run', got: null, runSubmissionId: null });
        continue;
      }
      if (run.status === null) {
        checks.push({ ...base, state: 'grading', got: null, runSubmissionId: run.submission_id });
        continue;
      }
      const status = run.status as GradeStatus;
      const partPoints = parts.find((p) => p.id === draft.part_id)?.points ?? 0;
      const got: GoldenOutcome = { status, points: pointsFor(status, run.score, partPoints) };
      const matches = expected !== null && sameOutcome(expected, got);
      checks.push({ ...base, state: matches ? 'matches' : 'changed', got, runSubmissionId: run.submission_id });
    }
  }
  await addChangedTests(db, goldens, runs, checks);
  return checks;
}

function outcomeOf(row: Pick<Selectable<GoldenExpectationsTable>, 'status' | 'points'>): GoldenOutcome {
  return { status: row.status as GradeStatus, points: row.status === 'graded' ? row.points : null };
}

/**
 * For each changed check, the tests whose status differs between the pinned submission's newest
 * result for the part and the draft's result (cheap: only changed checks read whole results).
 */
async function addChangedTests(
  db: DbExecutor,
  goldens: readonly GoldenRow[],
  runs: ReadonlyArray<{ golden_id: string; grader_version_id: string; job_id: string }>,
  checks: GoldenDraftCheck[],
): Promise<void> {
  for (const check of checks) {
    if (check.state !== 'changed') continue;
    const golden = goldens.find((g) => g.id === check.goldenId);
    const run = runs.find((r) => r.golden_id === check.goldenId && r.grader_version_id === check.graderVersionId);
    if (golden === undefined || run === undefined) continue;
    const [got, before] = await Promise.all([
      db.selectFrom('results').selectAll().where('job_id', '=', run.job_id).executeTakeFirst(),
      newestResultRow(db, golden.submission_id, check.partId),
    ]);
    if (got === undefined || before === undefined) continue;
    const was = new Map(storedResult(before).tests.map((t) => [t.name, t.status]));
    check.changedTests = storedResult(got)
      .tests.filter((t) => was.get(t.name) !== t.status)
      .map((t) => t.name)
      .slice(0, 20);
  }
}

/** The newest result row of a part of a submission, if it has one. */
export async function newestResultRow(db: DbExecutor, submissionId: string, partId: string) {
  return db
    .selectFrom('grading_jobs as j')
    .innerJoin('results as r', 'r.job_id', 'j.id')
    .selectAll('r')
    .where('j.submission_id', '=', submissionId)
    .where('j.part_id', '=', partId)
    .orderBy('r.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
