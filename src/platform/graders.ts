/** Grader versions: drafts uploaded by staff, published by instructors, one live version per part. */
import { isProtocol, PROTOCOL_NAMES, PROTOCOLS } from '../grader/protocol-names.ts';
import { formatRunUser, parseRunUser } from '../grader/run-user.ts';
import type { DbExecutor } from '../db/database.ts';
import { dialectOf } from '../db/dialect-of.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, InvalidInput, NotFound } from './errors.ts';
import { refreshAssignmentGrades } from './assignment-grades.ts';
import { publishAutogradeDraft } from './autograde-graders.ts';
import { enforceGoldens } from './golden-publish.ts';
import { resolveGraderLimits } from './grader-limits.ts';
import { newId } from './ids.ts';
import type { Actor, GraderProtocol, GraderScript, GraderVersion } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';
import type { NewGraderVersion, PublishOptions, PublishOutcome } from './platform.ts';
import { graderVersionFromRow, type GraderRow } from './rows.ts';

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

async function requirePart(db: DbExecutor, courseId: string, assignmentId: string, partId: string, options: { lock?: boolean } = {}): Promise<void> {
  const part = await db
    .selectFrom('parts')
    .select('id')
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('id', '=', partId)
    .$if(options.lock === true && dialectOf(db) === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  if (!part) throw new NotFound(`no part ${courseId}/${assignmentId}/${partId}`);
}

/** Staff with `author` may upload images and drafts to the course. */
export async function assertCanUpload(ctx: PlatformContext, actor: Actor, courseId: string): Promise<void> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'upload graders');
}

/** Notes that an image was uploaded to the course, so that its drafts may use it. */
export async function recordImageUpload(ctx: PlatformContext, actor: Actor, courseId: string, imageId: string): Promise<void> {
  await assertCanUpload(ctx, actor, courseId);
  checkImageId(imageId);
  await ctx.db
    .insertInto('course_images')
    .values({ course_id: courseId, image_id: imageId, uploaded_by: actor.login, uploaded_at: ctx.now().toISOString() })
    .onConflict((oc) => oc.columns(['course_id', 'image_id']).doNothing())
    .execute();
}

/** `root`, `UID` or `UID:GID` as parseRunUser reads it, kept in its canonical form; null stays null. */
export function checkedRunAs(runAs: string | null | undefined): string | null {
  if (runAs === undefined || runAs === null) return null;
  try {
    return formatRunUser(parseRunUser(runAs));
  } catch (error) {
    throw new InvalidInput(`runAs: ${(error as Error).message}`, { field: 'runAs' });
  }
}

const MAX_SCRIPT_ARGS = 64;
const MAX_SCRIPT_TEXT = 4096;

/** What a new draft of either kind of grader is made of (checked by the caller). */
export interface DraftFields {
  imageId: string;
  protocol: GraderProtocol | null;
  runAs: string | null;
  script: GraderScript | null;
  limits: { cpus: number; memoryMiB: number; timeoutSeconds: number };
  by: string;
  at: string;
}

/** A new draft's row: the columns a part's grader version and an assignment's autograde grader share. */
export function draftRow(key: { id: string; courseId: string; assignmentId: string; number: number }, fields: DraftFields): GraderRow {
  return {
    id: key.id,
    course_id: key.courseId,
    assignment_id: key.assignmentId,
    number: key.number,
    status: 'draft',
    image_id: fields.imageId,
    protocol: fields.protocol,
    run_as: fields.runAs,
    script_path: fields.script?.path ?? null,
    script_args: fields.script === null ? null : JSON.stringify(fields.script.args),
    cpus: fields.limits.cpus,
    memory_mib: fields.limits.memoryMiB,
    timeout_seconds: fields.limits.timeoutSeconds,
    uploaded_by: fields.by,
    uploaded_at: fields.at,
    published_by: null,
    published_at: null,
  };
}

/**
 * A `script` grader's script and arguments: required with that protocol and refused with any
 * other; a path and arguments of at most 4096 characters without NUL, at most 64 arguments.
 */
