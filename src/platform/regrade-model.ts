/**
 * Regrades as the API shows them (docs/course-workflow.md, "Regrade"): what was asked, where it
 * stands, and, for a dry run, the preview of every change before any student sees one.
 */
import type { GradeStatus } from '../grader/grade-result.ts';

/** Which grader versions a regrade runs: each part's published one, its newest draft, or version `number` of each part. */
export type RegradeGrader = { kind: 'published' } | { kind: 'draft' } | { kind: 'version'; number: number };

/** `running` until every job has a result; a dry run then waits, `finished`, for apply or discard. */
export type RegradeState = 'running' | 'finished' | 'cancelled' | 'applied' | 'discarded' | 'expired';

export interface RegradeRequest {
  /** Only these students (logins); absent or empty: every student of the course. */
  students?: string[];
  /** Only these parts; absent or empty: every part with a grader of the chosen kind. */
  parts?: string[];
  /** Default `{ kind: 'published' }`. `draft` needs `dryRun` (apply publishes it). */
  grader?: RegradeGrader;
  /** Grade into shadow results: nothing changes for students until `apply`. */
  dryRun?: boolean;
}

export interface RegradeProgress {
  /** Jobs queued at the start. */
  total: number;
  /** Jobs with a result. */
  done: number;
  /** Results other than `graded` and `not-gradable` (grader-error, timeout, …). */
  failed: number;
  /** Jobs taken out of the queue by a cancel. */
  cancelled: number;
  /** Seconds until the last result at the pace so far; null before the first result or once ended. */
  etaSeconds: number | null;
}

export interface Regrade {
  /** `rg_…` */
  id: string;
  courseId: string;
  assignmentId: string;
  dryRun: boolean;
  state: RegradeState;
  /** The selection as asked; null: every one. */
  students: string[] | null;
  parts: string[] | null;
  grader: RegradeGrader;
  /** The grader version each part's jobs run (part → version id). */
  versions: Record<string, string>;
  progress: RegradeProgress;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  /** A dry run may be applied until then (unless the graders change first). */
  expiresAt: string | null;
}

/** One part's result on one side of a preview row. */
export interface PreviewSide {
  jobId: string;
  status: GradeStatus;
  /** Points earned (0 unless graded). */
  points: number;
}

/** A test whose outcome differs between the current and the new result (`missing`: not reported on that side). */
export interface FlippedTest {
  name: string;
  from: 'passed' | 'failed' | 'missing';
  to: 'passed' | 'failed' | 'missing';
}

/** One student's one part in a dry run's preview. */
export interface PreviewRow {
  login: string;
  submissionId: string;
  partId: string;
  /** Points possible. */
  possible: number;
  /** The official result now; null when there is none. */
  current: PreviewSide | null;
  /** The dry run's result; null while its job has none (never once finished, except a cancelled job). */
  next: PreviewSide | null;
  /** next − current points (a missing side counts 0); null while `next` is missing. */
  delta: number | null;
  flippedTests: FlippedTest[];
  /**
   * A manual override that stays whatever apply does: this part's (`partId` the part) or the
   * assignment grade's (`partId` ''); the row still shows what the grader would give.
   */
  override: { partId: string; value: number; setBy: string } | null;
  /**
   * The submission no longer counts for the student (newer work since the dry run started, or a
   * new completion): apply still makes this result official, but the grade does not change.
   */
  superseded: boolean;
}

export interface PreviewSummary {
  /** Students by the change of their points over the regraded parts. */
  students: { total: number; up: number; down: number; same: number };
  /** Rows (student × part) by change. */
  parts: { total: number; up: number; down: number; same: number; pending: number };
  /** Mean change of a student's points over the regraded parts; 0 without students. */
  meanChange: number;
  /** Rows whose new result is a failure (grader-error, timeout, …) that was not one before, by status. */
  newFailures: { total: number; byStatus: Partial<Record<GradeStatus, number>> };
  /** Rows (and students) with a manual override apply leaves in place. */
  overridden: { parts: number; students: number };
  /** Rows whose submission no longer counts (see PreviewRow.superseded). */
  superseded: number;
}

export interface RegradePreview {
  regrade: Regrade;
  rows: PreviewRow[];
  summary: PreviewSummary;
}
