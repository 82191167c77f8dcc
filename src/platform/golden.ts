/**
 * Golden submissions: staff (`author`) pin submissions — a student's real one or an author-test
 * sample — with the results each part must keep getting; `publish` refuses a draft that changes
 * them unless the change is accepted (src/platform/golden-publish.ts).
 */
import type { DbExecutor } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { GradeStatus } from '../grader/grade-result.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, InvalidInput, NotFound } from './errors.ts';
import { checkGoldens, newestDrafts, newestResultRow, type GoldenRow } from './golden-check.ts';
import { newId } from './ids.ts';
import type { Actor, GoldenExpectation, GoldenSubmission } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';
import { pointsFor } from './result-views.ts';

export interface NewGolden {
  courseId: string;
  assignmentId: string;
  /** A submission of this assignment. */
  submissionId: string;
  /** Default: the submission's login and id. */
  label?: string;
  /** Expected points per part (0 to the part's points); other parts expect the submission's current result. */
  expect?: Record<string, unknown>;
}

const MAX_LABEL = 200;

/** Staff with `author` (the goldens guard publishing, which is authoring). */
async function requireGoldenAuthor(ctx: PlatformContext, actor: Actor, courseId: string, action: string): Promise<void> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', action);
}

export async function pinGolden(ctx: PlatformContext, actor: Actor, input: NewGolden): Promise<GoldenSubmission> {
  await requireGoldenAuthor(ctx, actor, input.courseId, 'pin golden submissions');
  const label = input.label ?? null;
  if (label !== null && (typeof label !== 'string' || label.trim() === '' || label.length > MAX_LABEL || hasControlCharacter(label))) {
    throw new InvalidInput(`label: must be 1 to ${MAX_LABEL} characters without control characters`, { field: 'label' });
  }
  const id = await runInTransaction(ctx.db, async (tx) => {
    const source = await tx.selectFrom('submissions').select(['id', 'course_id', 'assignment_id', 'login']).where('id', '=', input.submissionId).executeTakeFirst();
    // Another course's submission is not the caller's business: as if it did not exist.
    if (source === undefined || source.course_id !== input.courseId) throw new NotFound(`no submission ${input.submissionId} in ${input.courseId}`);
    if (source.assignment_id !== input.assignmentId) {
      throw new InvalidInput(`submission ${input.submissionId} belongs to ${input.courseId}/${source.assignment_id}, not ${input.assignmentId}: pin it on its own assignment`, {
        field: 'submissionId',
      });
    }
    const parts = await tx.selectFrom('parts').select(['id', 'points']).where('course_id', '=', input.courseId).where('assignment_id', '=', input.assignmentId).orderBy('position').execute();
    const given = checkedExpectations(input.expect, parts);
    const pinned = await tx
      .selectFrom('golden_submissions')
      .select('id')
      .where('course_id', '=', input.courseId)
      .where('assignment_id', '=', input.assignmentId)
      .where('submission_id', '=', source.id)
      .executeTakeFirst();
    if (pinned) throw new Conflict('already-golden', `submission ${source.id} is already golden (${pinned.id}); unpin it first to pin it again`, { goldenId: pinned.id });
    const expected: Array<{ partId: string; status: GradeStatus; points: number | null }> = [];
    for (const part of parts) {
      const points = given.get(part.id);
      if (points !== undefined) {
        expected.push({ partId: part.id, status: 'graded', points });
        continue;
      }
      const result = await newestResultRow(tx, source.id, part.id);
      if (result !== undefined) expected.push({ partId: part.id, status: result.status as GradeStatus, points: pointsFor(result.status as GradeStatus, result.score, part.points) });
    }
    if (expected.length === 0) {
      throw new InvalidInput(`submission ${source.id} has no result yet: wait for its grading, or give the expected points of each part (--expect PART=POINTS, or expect in the body)`, {
        field: 'expect',
      });
    }
    const at = ctx.now().toISOString();
    const golden = {
      id: newId('gold'),
      course_id: input.courseId,
      assignment_id: input.assignmentId,
      submission_id: source.id,
      label: label ?? `${source.login} ${source.id}`,
      pinned_by: actor.login,
      pinned_at: at,
    };
    await tx.insertInto('golden_submissions').values(golden).execute();
    await tx
      .insertInto('golden_expectations')
      .values(expected.map((e) => ({ golden_id: golden.id, course_id: input.courseId, assignment_id: input.assignmentId, part_id: e.partId, status: e.status, points: e.points, how: 'pinned', set_by: actor.login, set_at: at })))
      .execute();
    return golden.id;
  }).catch((error: unknown) => {
    // Two pins of one submission at once: the second finds the first's row at commit.
    if (isUniqueViolation(error)) throw new Conflict('already-golden', `submission ${input.submissionId} is already golden; unpin it first to pin it again`);
    throw error;
  });
  return (await readGoldens(ctx.db, input.courseId, input.assignmentId, id))[0]!;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** `{part: points}`: known parts, finite points from 0 to the part's points. */
function checkedExpectations(expect: Record<string, unknown> | undefined, parts: ReadonlyArray<{ id: string; points: number }>): Map<string, number> {
  const given = new Map<string, number>();
  if (expect === undefined || expect === null) return given;
  if (typeof expect !== 'object' || Array.isArray(expect)) throw new InvalidInput('expect: must be an object of part ids to points, e.g. {"p1": 7.5}', { field: 'expect' });
  for (const [partId, points] of Object.entries(expect)) {
    const part = parts.find((p) => p.id === partId);
    if (part === undefined) {
      throw new InvalidInput(`expect: the assignment has no part '${partId}'; its parts: ${parts.map((p) => p.id).join(', ') || 'none'}`, {
        field: `expect.${partId}`,
        allowed: parts.map((p) => p.id),
      });
    }
    if (typeof points !== 'number' || !Number.isFinite(points) || points < 0 || points > part.points) {
      throw new InvalidInput(`expect.${partId}: must be a number of points from 0 to ${part.points} (got ${JSON.stringify(points)})`, {
        field: `expect.${partId}`,
        min: 0,
        max: part.points,
      });
    }
    given.set(partId, Math.round(points * 100) / 100);
  }
  return given;
}

/** Staff: the assignment's goldens, oldest first, each with its state against the newest drafts. */
export async function listGoldens(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<GoldenSubmission[]> {
  requireScope(actor, 'read');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'see golden submissions');
  const assignment = await ctx.db.selectFrom('assignments').select('id').where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirst();
  if (!assignment) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  return readGoldens(ctx.db, courseId, assignmentId);
}

/** Staff with `author`: removes a golden (the submission and any graded copies stay). */
export async function unpinGolden(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, goldenId: string): Promise<GoldenSubmission> {
  await requireGoldenAuthor(ctx, actor, courseId, 'unpin golden submissions');
  const [golden] = await readGoldens(ctx.db, courseId, assignmentId, goldenId);
  if (golden === undefined) throw new NotFound(`no golden ${goldenId} in ${courseId}/${assignmentId}`);
  await ctx.db.deleteFrom('golden_submissions').where('id', '=', goldenId).execute();
  return golden;
}

/** Golden rows of an assignment (or one), oldest first. */
export async function goldenRows(db: DbExecutor, courseId: string, assignmentId: string, goldenId?: string): Promise<GoldenRow[]> {
  return db
    .selectFrom('golden_submissions')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .$if(goldenId !== undefined, (q) => q.where('id', '=', goldenId!))
    .orderBy('pinned_at')
    .orderBy('id')
    .execute();
}

async function readGoldens(db: DbExecutor, courseId: string, assignmentId: string, goldenId?: string): Promise<GoldenSubmission[]> {
  const rows = await goldenRows(db, courseId, assignmentId, goldenId);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [expectations, sources, drafts] = await Promise.all([
    db
      .selectFrom('golden_expectations as e')
      .innerJoin('parts as p', (j) => j.onRef('p.course_id', '=', 'e.course_id').onRef('p.assignment_id', '=', 'e.assignment_id').onRef('p.id', '=', 'e.part_id'))
      .selectAll('e')
      .where('e.golden_id', 'in', ids)
      .orderBy('p.position')
      .execute(),
    db.selectFrom('submissions').select(['id', 'login', 'kind']).where('id', 'in', rows.map((r) => r.submission_id)).execute(),
    newestDrafts(db, courseId, assignmentId),
  ]);
  const checks = await checkGoldens(db, rows, drafts);
  return rows.map((row) => {
    const source = sources.find((s) => s.id === row.submission_id);
    return {
      id: row.id,
      courseId: row.course_id,
      assignmentId: row.assignment_id,
      submissionId: row.submission_id,
      source: { login: source?.login ?? '', kind: source?.kind === 'author-test' ? 'author-test' : 'student' },
      label: row.label,
      pinnedBy: row.pinned_by,
      pinnedAt: row.pinned_at,
      expected: expectations
        .filter((e) => e.golden_id === row.id)
        .map(
          (e): GoldenExpectation => ({
            partId: e.part_id,
            status: e.status as GradeStatus,
            points: e.status === 'graded' ? e.points : null,
            how: e.how === 'accepted' ? 'accepted' : 'pinned',
            setBy: e.set_by,
            setAt: e.set_at,
          }),
        ),
      drafts: checks.filter((c) => c.goldenId === row.id),
    };
  });
}