export function checkedScript(protocol: GraderProtocol | null, script: { path: string; args?: string[] } | null | undefined): GraderScript | null {
  const given = script !== undefined && script !== null;
  if (protocol !== 'script') {
    if (given) throw new InvalidInput('script: only script graders have one; set protocol to script, or leave script out', { field: 'script' });
    return null;
  }
  if (!given) throw new InvalidInput('script: a script grader needs its script: the path of the grading script in the image, e.g. .guides/secure/grade.py', { field: 'script' });
  const usable = (text: unknown): boolean => typeof text === 'string' && text.length <= MAX_SCRIPT_TEXT && !text.includes('\0');
  if (!usable(script.path) || script.path.trim() === '') {
    throw new InvalidInput(`script.path: must be a path in the image of 1 to ${MAX_SCRIPT_TEXT} characters without NUL (got ${JSON.stringify(script.path)})`, { field: 'script.path' });
  }
  const args = script.args ?? [];
  if (!Array.isArray(args) || args.length > MAX_SCRIPT_ARGS || !args.every(usable)) {
    throw new InvalidInput(`script.args: must be at most ${MAX_SCRIPT_ARGS} strings of at most ${MAX_SCRIPT_TEXT} characters without NUL`, { field: 'script.args' });
  }
  return { path: script.path, args: [...args] };
}

export function checkImageId(imageId: unknown): void {
  if (typeof imageId !== 'string' || !IMAGE_ID.test(imageId)) {
    throw new InvalidInput(`imageId: expected an image id like sha256:<64 hex digits> (got ${JSON.stringify(imageId)})`, { field: 'imageId' });
  }
}

export async function createDraft(ctx: PlatformContext, actor: Actor, input: NewGraderVersion): Promise<GraderVersion> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, input.courseId, 'staff', 'upload graders');
  await requirePart(ctx.db, input.courseId, input.assignmentId, input.partId);
  checkImageId(input.imageId);
  // Image ids are public digests: only an image uploaded to this course may grade in it.
  const uploaded = await ctx.db
    .selectFrom('course_images')
    .select('image_id')
    .where('course_id', '=', input.courseId)
    .where('image_id', '=', input.imageId)
    .executeTakeFirst();
  if (!uploaded) {
    throw new NotFound(`image ${input.imageId} was not uploaded to ${input.courseId}; upload it to this course first (gradebox upload)`);
  }
  const protocol = input.protocol ?? null;
  if (protocol !== null && !isProtocol(protocol)) {
    throw new InvalidInput(`protocol: must be one of ${PROTOCOL_NAMES.join(', ')}, or left out to detect it from the image`, { field: 'protocol', allowed: PROTOCOL_NAMES });
  }
  const runAs = checkedRunAs(input.runAs);
  const script = checkedScript(protocol, input.script);
  const limits = resolveGraderLimits(input, ctx.limits, protocol === null ? undefined : PROTOCOLS[protocol].defaultTimeoutSeconds);
  return runInTransaction(ctx.db, async (tx) => {
    // Locks the part (PostgreSQL; SQLite has one writer anyway) so that concurrent uploads to it
    // take the next numbers one after the other.
    await requirePart(tx, input.courseId, input.assignmentId, input.partId, { lock: true });
    const last = await tx
      .selectFrom('grader_versions')
      .select((eb) => eb.fn.max('number').as('n'))
      .where('course_id', '=', input.courseId)
      .where('assignment_id', '=', input.assignmentId)
      .where('part_id', '=', input.partId)
      .executeTakeFirst();
    const row = {
      ...draftRow({ id: newId('gv'), courseId: input.courseId, assignmentId: input.assignmentId, number: Number(last?.n ?? 0) + 1 }, {
        imageId: input.imageId, protocol, runAs, script, limits, by: actor.login, at: ctx.now().toISOString(),
      }),
      part_id: input.partId,
    };
    await tx.insertInto('grader_versions').values(row).execute();
    return graderVersionFromRow(row);
  });
}

