/**
 * What each reader of a stored result may see. Staff see everything. Students see the status,
 * and — when the grader made the result visible — the score, the points, the feedback, the tests
 * marked visible (and `after_due_date` ones once the deadline passed) and the output only when
 * the grader marked it visible; never the whole result (errors and warnings are for authors).
 */
import type { Selectable } from 'kysely';
import type { ResultsTable } from '../db/tables.ts';
import type { GradeResult, GradeStatus, Visibility } from '../grader/grade-result.ts';
import { storedJson } from '../grader/stored-result.ts';
import type { PartResult } from './model.ts';

export const HIDDEN_RESULT_FEEDBACK = 'Your result will be visible later.';

export type Viewer = 'staff' | 'student';

export interface ResultContext {
  /** The part's points, for score × points. */
  points: number;
  /** The assignment's deadline (ISO), for `after_due_date`. */
  deadline: string | null;
  now: Date;
}

/**
 * Whether students may see something with this visibility now. `after_due_date` needs a deadline
 * that has passed (no deadline: not yet — an instructor who forgot one must not leak the tests);
 * `after_published` waits for grade release, which does not exist yet.
 */
export function visibleToStudents(visibility: Visibility | undefined, context: Pick<ResultContext, 'deadline' | 'now'>): boolean {
  switch (visibility) {
    case undefined:
    case 'visible':
      return true;
    case 'after_due_date':
      return context.deadline !== null && Date.parse(context.deadline) <= context.now.getTime();
    case 'hidden':
    case 'after_published':
      return false;
  }
}

/** score × points, rounded to 2 decimals; null unless graded. */
export function pointsFor(status: GradeStatus, score: number | null, points: number): number | null {
  if (status !== 'graded' || score === null) return null;
  return Math.round(score * points * 100) / 100;
}

/** The stored result, parsed (whether it was stored as JSON or gzip-compressed JSON). */
export function storedResult(row: Selectable<ResultsTable>): GradeResult {
  return JSON.parse(storedJson({ json: row.result, gzip: row.result_gzip })) as GradeResult;
}

export function staffResultView(row: Selectable<ResultsTable>, context: ResultContext): PartResult {
  const full = storedResult(row);
  const status = row.status as GradeStatus;
  return {
    jobId: row.job_id,
    status,
    score: status === 'graded' ? row.score : null,
    points: pointsFor(status, row.score, context.points),
    feedback: full.feedback,
    tests: full.tests,
    output: { stdout: full.output.stdout.text, stderr: full.output.stderr.text },
    createdAt: row.created_at,
    full,
  };
}

export function studentResultView(row: Selectable<ResultsTable>, context: ResultContext): PartResult {
  const full = storedResult(row);
  const status = row.status as GradeStatus;
  const base = { jobId: row.job_id, status, createdAt: row.created_at, full: null };
  if (!visibleToStudents(full.visibility, context)) {
    return { ...base, score: null, points: null, feedback: { text: HIDDEN_RESULT_FEEDBACK, format: 'text' }, tests: [], output: null };
  }
  return {
    ...base,
    score: status === 'graded' ? row.score : null,
    points: pointsFor(status, row.score, context.points),
    feedback: full.feedback,
    tests: full.tests.filter((test) => visibleToStudents(test.visibility, context)),
    output: full.output.visibleToStudents ? { stdout: full.output.stdout.text, stderr: full.output.stderr.text } : null,
  };
}

export function resultView(viewer: Viewer, row: Selectable<ResultsTable>, context: ResultContext): PartResult {
  return viewer === 'staff' ? staffResultView(row, context) : studentResultView(row, context);
}
