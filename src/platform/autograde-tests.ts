/**
 * Test runs of an assignment's autograde grader (Codio's "Test Autograde Script"): staff run one
 * version (default: the newest draft; any status by id or number) on a sample with part results
 * they simulate, before publishing it. The sample is stored as an `author-test` submission with no
 * part jobs (the simulated results stand in for them); the run is an `autograde_tests` row queued
 * in the grading queue at author-test priority under its `agt_…` id, which the grading store hands
 * to this module. No student's grade reads that table, so a test can never change one.
 */
import type { Selectable } from 'kysely';
import type { DbExecutor } from '../db/database.ts';
import { isForeignKeyViolation } from '../db/errors.ts';
import type { AutogradeGradersTable } from '../db/tables.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { GradeResult } from '../grader/grade-result.ts';
import { storedJson, type StoredResult } from '../grader/stored-result.ts';
import { manifestDigest, sortManifest } from '../intake/manifest.ts';
import type { JobContext } from '../worker/grading-store.ts';
import { autogradeRunContext, runOutcome } from './autograde-jobs.ts';
import type { PlatformContext } from './context.ts';
import { Conflict, InvalidInput, NotFound } from './errors.ts';
import { newId } from './ids.ts';
import { PRIORITY_ORDER, type Actor, type AutogradeGrader, type SubmissionFile } from './model.ts';
import { requireCourseRole, requireScope } from './permissions.ts';
import { graderFromRow } from './rows.ts';

/** Test runs' ids (`newId('agt')`): the grading store tells them from other jobs by it. */
const AUTOGRADE_TEST_PREFIX = 'agt_';

export const isAutogradeTestJob = (jobId: string): boolean => jobId.startsWith(AUTOGRADE_TEST_PREFIX);

/**
 * One part's simulated result as the request gives it: a number (points earned), or an object with
 * `points` or `fraction` (of the part's points), or `{ "status": "ungraded" }` (the part has no
 * result: Codio's "not answered"). `status: "graded"` may go with points or a fraction.
 */
export type SimulatedPartResult = number | { points?: number; fraction?: number; status?: 'graded' | 'ungraded' };

export interface NewAutogradeTest {
  courseId: string;
  assignmentId: string;
  /** The sample's files, received by the intake (blobs stored). */
  files: SubmissionFile[];
  /** The version: its id (`agv_…`) or number (`3`, `v3`); default the newest draft. */
  version?: string;
  /** By part id; a part left out gets full points (a student who got every part right). */
  partResults?: Record<string, unknown>;
}

/** A part as the script is told it: its points and the simulated points earned (null: not answered). */
export interface SimulatedPart {
  part: string;
  points: number;
  earned: number | null;
}

export interface AutogradeTest {
  id: string;
  courseId: string;
  assignmentId: string;
  /** The sample (an `author-test` submission). */
  submissionId: string;
  grader: AutogradeGrader;
  parts: SimulatedPart[];
  requestedBy: string;
  queuedAt: string;
  /** queued, running (a worker took it), then graded (the script reported a grade) or error. */
  status: 'queued' | 'running' | 'graded' | 'error';
  /** The grade the script reported, 0–100; null unless graded. */
  grade: number | null;
  /** Graded: the script's feedback (null when it gave none); error: why there is no grade. */
  detail: string | null;
  /** The script's whole result (status, feedback, problems, stdout and stderr); null until it ends. */
  result: GradeResult | null;
  attempts: number;
  lastError: string | null;
  doneAt: string | null;
}

type AssignmentRow = { autograde: string };

/**
 * Checks, before any file of the sample is received: the token's author scope, a staff role in the
 * course, the assignment (404), its `script` method and an autograde grader version to run (409).
 */
export async function assertCanTestAutograde(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<void> {
  requireScope(actor, 'author');
  await requireCourseRole(ctx.db, actor, courseId, 'staff', 'test autograde graders');
  await requireScriptAssignment(ctx.db, courseId, assignmentId);
  const any = await ctx.db.selectFrom('autograde_graders').select('id').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).executeTakeFirst();
  if (!any) throw noGrader(courseId, assignmentId);
}

