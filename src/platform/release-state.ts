/**
 * Whether students may see an assignment's scores, from its release columns (one rule for every
 * reader: submission views, grades, exports, the web pages):
 * - `immediate`: scores are visible as soon as they are graded (the autograder's feedback loop);
 * - `manual`: hidden ("graded, not released yet") until staff release them or `release_at` passes.
 * Gradescope's `after_published` waits for a release in both modes: an `immediate` assignment
 * shows scores, but tests its grader kept for publication appear only once staff release.
 * Withdrawing sets the mode to `manual` and clears the release, so scores are hidden again.
 */
export type ReleaseMode = 'immediate' | 'manual';
export const RELEASE_MODES: readonly ReleaseMode[] = Object.freeze(['immediate', 'manual']);

export interface ReleaseColumns {
  release_mode: string;
  release_at: string | null;
  released_at: string | null;
}

/** Released by staff, or automatically once `release_at` has passed. */
export function isPublished(assignment: ReleaseColumns, now: Date): boolean {
  if (assignment.released_at !== null) return true;
  return assignment.release_at !== null && Date.parse(assignment.release_at) <= now.getTime();
}

/** Students may see scores, points and grades now. */
export function scoresVisible(assignment: ReleaseColumns, now: Date): boolean {
  return assignment.release_mode === 'immediate' || isPublished(assignment, now);
}

/** What a student reads instead of feedback while the assignment's scores are not released. */
export const NOT_RELEASED_FEEDBACK = 'graded, not released yet';

/** The release columns as the API shows them on an assignment. */
export interface AssignmentRelease {
  mode: ReleaseMode;
  /** The automatic release time (ISO UTC); null: none. */
  releaseAt: string | null;
  /** When staff released; null: not released by staff (an automatic release shows as `releaseAt` passed, `published`). */
  releasedAt: string | null;
  /** Who released (staff only; null for students). */
  releasedBy: string | null;
  /** `isPublished` now: `after_published` tests and results are visible. */
  published: boolean;
  /** `scoresVisible` now: students see scores. */
  scoresVisible: boolean;
}

export function releaseFromRow(row: ReleaseColumns & { released_by: string | null }, now: Date): AssignmentRelease {
  return {
    mode: row.release_mode as ReleaseMode,
    releaseAt: row.release_at,
    releasedAt: row.released_at,
    releasedBy: row.released_by,
    published: isPublished(row, now),
    scoresVisible: scoresVisible(row, now),
  };
}
