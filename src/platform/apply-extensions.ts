/**
 * `apply`'s extension half: an assignment that lists `extensions` gets them (created or moved);
 * with prune, its extensions the file no longer lists are removed. An assignment without the key
 * keeps the ones staff granted through the API or CLI. Runs after members are applied, so a
 * student added by the same file may have one.
 */
import type { DbTransaction } from '../db/database.ts';
import type { CourseFileAssignment } from './course-file.ts';
import { InvalidInput } from './errors.ts';
import { extensionStudentProblem, upsertExtension } from './extensions.ts';
import type { ApplyChange } from './model.ts';

export async function applyExtensions(
  tx: DbTransaction,
  courseId: string,
  assignments: CourseFileAssignment[],
  options: { prune: boolean; now: string; grantedBy: string },
): Promise<ApplyChange[]> {
  // The file was checked against its own members, if it lists them; here against the course's.
  const problems: string[] = [];
  for (const [i, assignment] of assignments.entries()) {
    for (const [j, extension] of (assignment.extensions ?? []).entries()) {
      const problem = await extensionStudentProblem(tx, courseId, extension.student);
      if (problem !== undefined) problems.push(`assignments[${i}].extensions[${j}].student: ${problem.message}`);
    }
  }
  if (problems.length > 0) throw new InvalidInput(`invalid course file: ${problems.slice(0, 5).join('; ')}`, { problems });

  const changes: ApplyChange[] = [];
  for (const assignment of assignments) {
    if (assignment.extensions === undefined) continue;
    for (const { student, until } of assignment.extensions) {
      const row = { course_id: courseId, assignment_id: assignment.id, login: student, until, granted_by: options.grantedBy, granted_at: options.now };
      const action = await upsertExtension(tx, row);
      changes.push({ action, kind: 'extension', target: `${courseId}/${assignment.id}/${student}`, ...(action === 'unchanged' ? {} : { detail: `until ${until}` }) });
    }
    if (!options.prune) continue;
    const listed = assignment.extensions.map((e) => e.student);
    const removed = await tx
      .deleteFrom('extensions')
      .where('course_id', '=', courseId)
      .where('assignment_id', '=', assignment.id)
      .$if(listed.length > 0, (q) => q.where('login', 'not in', listed))
      .returning('login')
      .execute();
    for (const { login } of removed) changes.push({ action: 'remove', kind: 'extension', target: `${courseId}/${assignment.id}/${login}` });
  }
  return changes;
}
