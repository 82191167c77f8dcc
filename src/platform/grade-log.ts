/**
 * The grade log: every change of a student's part points or assignment grade, with who, when,
 * old, new and why. Rows are only ever appended. Those a student could see when they were written
 * (`released`) are also the events a later LMS integration sends on, read in `seq` order.
 */
import type { DbExecutor } from '../db/database.ts';

/** Why a grade changed. */
export type GradeCause =
  | 'grader-result'
  | 'regrade'
  | 'late-policy'
  | 'extension'
  /** The course file changed what grades derive from other than lateness: parts' points, method, trigger. */
  | 'course-file'
  | 'completion'
  | 'override'
  | 'override-removed'
  | 'release'
  | 'withdraw';

export const GRADE_CAUSES: readonly GradeCause[] = Object.freeze([
  'grader-result',
  'regrade',
  'late-policy',
  'extension',
  'course-file',
  'completion',
  'override',
  'override-removed',
  'release',
  'withdraw',
]);

export interface GradeLogEntry {
  courseId: string;
  assignmentId: string;
  login: string;
  /** The part whose points changed; null: the assignment grade. */
  partId: string | null;
  cause: GradeCause;
  oldValue: number | null;
  newValue: number | null;
  /** Null: gradebox itself (a grader's result, an automatic release). */
  actor: string | null;
  reason: string | null;
  /** The student could see the grade when it changed: an event for the LMS. */
  released: boolean;
  at: string;
}

export interface LoggedGradeChange extends GradeLogEntry {
  seq: number;
}

/** Appends entries in the caller's transaction, in the given order. */
export async function appendGradeLog(db: DbExecutor, entries: readonly GradeLogEntry[]): Promise<void> {
  // Batched: a regrade or a policy change can touch thousands of students at once.
  for (let i = 0; i < entries.length; i += 500) {
    const rows = entries.slice(i, i + 500).map((e) => ({
      course_id: e.courseId,
      assignment_id: e.assignmentId,
      login: e.login,
      part_id: e.partId ?? '',
      cause: e.cause,
      old_value: e.oldValue,
      new_value: e.newValue,
      actor: e.actor,
      reason: e.reason,
      released: e.released ? 1 : 0,
      at: e.at,
    }));
    await db.insertInto('grade_log').values(rows).execute();
  }
}
