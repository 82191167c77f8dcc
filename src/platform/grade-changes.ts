/**
 * Writing the grade log (grade-log.ts) where grades change: derive the students' current part
 * points and assignment grades (grade-reads.ts), compare each with the newest logged value for that
 * student and part (or '' for the assignment grade), and append what changed.
 */
import type { DbExecutor } from '../db/database.ts';
import { courseStudents } from './completions.ts';
import { appendGradeLog, type GradeCause, type GradeLogEntry } from './grade-log.ts';
import { deriveGrades } from './grade-reads.ts';
import type { AssignmentGrade } from './model.ts';

export interface GradeChangeScope {
  courseId: string;
  assignmentId: string;
  /** These students; omitted: every student of the course (a policy change, a release). */
  logins?: readonly string[];
}

interface Logged {
  value: number | null;
  released: boolean;
}

/** Bound parameters per `IN (…)` list, as in grade-reads.ts. */
const IN_LIMIT = 500;

/**
 * Logs every change of the scope's students' grades since their newest log entries: each part's
 * points (an override's when set) and the final assignment grade. Call it in the transaction that
 * changed the grade, after the change (and after `refreshAssignmentGrade` where one runs), with:
 * - `grader-result` (actor null) after a part result or an autograde run was stored, for that student;
 * - `regrade` after a regrade's results are applied (the regrade helper's apply step);
 * - `late-policy` after the deadline, late policy or cutoff changed (every student), `extension`
 *   after an extension was granted, moved or revoked (that student);
 * - `completion` after a completion or un-completion; `override` / `override-removed`;
 * - `release` / `withdraw` after the assignment's release state changed (every student).
 * A grade still being computed (`pending`, a part without a result yet) is not a change: the log
 * keeps known values only. With `release` / `withdraw`, a value unchanged but now visible to the
 * student or hidden again is logged too, so the `released` entries are the feed an LMS reads.
 * Returns the entries appended.
 */
export async function recordGradeChanges(
  db: DbExecutor,
  ctx: { now(): Date },
  scope: GradeChangeScope,
  cause: GradeCause,
  actor: string | null,
  reason: string | null,
): Promise<GradeLogEntry[]> {
  const logins = scope.logins ?? (await courseStudents(db, scope.courseId));
  if (logins.length === 0) return [];
  const now = ctx.now();
  // Lateness moves final grades only: part points need no results read (the bulk of the work).
  const finalOnly = cause === 'late-policy' || cause === 'extension';
  const grades = await deriveGrades(db, { courseId: scope.courseId, assignmentId: scope.assignmentId, logins }, { viewer: 'staff', now, finalOnly });
  const last = await newestLogged(db, scope.courseId, scope.assignmentId, logins, finalOnly);
  const at = now.toISOString();
  const entries: GradeLogEntry[] = [];
  for (const grade of grades) {
    for (const [partId, value] of currentValues(grade, finalOnly)) {
      const before = last.get(`${grade.login}\n${partId ?? ''}`);
      const oldValue = before?.value ?? null;
      const changed = oldValue !== value;
      // A release (or withdrawal) of a value already logged is an event of its own; other causes
      // log changed values only (a course file that also changed the release logs that as such).
      const visibility = (cause === 'release' || cause === 'withdraw') && before !== undefined && value !== null && before.released !== grade.released;
      if (!changed && !visibility) continue;
      if (before === undefined && value === null) continue;
      entries.push({ courseId: grade.courseId, assignmentId: grade.assignmentId, login: grade.login, partId, cause, oldValue, newValue: value, actor, reason, released: grade.released, at });
    }
  }
  await appendGradeLog(db, entries);
  return entries;
}

/** Each part's points and the final grade (partId null), skipping values still being computed. */
function currentValues(grade: AssignmentGrade, finalOnly: boolean): Array<[string | null, number | null]> {
  const out: Array<[string | null, number | null]> = [];
  for (const part of finalOnly ? [] : grade.parts) {
    // No result yet (queued or running) and no override: unknown, not a change to null.
    if (part.status === null && part.override === undefined && grade.submissionId !== null) continue;
    out.push([part.partId, part.earned]);
  }
  if (grade.status !== 'pending' || grade.override !== null) out.push([null, grade.finalGrade]);
  return out;
}

/** The newest logged value per (student, part), keyed `login\npart` ('' for the assignment grade). */
async function newestLogged(db: DbExecutor, courseId: string, assignmentId: string, logins: readonly string[], finalOnly: boolean): Promise<Map<string, Logged>> {
  const few = logins.length <= IN_LIMIT ? [...logins] : undefined;
  const rows = await db
    .selectFrom('grade_log')
    .select(['login', 'part_id', 'new_value', 'released'])
    .where('seq', 'in', (sub) =>
      sub
        .selectFrom('grade_log')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('course_id', '=', courseId)
        .where('assignment_id', '=', assignmentId)
        .$if(few !== undefined, (q) => q.where('login', 'in', few ?? []))
        .$if(finalOnly, (q) => q.where('part_id', '=', ''))
        .groupBy(['login', 'part_id']),
    )
    .execute();
  return new Map(rows.map((r) => [`${r.login}\n${r.part_id}`, { value: r.new_value, released: r.released === 1 }]));
}
