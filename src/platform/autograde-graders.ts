/**
 * An assignment's own grader, for the `script` autograde method: uploaded as drafts by staff and
 * published by instructors with the parts' graders (`publish`, graders.ts), one live version per
 * assignment. Kept apart from the parts' `grader_versions`, whose rows each belong to a part.
 */
import type { Selectable } from 'kysely';
import type { DbExecutor, DbTransaction } from '../db/database.ts';
import { dialectOf } from '../db/dialect-of.ts';
import type { AutogradeGradersTable } from '../db/tables.ts';
import { runInTransaction } from '../db/transaction.ts';
import { PROTOCOLS } from '../grader/protocol-names.ts';
import type { PlatformContext } from './context.ts';
import { InvalidInput, NotFound } from './errors.ts';
import { resolveGraderLimits } from './grader-limits.ts';
import { checkedRunAs, checkedScript, checkImageId, draftRow } from './graders.ts';
import { newId } from './ids.ts';
import type { Actor, AutogradeGrader, GraderProtocol } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';
import { graderFromRow } from './rows.ts';
import type { NewAutogradeGrader } from './platform.ts';


async function requireAssignment(db: DbExecutor, courseId: string, assignmentId: string, options: { lock?: boolean } = {}): Promise<void> {
  const row = await db
    .selectFrom('assignments')
    .select('id')
    .where('course_id', '=', courseId)
    .where('id', '=', assignmentId)
    .$if(options.lock === true && dialectOf(db) === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
}

export async function createAutogradeDraft(ctx: PlatformContext, actor: Actor, input: NewAutogradeGrader): Promise<AutogradeGrader> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, input.courseId, 'staff', 'upload graders');
  await requireAssignment(ctx.db, input.courseId, input.assignmentId);
  checkImageId(input.imageId);
  const uploaded = await ctx.db
    .selectFrom('course_images')
    .select('image_id')
    .where('course_id', '=', input.courseId)
    .where('image_id', '=', input.imageId)
    .executeTakeFirst();
  if (!uploaded) throw new NotFound(`image ${input.imageId} was not uploaded to ${input.courseId}; upload it to this course first (gradebox upload)`);
  // The method hands the script the parts' results in CODIO_AUTOGRADE_ENV: only the script protocol reads it.
  if ((input.protocol ?? 'script') !== 'script') {
    throw new InvalidInput(`protocol: an autograde grader is a script grader (protocol script), not ${String(input.protocol)}`, { field: 'protocol', allowed: ['script'] });
  }
  const protocol: GraderProtocol = 'script';
  const runAs = checkedRunAs(input.runAs);
  const script = checkedScript(protocol, input.script);
  const limits = resolveGraderLimits(input, ctx.limits, PROTOCOLS[protocol].defaultTimeoutSeconds);
  return runInTransaction(ctx.db, async (tx) => {
    // Locked (PostgreSQL) so that concurrent uploads take the next numbers one after the other.
    await requireAssignment(tx, input.courseId, input.assignmentId, { lock: true });
    const last = await tx
      .selectFrom('autograde_graders')
      .select((eb) => eb.fn.max('number').as('n'))
      .where('course_id', '=', input.courseId)
      .where('assignment_id', '=', input.assignmentId)
      .executeTakeFirst();
    const row = draftRow({ id: newId('agv'), courseId: input.courseId, assignmentId: input.assignmentId, number: Number(last?.n ?? 0) + 1 }, {
      imageId: input.imageId, protocol, runAs, script, limits, by: actor.login, at: ctx.now().toISOString(),
    });
    await tx.insertInto('autograde_graders').values(row).execute();
    return graderFromRow(row);
  });
}

/** Staff: every autograde grader version of an assignment, newest first. */
export async function listAutogradeGraders(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<AutogradeGrader[]> {
  requireScope(actor, 'read');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'list grader versions');
  await requireAssignment(ctx.db, courseId, assignmentId);
  const rows = await ctx.db
    .selectFrom('autograde_graders')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .orderBy('number', 'desc')
    .execute();
  return rows.map(graderFromRow);
}

/** Inside `publish`'s transaction: the newest draft goes live, the others become superseded. Null: no draft. */
export async function publishAutogradeDraft(tx: DbTransaction, courseId: string, assignmentId: string, by: string, at: string): Promise<AutogradeGrader | null> {
  const draft = await tx
    .selectFrom('autograde_graders')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('status', '=', 'draft')
    .orderBy('number', 'desc')
    .executeTakeFirst();
  if (!draft) return null;
  await tx
    .updateTable('autograde_graders')
    .set({ status: 'superseded' })
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('status', 'in', ['published', 'draft'])
    .where('id', '!=', draft.id)
    .execute();
  await tx.updateTable('autograde_graders').set({ status: 'published', published_by: by, published_at: at }).where('id', '=', draft.id).execute();
  return graderFromRow({ ...draft, status: 'published', published_by: by, published_at: at });
}

/** The assignment's published autograde grader, if any. */
export async function publishedAutogradeGrader(db: DbExecutor, courseId: string, assignmentId: string): Promise<Selectable<AutogradeGradersTable> | undefined> {
  return db
    .selectFrom('autograde_graders')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('status', '=', 'published')
    .executeTakeFirst();
}
