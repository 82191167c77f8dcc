/** Reading courses and their members. Changing them is `applyCourseFile`'s job. */
import type { PlatformContext } from './context.ts';
import type { Actor, Course, Member, Role } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';

/** The caller's courses; admins see every course (`myRole` null where they are no member). */
export async function listCourses(ctx: PlatformContext, actor: Actor): Promise<Course[]> {
  requireScope(actor, 'read');
  const rows = await ctx.db
    .selectFrom('courses')
    .leftJoin('memberships', (join) => join.onRef('memberships.course_id', '=', 'courses.id').on('memberships.login', '=', actor.login))
    .select(['courses.id', 'courses.title', 'courses.created_at', 'memberships.role'])
    .$if(!actor.isAdmin, (q) => q.where('memberships.role', 'is not', null))
    .orderBy('courses.id')
    .execute();
  return rows.map((r) => ({ id: r.id, title: r.title, createdAt: r.created_at, myRole: (r.role ?? null) as Role | null }));
}

export async function getCourse(ctx: PlatformContext, actor: Actor, courseId: string): Promise<Course> {
  requireScope(actor, 'read');
  const access = await requireCourseRole(ctx.db, actor, courseId, 'member', 'read the course');
  const row = await ctx.db.selectFrom('courses').selectAll().where('id', '=', courseId).executeTakeFirstOrThrow();
  return { id: row.id, title: row.title, createdAt: row.created_at, myRole: access.role };
}

/** Staff only: the members, instructors first, then TAs, then students, by login. */
export async function listMembers(ctx: PlatformContext, actor: Actor, courseId: string): Promise<Member[]> {
  requireScope(actor, 'read');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'list the members');
  const rows = await ctx.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.login', 'memberships.login')
    .select(['memberships.login', 'users.display_name', 'memberships.role'])
    .where('memberships.course_id', '=', courseId)
    .orderBy('memberships.login')
    .execute();
  const order: Record<Role, number> = { instructor: 0, ta: 1, student: 2 };
  return rows
    .map((r) => ({ login: r.login, displayName: r.display_name, role: r.role as Role }))
    .sort((a, b) => order[a.role] - order[b.role]);
}
