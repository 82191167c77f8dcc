/**
 * One member at a time (the web set-up page): add one or change their role, remove one, and what
 * the caller may do on the set-up page. Each runs `apply`'s own member code (apply-members.ts) in
 * a transaction, so the rules are the course file's: a new login becomes a user, an instructor
 * cannot take their own instructor role away, a member with submissions is not removed.
 */
import { runInTransaction } from '../db/transaction.ts';
import { applyMembers } from './apply-members.ts';
import type { PlatformContext } from './context.ts';
import { InvalidInput, NotFound } from './errors.ts';
import { ROLES, type Actor, type ApplyChange, type Role } from './model.ts';
import { checkName } from './names.ts';
import { hasScope, requireCourseRole, requireScope } from './permissions.ts';

const MAX_DISPLAY_NAME = 200;

/** What the caller may do on a course's set-up page. */
export interface SetupRights {
  /** Add, change and remove members, apply course files: instructors and admins with `manage`. */
  changeSetup: boolean;
  /** Whose invitation links the caller may create (createInvitation's rule): admins anyone, instructors students and TAs. */
  inviteRoles: Role[];
}

/** Staff of the course (others: 403, non-members 404): what they may change there. */
export async function getSetupRights(ctx: PlatformContext, actor: Actor, courseId: string): Promise<SetupRights> {
  requireScope(actor, 'read');
  const access = await requireCourseRole(ctx.db, actor, courseId, 'staff', 'see the course set-up');
  const manage = hasScope(actor, 'manage');
  const inviteRoles: Role[] = !manage ? [] : actor.isAdmin ? [...ROLES] : access.role === 'instructor' ? ['ta', 'student'] : [];
  return { changeSetup: manage && access.instructor, inviteRoles };
}

export interface MemberInput {
  login: unknown;
  role: unknown;
  /** For a login that is no user yet (default: the login); an existing user's name is kept. */
  displayName?: unknown;
}

/** Instructors and admins with `manage`: adds a member or changes their role; the change made (or `unchanged`). */
export async function setMember(ctx: PlatformContext, actor: Actor, courseId: string, input: MemberInput): Promise<ApplyChange> {
  requireScope(actor, 'manage');
  await requireCourseRole(ctx.db, actor, courseId, 'instructor', 'change the members');
  const login = checkName('login', input.login, 'login');
  if (typeof input.role !== 'string' || !ROLES.includes(input.role as Role)) {
    throw new InvalidInput(`role: must be one of ${ROLES.join(', ')}`, { field: 'role' });
  }
  const role = input.role as Role;
  let displayName: string | undefined;
  if (input.displayName !== undefined && input.displayName !== null && input.displayName !== '') {
    if (typeof input.displayName !== 'string' || input.displayName.length > MAX_DISPLAY_NAME) {
      throw new InvalidInput(`displayName: must be a string of at most ${MAX_DISPLAY_NAME} characters`, { field: 'displayName' });
    }
    displayName = input.displayName;
  }
  const now = ctx.now().toISOString();
  const changes = await runInTransaction(ctx.db, (tx) => applyMembers(tx, actor, courseId, [{ login, role, displayName }], { prune: false, now }));
  return changes[0]!;
}

/** Instructors and admins with `manage`: removes a member (404 when not one; 409 with submissions or for one's own instructor role). */
export async function removeMember(ctx: PlatformContext, actor: Actor, courseId: string, login: string): Promise<ApplyChange> {
  requireScope(actor, 'manage');
  await requireCourseRole(ctx.db, actor, courseId, 'instructor', 'change the members');
  const now = ctx.now().toISOString();
  const changes = await runInTransaction(ctx.db, async (tx) => {
    const current = await tx.selectFrom('memberships').select(['login', 'role']).where('course_id', '=', courseId).execute();
    if (!current.some((m) => m.login === login)) throw new NotFound(`'${login}' is not a member of ${courseId}`);
    // Everyone else listed as they are, with prune: apply removes exactly this one, by its rules.
    const others = current.filter((m) => m.login !== login).map((m) => ({ login: m.login, role: m.role as Role, displayName: undefined }));
    return applyMembers(tx, actor, courseId, others, { prune: true, now });
  });
  return changes.find((c) => c.action === 'remove')!;
}
