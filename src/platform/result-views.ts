/**
 * What each reader of a stored result may see. Staff see everything. Students see the status,
 * and — when the assignment's scores are released (release-state.ts) and the grader made the
 * result visible — the score, the points, the feedback, the tests marked visible (`after_due_date`
 * ones once the student's own deadline passed, `after_published` ones once the grades are
 * published) and the output only when the grader's `stdout_visibility` allows it now; never the
 * whole result (errors and warnings are for authors). Unreleased: the status and "graded, not
 * released yet", nothing else.
 */
import type { Selectable } from 'kysely';
import type { ResultsTable } from '../db/tables.ts';
import type { GradeResult, GradeStatus, Visibility } from '../grader/grade-result.ts';
import { storedJson } from '../grader/stored-result.ts';
import type { PartResult } from './model.ts';
import { NOT_RELEASED_FEEDBACK } from './release-state.ts';

export const HIDDEN_RESULT_FEEDBACK = 'Your result will be visible later.';

export type Viewer = 'staff' | 'student';

export interface ResultContext {
  /** The part's points, for score × points. */
  points: number;
  /**
   * The deadline that holds for the student reading (ISO), for `after_due_date`: their extension
   * when they have one, so tests kept until the due date never show before their own deadline.
   */
  deadline: string | null;
  now: Date;
  /** The assignment's grades are published (release-state.ts `isPublished`), for `after_published`; absent: not. */
  published?: boolean;
  /** Students may see scores now (release-state.ts `scoresVisible`); absent or false: "graded, not released yet". */
  scoresVisible?: boolean;
}

/**
 * Whether students may see something with this visibility now. `after_due_date` needs a deadline
 * that has passed (no deadline: not yet — an instructor who forgot one must not leak the tests);
 * `after_published` waits until the assignment's grades are published (released by staff or at
 * its release time); `hidden` never.
 */
export function visibleToStudents(visibility: Visibility | undefined, context: Pick<ResultContext, 'deadline' | 'now' | 'published'>): boolean {
  switch (visibility) {
    case undefined:
    case 'visible':
      return true;
    case 'after_due_date':
      return context.deadline !== null && Date.parse(context.deadline) <= context.now.getTime();
    case 'after_published':
      return context.published === true;
    case 'hidden':
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
  if (context.scoresVisible !== true) {
    return { ...base, score: null, points: null, feedback: { text: NOT_RELEASED_FEEDBACK, format: 'text' }, tests: [], output: null, notReleased: true };
  }
  if (!visibleToStudents(full.visibility, context)) {
    return { ...base, score: null, points: null, feedback: { text: HIDDEN_RESULT_FEEDBACK, format: 'text' }, tests: [], output: null };
  }
  return {
    ...base,
    score: status === 'graded' ? row.score : null,
    points: pointsFor(status, row.score, context.points),
    feedback: full.feedback,
    tests: full.tests.filter((test) => visibleToStudents(test.visibility, context)),
    output: outputVisible(full.output, context) ? { stdout: full.output.stdout.text, stderr: full.output.stderr.text } : null,
  };
}

/** Gradescope's `stdout_visibility` when the grader set it (read now); else what the protocol decided. */
function outputVisible(output: GradeResult['output'], context: ResultContext): boolean {
  return output.visibility !== undefined ? visibleToStudents(output.visibility, context) : output.visibleToStudents;
}

export function resultView(viewer: Viewer, row: Selectable<ResultsTable>, context: ResultContext): PartResult {
  return viewer === 'staff' ? staffResultView(row, context) : studentResultView(row, context);
}
