/** Reading assignments with their parts and each part's live grader (and, for staff, its draft), and the assignment's autograde grader likewise. */
import type { DbExecutor } from '../db/database.ts';
import type { PlatformContext } from './context.ts';
import { NotFound } from './errors.ts';
import { decodeLatePolicy } from './late-rule.ts';
import type { Actor, Assignment, GraderVersion } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';
import { releaseFromRow } from './release-state.ts';
import { graderFromRow, graderVersionFromRow, workflowFromRow } from './rows.ts';

/** A course's assignments (or one of them), in course-file order. */
export async function loadAssignments(db: DbExecutor, courseId: string, staff: boolean, assignmentId?: string, now: Date = new Date()): Promise<Assignment[]> {
  const assignments = await db
    .selectFrom('assignments')
    .selectAll()
    .where('course_id', '=', courseId)
    .$if(assignmentId !== undefined, (q) => q.where('id', '=', assignmentId ?? ''))
    .orderBy('position')
    .orderBy('id')
    .execute();
  if (assignments.length === 0) return [];
  const parts = await db
    .selectFrom('parts')
    .selectAll()
    .where('course_id', '=', courseId)
    .$if(assignmentId !== undefined, (q) => q.where('assignment_id', '=', assignmentId ?? ''))
    .orderBy('position')
    .orderBy('id')
    .execute();
  const versions = await db
    .selectFrom('grader_versions')
    .selectAll()
    .where('course_id', '=', courseId)
    .$if(assignmentId !== undefined, (q) => q.where('assignment_id', '=', assignmentId ?? ''))
    .where('status', 'in', ['published', 'draft'])
    .orderBy('number')
    .execute();

  const autogradeVersions = await db
    .selectFrom('autograde_graders')
    .selectAll()
    .where('course_id', '=', courseId)
    .$if(assignmentId !== undefined, (q) => q.where('assignment_id', '=', assignmentId ?? ''))
    .where('status', 'in', ['published', 'draft'])
    .orderBy('number')
    .execute();

  const key = (a: string, p: string): string => `${a}\u0000${p}`;
  const published = new Map<string, GraderVersion>();
  const drafts = new Map<string, GraderVersion>();
  for (const row of versions) {
    // Ordered by number: the last draft seen is the newest.
    (row.status === 'published' ? published : drafts).set(key(row.assignment_id, row.part_id), graderVersionFromRow(row));
  }
  const autograde = (assignment: string): Assignment['autogradeGrader'] => {
    const rows = autogradeVersions.filter((row) => row.assignment_id === assignment);
    const live = rows.find((row) => row.status === 'published');
    // Ordered by number: the last draft is the newest.
    const draft = rows.filter((row) => row.status === 'draft').at(-1);
    return {
      published: live === undefined ? null : graderFromRow(live),
      draft: staff && draft !== undefined && (live === undefined || draft.number > live.number) ? graderFromRow(draft) : null,
    };
  };
  return assignments.map((a) => ({
    courseId,
    id: a.id,
    title: a.title,
    deadline: a.deadline,
    maxSubmissions: a.max_submissions,
    minIntervalSeconds: a.min_interval_seconds,
    latePolicy: decodeLatePolicy(a.late_policy),
    cutoff: a.cutoff,
    ...workflowFromRow(a),
    createdAt: a.created_at,
    parts: parts
      .filter((p) => p.assignment_id === a.id)
      .map((p) => {
        const live = published.get(key(a.id, p.id)) ?? null;
        const draft = drafts.get(key(a.id, p.id)) ?? null;
        return {
          id: p.id,
          title: p.title,
          points: p.points,
          published: live,
          draft: staff && draft !== null && (live === null || draft.number > live.number) ? draft : null,
        };
      }),
    autogradeGrader: autograde(a.id),
    leaderboard: a.leaderboard === 1,
    // Who released is for staff (students need not learn staff logins).
    release: { ...releaseFromRow(a, now), ...(staff ? {} : { releasedBy: null }) },
  }));
}

export async function listAssignments(ctx: PlatformContext, actor: Actor, courseId: string): Promise<Assignment[]> {
  requireScope(actor, 'read');
  const access = await requireCourseRole(ctx.db, actor, courseId, 'member', 'read assignments');
  return loadAssignments(ctx.db, courseId, access.staff, undefined, ctx.now());
}

export async function getAssignment(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<Assignment> {
  requireScope(actor, 'read');
  const access = await requireCourseRole(ctx.db, actor, courseId, 'member', 'read assignments');
  const [assignment] = await loadAssignments(ctx.db, courseId, access.staff, assignmentId, ctx.now());
  if (!assignment) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  return assignment;
}
