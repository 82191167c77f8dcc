/**
 * Where a student's lateness rule comes from: the one place grades read it (late-policy.ts has
 * the pure arithmetic). Here the rule is the assignment's deadline alone (no penalty policy,
 * cutoff or extension is stored yet), so late work keeps its grade and is only reported late.
 */
import type { DbExecutor } from '../db/database.ts';
import type { LateRule } from './late-policy.ts';

export async function loadLateRule(db: DbExecutor, courseId: string, assignmentId: string, login: string): Promise<LateRule> {
  // The student matters once extensions are stored: they move one student's deadline.
  void login;
  const row = await db.selectFrom('assignments').select('deadline').where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirst();
  return { deadline: row?.deadline == null ? null : new Date(row.deadline), policy: null, cutoff: null, extendedTo: null };
}
