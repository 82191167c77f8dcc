/** `apply`'s member half: add, change roles and (with prune) remove members of one course. */
import type { DbTransaction } from '../db/database.ts';
import { ensureUser } from './accounts.ts';
import type { CourseFileMember } from './course-file.ts';
import { Conflict } from './errors.ts';
import type { Actor, ApplyChange } from './model.ts';

async function submissionCount(tx: DbTransaction, courseId: string, login: string): Promise<number> {
  const row = await tx
    .selectFrom('submissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('course_id', '=', courseId)
    .where('login', '=', login)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** An instructor could lock themselves out of their own course: only an admin may do that to them. */
function refuseSelfLockout(actor: Actor, courseId: string, members: CourseFileMember[], prune: boolean, isInstructorNow: boolean): void {
  if (actor.isAdmin || !isInstructorNow) return;
  const listed = members.find((m) => m.login === actor.login);
  if ((listed && listed.role !== 'instructor') || (!listed && prune)) {
    throw new Conflict('conflict', `this file would take away your own instructor role in ${courseId}; keep yourself listed as instructor (or ask an admin)`);
  }
}

export async function applyMembers(
  tx: DbTransaction,
  actor: Actor,
  courseId: string,
  members: CourseFileMember[],
  options: { prune: boolean; now: string },
): Promise<ApplyChange[]> {
  const current = await tx.selectFrom('memberships').select(['login', 'role']).where('course_id', '=', courseId).orderBy('login').execute();
  const roles = new Map(current.map((m) => [m.login, m.role]));
  refuseSelfLockout(actor, courseId, members, options.prune, roles.get(actor.login) === 'instructor');

  const changes: ApplyChange[] = [];
  for (const member of members) {
    const target = `${courseId}/${member.login}`;
    const role = roles.get(member.login);
    if (role === undefined) {
      const newUser = await ensureUser(tx, options.now, member.login, member.displayName);
      await tx.insertInto('memberships').values({ course_id: courseId, login: member.login, role: member.role, created_at: options.now }).execute();
      changes.push({ action: 'create', kind: 'member', target, detail: newUser ? `${member.role} (new user)` : member.role });
    } else if (role !== member.role) {
      await tx.updateTable('memberships').set({ role: member.role }).where('course_id', '=', courseId).where('login', '=', member.login).execute();
      changes.push({ action: 'update', kind: 'member', target, detail: `role: ${role} → ${member.role}` });
    } else {
      changes.push({ action: 'unchanged', kind: 'member', target });
    }
  }
  if (!options.prune) return changes;

  const listed = new Set(members.map((m) => m.login));
  for (const { login, role } of current) {
    if (listed.has(login)) continue;
    const count = await submissionCount(tx, courseId, login);
    if (count > 0) {
      throw new Conflict('conflict', `cannot remove member ${courseId}/${login}: they have ${count} submission(s); list them in the file again`, {
        target: `${courseId}/${login}`,
        submissions: count,
      });
    }
    await tx.deleteFrom('memberships').where('course_id', '=', courseId).where('login', '=', login).execute();
    changes.push({ action: 'remove', kind: 'member', target: `${courseId}/${login}`, detail: role });
  }
  return changes;
}
