/**
 * `gradebox apply course.yaml`: makes a course look like its file, in one transaction.
 * Idempotent (a second apply reports everything `unchanged`); `dryRun` runs the very same code in
 * a transaction that is then rolled back, so the changes reported are exactly those a real apply
 * would make; `prune` removes what the file no longer lists, refusing (and changing nothing) when
 * that would delete submissions.
 */
import { createHash } from 'node:crypto';
import type { DbTransaction } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { runInTransaction } from '../db/transaction.ts';
import { applyAssignments } from './apply-assignments.ts';
import { applyExtensions } from './apply-extensions.ts';
import { applyMembers } from './apply-members.ts';
import type { PlatformContext } from './context.ts';
import { parseCourseFile, type NormalizedCourseFile } from './course-file.ts';
import { Conflict, Forbidden, InvalidInput } from './errors.ts';
import { recordGradeChanges } from './grade-changes.ts';
import type { GradeCause } from './grade-log.ts';
import type { Actor, ApplyChange } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';
import { recordVisibilityChanges, releaseSnapshot, visibilityChanges, type VisibilityChange } from './release-on-apply.ts';

/** Thrown to roll a dry run back, carrying what it found. */
class DryRunDone extends Error {
  readonly changes: ApplyChange[];
  constructor(changes: ApplyChange[]) {
    super('dry run');
    this.changes = changes;
  }
}

async function applyCourse(tx: DbTransaction, actor: Actor, file: NormalizedCourseFile, now: string, create: boolean): Promise<ApplyChange> {
  const { id, title } = file.course;
  const existing = await tx.selectFrom('courses').selectAll().where('id', '=', id).executeTakeFirst();
  if (create && !actor.isAdmin) throw new Forbidden('only admins may create courses');
  if (create && existing) throw new Conflict('course-exists', `a course '${id}' exists already: change it on its set-up page or with a course file`);
  if (!existing) {
    if (!actor.isAdmin) throw new Forbidden(`course '${id}' does not exist, and only admins may create courses; ask an admin to apply this file once`);
    await tx.insertInto('courses').values({ id, title, created_at: now }).execute();
    return { action: 'create', kind: 'course', target: id };
  }
  await requireCourseRole(tx, actor, id, 'instructor', 'change the course set-up');
  if (existing.title === title) return { action: 'unchanged', kind: 'course', target: id };
  await tx.updateTable('courses').set({ title }).where('id', '=', id).execute();
  return { action: 'update', kind: 'course', target: id, detail: 'title' };
}

export async function applyCourseFile(
  ctx: PlatformContext,
  actor: Actor,
  input: unknown,
  /**
   * `create`: the course must not exist yet (a new course, not a change to one). `expectPlan`: the
   * digest of a preview's changes (planDigest); anything else is refused and nothing applied.
   */
  options: { dryRun?: boolean; prune?: boolean; create?: boolean; expectPlan?: string } = {},
): Promise<ApplyChange[]> {
  requireScope(actor, 'manage');
  const file = parseCourseFile(input);
  const prune = options.prune === true;
  const now = ctx.now().toISOString();
  // Release and visibility: what the file changes for students is recorded once apply committed.
  let shown: VisibilityChange[] = [];
  try {
    const changes = await runInTransaction(ctx.db, async (tx) => {
      const changes = [await applyCourse(tx, actor, file, now, options.create === true)];
      if (file.members) changes.push(...(await applyMembers(tx, actor, file.course.id, file.members, { prune, now })));
      if (file.assignments) {
        const before = await releaseSnapshot(tx, file.course.id);
        changes.push(...(await applyAssignments(tx, file.course.id, file.assignments, { prune, now, queue: ctx.queue })));
        changes.push(...(await applyExtensions(tx, file.course.id, file.assignments, { prune, now, grantedBy: actor.login })));
        shown = visibilityChanges(before, await releaseSnapshot(tx, file.course.id), new Date(now));
        if (options.dryRun !== true) await logGradeChanges(tx, ctx, file.course.id, changes, actor.login);
      }
      // Checked in the transaction that applies: what was previewed is what gets applied, or nothing.
      if (options.expectPlan !== undefined && planDigest(changes) !== options.expectPlan) {
        throw new Conflict('conflict', `${file.course.id} changed since its preview, so the changes are no longer the ones shown; nothing was applied: preview the file again`);
      }
      if (options.dryRun === true) throw new DryRunDone(changes);
      return changes;
    });
    await recordVisibilityChanges(ctx, actor, file.course.id, shown, now);
    return changes;
  } catch (error) {
    if (error instanceof DryRunDone) return error.changes;
    if (isUniqueViolation(error)) {
      if (options.create === true) throw new Conflict('course-exists', `a course '${file.course.id}' was just created by someone else`);
      throw new Conflict('conflict', `another change to ${file.course.id} was made at the same time; nothing was applied: run apply again`);
    }
    throw error;
  }
}

