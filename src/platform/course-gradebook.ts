/**
 * The course gradebook (the web page `/courses/:course/gradebook`): every student's final grade
 * on every assignment, staff only. Set-based like the export (grade-export.ts), but reading final
 * grades only (`finalOnly`): a grade's status, final grade and override markers need no part
 * results, so the 60,000 part jobs of a 1,000 × 20 × 3 course are never read — the page stays
 * within its time budget. Queries: a fixed number per assignment, none per student.
 *
 * Stalled stored grades (a refresh lost to a crash between a result and its refresh) are made
 * good on the way, as the assignment gradebook and the grade listing do: for the few suspects
 * only, whose part jobs are then read (grade-reads.ts).
 */
import { courseStudentNames } from './completions.ts';
import type { PlatformContext } from './context.ts';
import { Forbidden } from './errors.ts';
import { deriveGrades } from './grade-reads.ts';
import type { Actor, AssignmentGradeStatus } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';
import { scoresVisible } from './release-state.ts';

export interface CourseGradebookAssignment {
  id: string;
  title: string;
  /** Students see its scores now (release-state.ts). */
  released: boolean;
}

/** One student's grade on one assignment: what a cell shows. */
export interface CourseGradebookCell {
  status: AssignmentGradeStatus;
  /** 0–100 (above with extra credit); null until graded. */
  finalGrade: number | null;
  /** A part or the assignment grade was set by hand. */
  overridden: boolean;
}

export interface CourseGradebook {
  courseId: string;
  /** In course order. */
  assignments: CourseGradebookAssignment[];
  /** In login order. */
  students: Array<{ login: string; displayName: string }>;
  /** `cells[a][s]`: assignment `a`'s grade of student `s`, in the orders above. */
  cells: CourseGradebookCell[][];
}

/** Staff: the whole course's final grades. */
export async function getCourseGradebook(ctx: PlatformContext, actor: Actor, courseId: string): Promise<CourseGradebook> {
  requireScope(actor, 'read');
  const access = await courseAccess(ctx.db, actor, courseId);
  if (!access.staff) throw new Forbidden(`only instructors and TAs of ${courseId} may read the gradebook`);
  const now = ctx.now();
  const assignmentRows = await ctx.db
    .selectFrom('assignments')
    .select(['id', 'title', 'release_mode', 'release_at', 'released_at'])
    .where('course_id', '=', courseId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  const students = await courseStudentNames(ctx.db, courseId);
  const logins = students.map((s) => s.login);
  const cells: CourseGradebookCell[][] = [];
  for (const a of assignmentRows) {
    const grades = await deriveGrades(ctx.db, { courseId, assignmentId: a.id, logins }, { viewer: 'staff', now, finalOnly: true, refresh: ctx });
    cells.push(
      grades.map((g) => ({
        status: g.status,
        finalGrade: g.finalGrade,
        overridden: g.override !== null || g.parts.some((p) => p.override !== undefined),
      })),
    );
  }
  return {
    courseId,
    assignments: assignmentRows.map((a) => ({ id: a.id, title: a.title, released: scoresVisible(a, now) })),
    students,
    cells,
  };
}