/** Staff: every version of a part, newest first. */
export async function listGraderVersions(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, partId: string): Promise<GraderVersion[]> {
  requireScope(actor, 'read');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'list grader versions');
  await requirePart(ctx.db, courseId, assignmentId, partId);
  const rows = await ctx.db
    .selectFrom('grader_versions')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('part_id', '=', partId)
    .orderBy('number', 'desc')
    .execute();
  return rows.map(graderVersionFromRow);
}

/**
 * Instructors with `author`: in one transaction, each part's newest draft (and the assignment's
 * newest autograde grader draft) goes live, the version
 * it replaces and any older drafts become `superseded` (so a later publish never revives them).
 */
export async function publish(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, options: PublishOptions = {}): Promise<PublishOutcome> {
  if (options.acceptChanges !== undefined && typeof options.acceptChanges !== 'boolean') throw new InvalidInput('acceptChanges: must be true or false', { field: 'acceptChanges' });
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, courseId, 'instructor', 'publish graders');
  const published = await runInTransaction(ctx.db, async (tx) => {
    // Locked (PostgreSQL) so that a concurrent publish waits and then finds nothing left to publish.
    const assignment = await tx
      .selectFrom('assignments')
      .select('id')
      .where('course_id', '=', courseId)
      .where('id', '=', assignmentId)
      .$if(dialectOf(tx) === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (!assignment) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
    const drafts = await tx
      .selectFrom('grader_versions')
      .selectAll()
      .where('course_id', '=', courseId)
      .where('assignment_id', '=', assignmentId)
      .where('status', '=', 'draft')
      .orderBy('part_id')
      .orderBy('number', 'desc')
      .execute();
    const newest = drafts.filter((row, i) => i === 0 || drafts[i - 1]?.part_id !== row.part_id);
    const at = ctx.now().toISOString();
    const autograde = await publishAutogradeDraft(tx, courseId, assignmentId, actor.login, at);
    if (newest.length === 0 && autograde === null) {
      throw new Conflict('nothing-to-publish', `no draft to publish in ${courseId}/${assignmentId}: upload a grader draft for a part (or the assignment's autograde grader) first`);
    }
    // The goldens' rule (src/platform/golden-publish.ts): refused before anything changes.
    const goldens = await enforceGoldens(tx, { courseId, assignmentId, drafts: newest, acceptChanges: options.acceptChanges === true, by: actor.login, at });
    // Grades waiting for an autograde grader (or made by the one replaced, for work graded from now on) follow it.
    if (autograde !== null) await refreshAssignmentGrades(tx, ctx.queue, courseId, assignmentId, at);
    for (const draft of newest) {
      await tx
        .updateTable('grader_versions')
        .set({ status: 'superseded' })
        .where('course_id', '=', courseId)
        .where('assignment_id', '=', assignmentId)
        .where('part_id', '=', draft.part_id)
        .where('status', 'in', ['published', 'draft'])
        .where('id', '!=', draft.id)
        .execute();
      await tx.updateTable('grader_versions').set({ status: 'published', published_by: actor.login, published_at: at }).where('id', '=', draft.id).execute();
    }
    return { parts: newest.map((row) => graderVersionFromRow({ ...row, status: 'published', published_by: actor.login, published_at: at })), autograde, goldens };
  });
  return { courseId, assignmentId, published: published.parts, autograde: published.autograde, goldens: published.goldens };
}

/** Staff with `author` of a course that has a grader version using the image (for `grade remote`). */
export async function assertCanReadImage(ctx: PlatformContext, actor: Actor, courseId: string, imageId: string): Promise<void> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'download grader images');
  const used = await ctx.db.selectFrom('grader_versions').select('id').where('course_id', '=', courseId).where('image_id', '=', imageId).limit(1).executeTakeFirst();
  if (!used) throw new NotFound(`no grader of ${courseId} uses image ${imageId}`);
}
