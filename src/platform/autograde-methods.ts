/**
 * Autograde methods: how the parts' results of the submission that counts become a student's
 * assignment grade, a raw grade from 0 to 100 (the late penalty is applied later, when the grade
 * is read). One registry: the course file's `autograde` choices are its names.
 *
 * A method is called once every part of the counting submission has a result, inside the
 * transaction that stores the student's assignment grade. It either gives the raw grade at once
 * (`aggregate`) or defers it to work of its own (a custom script run as a job once per completed
 * student: `script`, autograde-jobs.ts), whose job keeps its outcome and refreshes the grade,
 * which then takes it; either way the raw grade is stored in `assignment_grades` and read back the
 * same way.
 */
import type { DbExecutor, DbTransaction } from '../db/database.ts';
import type { GradeStatus } from '../grader/grade-result.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { scriptMethodAwaiting, scriptMethodGrade } from './autograde-jobs.ts';

/** One part of the counting submission, as a method sees it. */
export interface MethodPart {
  partId: string;
  /** Points possible: the part's weight. */
  points: number;
  /** Points earned (score × points) when graded; null for a result that is not `graded` or no result (no grader). */
  earned: number | null;
  status: GradeStatus | null;
}

/** What a method grades: one student's counting submission, its parts all finished. */
export interface MethodInput {
  courseId: string;
  assignmentId: string;
  login: string;
  submissionId: string;
  /** The time that counts (submittedAt or completedDate), ISO. */
  countsAt: string;
  parts: MethodPart[];
}

/** What a deferring method needs to queue its job. */
export interface MethodWork {
  queue: JobQueue;
  /** ISO time of the refresh. */
  now: string;
}

export type MethodOutcome =
  | { status: 'graded'; rawGrade: number; detail: string | null }
  | { status: 'error'; detail: string }
  /** The method's own job is running; the grade stays pending until the job refreshes it. */
  | { status: 'deferred' };

export interface AutogradeMethod {
  readonly name: string;
  /** One line for docs and errors. */
  readonly summary: string;
  /** True when `grade` gives the raw grade at once; false when it defers it to a job. */
  readonly immediate: boolean;
  grade(tx: DbTransaction, input: MethodInput, work: MethodWork): Promise<MethodOutcome>;
  /**
   * True while the method's own job for this work is still to finish, so a pending grade is left
   * to it; false when a refresh is due (the job finished, or was never queued: a crash between a
   * result and its refresh, made good when the grade is read). Always false for `immediate` methods.
   */
  awaiting(db: DbExecutor, input: Omit<MethodInput, 'parts'>): Promise<boolean>;
}

/** Rounds to 2 decimals, as grades are shown. */
export const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * Points earned over points possible across the parts (weights = part points), as 0–100. A part
 * not graded (grader error, timeout, …) earns nothing. With no points possible at all there is
 * nothing to earn: the grade is 0, and the detail says why.
 */
export function aggregateGrade(parts: readonly MethodPart[]): { rawGrade: number; detail: string | null } {
  const possible = parts.reduce((sum, p) => sum + p.points, 0);
  const earned = parts.reduce((sum, p) => sum + (p.earned ?? 0), 0);
  if (possible <= 0) return { rawGrade: 0, detail: 'the parts have 0 points possible: nothing to earn' };
  return { rawGrade: round2(Math.min(100, Math.max(0, (earned / possible) * 100))), detail: null };
}

const aggregate: AutogradeMethod = {
  name: 'aggregate',
  summary: "points earned over points possible across the parts (weights = the parts' points), 0–100",
  immediate: true,
  grade: async (_tx, input) => ({ status: 'graded', ...aggregateGrade(input.parts) }),
  awaiting: async () => false,
};

const script: AutogradeMethod = {
  name: 'script',
  summary: "the assignment's autograde grader (a script grader) runs once per completed student after the parts are graded and reports 0–100",
  immediate: false,
  grade: (tx, input, work) => scriptMethodGrade(tx, work.queue, input, work.now),
  awaiting: (db, input) => scriptMethodAwaiting(db, input),
};

const METHODS: ReadonlyMap<string, AutogradeMethod> = new Map([aggregate, script].map((m) => [m.name, m]));

/** The names a course file may choose, in the order documented. */
export const AUTOGRADE_METHOD_NAMES: readonly string[] = [...METHODS.keys()];

export const DEFAULT_AUTOGRADE_METHOD = 'aggregate';

/** The method of this name; an assignment stored with a name no longer known grades as an error. */
export function autogradeMethod(name: string): AutogradeMethod | undefined {
  return METHODS.get(name);
}