/** A dry run and its plan (planDigest), for applyPreviewedCourseFile. */
export async function previewCourseFile(ctx: PlatformContext, actor: Actor, input: unknown, options: { prune?: boolean } = {}): Promise<{ changes: ApplyChange[]; plan: string }> {
  const changes = await applyCourseFile(ctx, actor, input, { dryRun: true, prune: options.prune === true });
  return { changes, plan: planDigest(changes) };
}

/** Applies the file only if it makes exactly the changes its preview showed (`plan`); 409 and nothing applied otherwise. */
export async function applyPreviewedCourseFile(ctx: PlatformContext, actor: Actor, input: unknown, options: { prune?: boolean; plan: unknown }): Promise<ApplyChange[]> {
  if (typeof options.plan !== 'string' || !/^[0-9a-f]{64}$/.test(options.plan)) throw new InvalidInput('plan: the preview\'s plan (64 hexadecimal digits) is missing; preview the file again', { field: 'plan' });
  return applyCourseFile(ctx, actor, input, { prune: options.prune === true, expectPlan: options.plan });
}

/** A digest of a list of changes (a dry run's), to apply the file only if it still makes exactly those. */
export function planDigest(changes: readonly ApplyChange[]): string {
  const canonical = changes.map((c) => [c.action, c.kind, c.target, c.detail ?? null, c.warning ?? null]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

const LATE_FIELDS = /\b(deadline|latePolicy|cutoff)\b/;

/**
 * Logs the grades the applied changes moved (grade-changes.ts): students whose extension changed
 * first (cause `extension`), then every student of an assignment whose deadline, late policy or
 * cutoff changed (`late-policy`) or whose parts, method or trigger changed (`course-file`).
 */
async function logGradeChanges(tx: DbTransaction, ctx: PlatformContext, courseId: string, changes: readonly ApplyChange[], actor: string): Promise<void> {
  for (const change of changes) {
    if (change.kind !== 'extension' || change.action === 'unchanged') continue;
    const [, assignmentId, login] = change.target.split('/');
    if (assignmentId !== undefined && login !== undefined) await recordGradeChanges(tx, ctx, { courseId, assignmentId, logins: [login] }, 'extension', actor, `course file: extension ${change.action}d`);
  }
  const causes = new Map<string, GradeCause>();
  for (const change of changes) {
    if (change.action !== 'update' && !(change.kind === 'part' && change.action !== 'unchanged')) continue;
    const assignmentId = change.target.split('/')[1];
    if (assignmentId === undefined || (change.kind !== 'assignment' && change.kind !== 'part')) continue;
    const late = change.kind === 'assignment' && LATE_FIELDS.test(change.detail ?? '');
    if (late) causes.set(assignmentId, 'late-policy');
    else if (!causes.has(assignmentId)) causes.set(assignmentId, 'course-file');
  }
  for (const [assignmentId, cause] of causes) await recordGradeChanges(tx, ctx, { courseId, assignmentId }, cause, actor, 'course file applied');
}
