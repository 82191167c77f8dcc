/**
 * One student's late rule on one assignment, read from the database: the assignment's deadline,
 * policy and cutoff, and the student's extension. Grades derive their late adjustment from it
 * when they are read, so a policy change or an extension needs no grader run.
 */
import type { DbExecutor } from '../db/database.ts';
import { NotFound } from './errors.ts';
import type { LatePolicy, LateRule } from './late-policy.ts';

/** The policy as the `late_policy` column keeps it. */
export function encodeLatePolicy(policy: LatePolicy | null): string | null {
  return policy === null ? null : JSON.stringify(policy);
}

/** The column's JSON back as a policy; written only by encodeLatePolicy, so anything else is a fault. */
export function decodeLatePolicy(stored: string | null): LatePolicy | null {
  if (stored === null) return null;
  const policy = JSON.parse(stored) as LatePolicy;
  if (policy.kind !== 'steps' && policy.kind !== 'rate') throw new Error(`stored late policy of unknown kind: ${stored.slice(0, 100)}`);
  return policy;
}

const date = (iso: string | null | undefined): Date | null => (iso === null || iso === undefined ? null : new Date(iso));

/** The assignment's deadline, policy and cutoff and `login`'s extension; NotFound without such an assignment. */
export async function loadLateRule(db: DbExecutor, courseId: string, assignmentId: string, login: string): Promise<LateRule> {
  const row = await db
    .selectFrom('assignments as a')
    .leftJoin('extensions as e', (join) =>
      join.onRef('e.course_id', '=', 'a.course_id').onRef('e.assignment_id', '=', 'a.id').on('e.login', '=', login),
    )
    .select(['a.deadline', 'a.late_policy', 'a.cutoff', 'e.until'])
    .where('a.course_id', '=', courseId)
    .where('a.id', '=', assignmentId)
    .executeTakeFirst();
  if (!row) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  return { deadline: date(row.deadline), policy: decodeLatePolicy(row.late_policy), cutoff: date(row.cutoff), extendedTo: date(row.until) };
}
