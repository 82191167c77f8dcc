import type { PlanContext } from '../protocol.ts';

/**
 * `/autograder/submission_metadata.json` as Gradescope writes it, built from what we know. Unknown
 * fields are null (not left out) so graders that index them do not crash; `total_points` is a
 * string ("20.0"), as Gradescope gives it. We keep no earlier results, so `previous_submissions` is
 * always empty.
 */
export function submissionMetadata(context: PlanContext): Record<string, unknown> {
  const assignment = context.assignment ?? {};
  const dates = {
    release_date: iso(assignment.releaseDate),
    due_date: iso(assignment.dueDate),
    late_due_date: iso(assignment.lateDueDate),
  };
  return {
    id: context.submission.id,
    created_at: context.submission.createdAt.toISOString(),
    assignment: {
      id: assignment.id ?? null,
      course_id: null,
      title: assignment.title ?? null,
      total_points: assignment.totalPoints === undefined ? null : pointsString(assignment.totalPoints),
      ...dates,
      group_submission: false,
      group_size: null,
    },
    submission_method: 'upload',
    users: [{ id: context.student.id, name: context.student.name, email: context.student.email, assignment: dates }],
    previous_submissions: [],
  };
}

function iso(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}

/** 20 → "20.0", 12.5 → "12.5", like Gradescope's decimal strings. */
function pointsString(points: number): string {
  return Number.isInteger(points) ? points.toFixed(1) : String(points);
}