async function requireScriptAssignment(db: DbExecutor, courseId: string, assignmentId: string): Promise<AssignmentRow> {
  const row = await db.selectFrom('assignments').select('autograde').where('course_id', '=', courseId).where('id', '=', assignmentId).executeTakeFirst();
  if (!row) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  if (row.autograde !== 'script') {
    throw new Conflict(
      'not-script',
      `${courseId}/${assignmentId} uses the ${row.autograde} autograde method, which runs no script: set "autograde: script" in the course file (gradebox apply) to grade it with an autograde script, or test a part's grader (gradebox test-grader ${courseId} ${assignmentId} PART SAMPLE)`,
      { method: row.autograde },
    );
  }
  return row;
}

function noGrader(courseId: string, assignmentId: string): Conflict {
  return new Conflict(
    'no-autograde-grader',
    `${courseId}/${assignmentId} has no autograde grader version to test: upload one first (gradebox upload IMAGE ${courseId} ${assignmentId} --autograde --script PATH)`,
  );
}

/** The version to run: by id or number, else the newest draft. */
async function chosenGrader(db: DbExecutor, courseId: string, assignmentId: string, version: string | undefined): Promise<Selectable<AutogradeGradersTable>> {
  const versions = db.selectFrom('autograde_graders').selectAll().where('course_id', '=', courseId).where('assignment_id', '=', assignmentId);
  if (version === undefined) {
    const draft = await versions.where('status', '=', 'draft').orderBy('number', 'desc').executeTakeFirst();
    if (draft) return draft;
    if (!(await versions.executeTakeFirst())) throw noGrader(courseId, assignmentId);
    throw new Conflict(
      'no-draft',
      `${courseId}/${assignmentId} has no autograde draft: upload one (gradebox upload IMAGE ${courseId} ${assignmentId} --autograde --script PATH) or name the version to test (version: its id or number)`,
    );
  }
  const number = /^v?([1-9][0-9]{0,8})$/.exec(version);
  const found = await (number ? versions.where('number', '=', Number(number[1])) : versions.where('id', '=', version)).executeTakeFirst();
  if (!found) throw new NotFound(`${courseId}/${assignmentId} has no autograde grader version ${JSON.stringify(version)}`);
  return found;
}

/** The parts as the script will see them: the simulated results checked against the assignment's parts. */
export function simulatedParts(parts: readonly { id: string; points: number }[], given: Record<string, unknown> = {}): SimulatedPart[] {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new InvalidInput('partResults: expected an object by part id, e.g. {"p1": {"points": 3}, "p2": {"fraction": 0.5}}', { field: 'partResults' });
  }
  const unknown = Object.keys(given).filter((id) => !parts.some((part) => part.id === id));
  if (unknown.length > 0) {
    throw new InvalidInput(`partResults: no part ${unknown.map((id) => `'${id}'`).join(', ')}; the parts: ${parts.map((p) => p.id).join(', ') || 'none'}`, {
      field: 'partResults',
      allowed: parts.map((p) => p.id),
    });
  }
  return parts.map((part) => ({ part: part.id, points: part.points, earned: Object.hasOwn(given, part.id) ? earnedOf(part, given[part.id]) : part.points }));
}

function earnedOf(part: { id: string; points: number }, value: unknown): number | null {
  const field = `partResults.${part.id}`;
  const points = (n: unknown, what: string): number => {
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new InvalidInput(`${field}: ${what} must be a number (got ${JSON.stringify(n) ?? String(n)})`, { field });
    return n;
  };
  const within = (n: number): number => {
    if (n < 0 || n > part.points) throw new InvalidInput(`${field}: ${n} points is outside 0–${part.points} (the part's points)`, { field, min: 0, max: part.points });
    return n;
  };
  if (typeof value === 'number') return within(points(value, 'points'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInput(`${field}: expected points, {"points": N}, {"fraction": F} or {"status": "ungraded"} (got ${JSON.stringify(value)})`, { field });
  }
  const entry = value as Record<string, unknown>;
  const extra = Object.keys(entry).filter((key) => !['points', 'fraction', 'status'].includes(key));
  if (extra.length > 0) throw new InvalidInput(`${field}: unknown key ${extra.map((k) => `'${k}'`).join(', ')}; allowed: points, fraction, status`, { field });
  const status = entry.status ?? 'graded';
  if (status !== 'graded' && status !== 'ungraded') throw new InvalidInput(`${field}.status: must be "graded" or "ungraded" (got ${JSON.stringify(status)})`, { field: `${field}.status` });
  const has = (key: string): boolean => entry[key] !== undefined;
  if (status === 'ungraded') {
    if (has('points') || has('fraction')) throw new InvalidInput(`${field}: an ungraded part has no points; give status or points, not both`, { field });
    return null;
  }
  if (has('points') && has('fraction')) throw new InvalidInput(`${field}: give points or fraction, not both`, { field });
  if (has('fraction')) {
    const fraction = points(entry.fraction, 'fraction');
    if (fraction < 0 || fraction > 1) throw new InvalidInput(`${field}: fraction ${fraction} is outside 0–1`, { field, min: 0, max: 1 });
    return Math.round(fraction * part.points * 100) / 100;
  }
  if (has('points')) return within(points(entry.points, 'points'));
  // `{ "status": "graded" }` alone: full points, like a part left out.
  return part.points;
}

/** Records the sample and its test run and queues the run, in one transaction. */
export async function startAutogradeTest(ctx: PlatformContext, actor: Actor, input: NewAutogradeTest): Promise<AutogradeTest> {
  await assertCanTestAutograde(ctx, actor, input.courseId, input.assignmentId);
  if (!Array.isArray(input.files) || input.files.length === 0) throw new InvalidInput('a sample needs at least one file', { field: 'files' });
  const files = sortManifest(input.files.map(({ path, size, digest }) => ({ path, size, digest })));
  const now = ctx.now().toISOString();
  const id = await runInTransaction(ctx.db, async (tx) => {
    const { courseId, assignmentId } = input;
    await requireScriptAssignment(tx, courseId, assignmentId);
    const grader = await chosenGrader(tx, courseId, assignmentId, input.version);
    const parts = await tx.selectFrom('parts').select(['id', 'points']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).orderBy('position').execute();
    const simulated = simulatedParts(parts, input.partResults);
    const submissionId = newId('sub');
    await tx
      .insertInto('submissions')
      .values({
        id: submissionId,
        course_id: courseId,
        assignment_id: assignmentId,
        login: actor.login,
        digest: manifestDigest(files),
        submitted_at: now,
        total_bytes: files.reduce((sum, f) => sum + f.size, 0),
        kind: 'author-test',
      })
      .execute();
    await tx.insertInto('submission_files').values(files.map((f) => ({ submission_id: submissionId, ...f }))).execute();
    const testId = newId('agt');
    await tx
      .insertInto('autograde_tests')
      .values({
        id: testId,
        course_id: courseId,
        assignment_id: assignmentId,
        submission_id: submissionId,
        grader_id: grader.id,
        requested_by: actor.login,
        part_results: JSON.stringify(simulated),
        queued_at: now,
        last_error: null,
        status: null,
        raw_grade: null,
        detail: null,
        result: null,
        result_gzip: null,
        done_at: null,
      })
      .execute();
    await ctx.queue.enqueue(tx, [{ jobId: testId, priority: PRIORITY_ORDER['author-test'], owner: actor.login, course: courseId, cpus: grader.cpus, memoryMiB: grader.memory_mib }]);
    return testId;
  });
  return readTest(ctx.db, id);
}

/** Staff of the course: a test run and, once it ended, its outcome. */
export async function getAutogradeTest(ctx: PlatformContext, actor: Actor, id: string): Promise<AutogradeTest> {
  requireScope(actor, 'read');
  const row = await ctx.db.selectFrom('autograde_tests').select('course_id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`no autograde test run ${id}`);
  await requireCourseRole(ctx.db, actor, row.course_id, 'staff', 'read autograde test runs');
  return readTest(ctx.db, id);
}

async function readTest(db: DbExecutor, id: string): Promise<AutogradeTest> {
  const row = await db.selectFrom('autograde_tests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`no autograde test run ${id}`);
  const grader = await db.selectFrom('autograde_graders').selectAll().where('id', '=', row.grader_id).executeTakeFirstOrThrow();
  const result = row.result === null ? null : (JSON.parse(storedJson({ json: row.result, gzip: row.result_gzip })) as GradeResult);
  const status = row.status === 'graded' || row.status === 'error' ? row.status : row.attempts > 0 ? 'running' : 'queued';
  return {
    id: row.id,
    courseId: row.course_id,
    assignmentId: row.assignment_id,
    submissionId: row.submission_id,
    grader: graderFromRow(grader),
    parts: JSON.parse(row.part_results) as SimulatedPart[],
    requestedBy: row.requested_by,
    queuedAt: row.queued_at,
    status,
    grade: row.raw_grade,
    detail: row.detail,
    result,
    attempts: row.attempts,
    lastError: row.last_error,
    doneAt: row.done_at,
  };
}

/** What a worker needs to run a test run; undefined when it is gone. */
export async function loadAutogradeTestJob(db: DbExecutor, jobId: string): Promise<JobContext | undefined> {
  const row = await db
    .selectFrom('autograde_tests as t')
    .innerJoin('submissions as s', 's.id', 't.submission_id')
    .innerJoin('users as u', 'u.login', 't.requested_by')
    .innerJoin('assignments as a', (join) => join.onRef('a.course_id', '=', 't.course_id').onRef('a.id', '=', 't.assignment_id'))
    .innerJoin('autograde_graders as g', 'g.id', 't.grader_id')
    .select([
      't.id as jobId',
      't.submission_id',
      't.part_results',
      't.status as runStatus',
      't.system_errors',
      's.submitted_at',
      't.requested_by as login',
      'u.display_name',
      't.course_id',
      't.assignment_id',
      'a.title as assignmentTitle',
      'a.deadline',
      'g.id as graderId',
      'g.image_id',
      'g.protocol',
      'g.run_as',
      'g.script_path',
      'g.script_args',
      'g.cpus',
      'g.memory_mib',
      'g.timeout_seconds',
    ])
    .where('t.id', '=', jobId)
    .executeTakeFirst();
  if (!row) return undefined;
  const parts = JSON.parse(row.part_results) as SimulatedPart[];
  const simulated = parts.map((part) => ({ name: part.part, points: part.points, earned: part.earned }));
  // The sample's upload stands for the completion.
  return autogradeRunContext(db, row, simulated, new Date(row.submitted_at));
}

/** Keeps a test run's outcome and whole result once (a duplicate delivery keeps the first). True when this call stored it. */
export async function saveAutogradeTestResult(db: DbExecutor, jobId: string, stored: StoredResult, at: string): Promise<boolean> {
  const outcome = runOutcome(JSON.parse(storedJson(stored)) as GradeResult);
  const updated = await db
    .updateTable('autograde_tests')
    .set({ ...outcome, result: stored.json, result_gzip: stored.gzip, done_at: at })
    .where('id', '=', jobId)
    .where('status', 'is', null)
    .executeTakeFirst()
    .catch((error: unknown) => {
      if (isForeignKeyViolation(error)) return undefined;
      throw error;
    });
  return (updated?.numUpdatedRows ?? 0n) > 0n;
}

/** Counts a delivery (phase `preparing`). */
export async function countAutogradeTestAttempt(db: DbExecutor, jobId: string): Promise<void> {
  await db
    .updateTable('autograde_tests')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', jobId)
    .execute();
}

export async function noteAutogradeTestSystemError(db: DbExecutor, jobId: string, attempt: number, error: string): Promise<void> {
  await db
    .updateTable('autograde_tests')
    .set((eb) => ({
      last_error: error,
      attempts: eb.case().when('attempts', '<', attempt).then(attempt).else(eb.ref('attempts')).end(),
      system_errors: eb('system_errors', '+', 1),
    }))
    .where('id', '=', jobId)
    .execute();
}
