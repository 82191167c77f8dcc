/** `apply`'s assignment half: create, update and (with prune) remove assignments and their parts. */
import type { Selectable } from 'kysely';
import type { DbTransaction } from '../db/database.ts';
import type { AssignmentsTable, PartsTable } from '../db/tables.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { refreshAssignmentGrades } from './assignment-grades.ts';
import { publishedAutogradeGrader } from './autograde-graders.ts';
import { syncCompletionSchedule } from './completion-schedule.ts';
import { syncReleaseSchedule } from './release-schedule.ts';
import type { CourseFileAssignment, CourseFilePart } from './course-file.ts';
import { Conflict } from './errors.ts';
import { describeLatePolicy, type LatePolicy } from './late-policy.ts';
import { decodeLatePolicy, encodeLatePolicy } from './late-rule.ts';
import type { ApplyChange } from './model.ts';

interface Options {
  prune: boolean;
  now: string;
  /** Where a deferring autograde method queues its jobs. */
  queue: JobQueue;
}

/** Names of the fields that differ, for an `update` change's detail. */
function differences(pairs: Array<[string, unknown, unknown]>): string[] {
  return pairs.filter(([, a, b]) => a !== b).map(([name]) => name);
}

/**
 * A created assignment's change line: `graded on completion; at most 5 submissions, one per 60 s;
 * late: 10% off per day late; cutoff 2026-03-05T23:59:00.000Z`; undefined without any of them.
 */
function createdDetail({ maxSubmissions, minIntervalSeconds, latePolicy, cutoff, trigger, partFeedback, completeAt, leaderboard }: CourseFileAssignment): string | undefined {
  const workflow = trigger === 'completion' ? [`graded on completion${partFeedback === 'on-completion' ? ', parts too' : ''}${completeAt === null ? '' : `, all completed at ${completeAt}`}`] : [];
  const limits = [
    ...(maxSubmissions === null ? [] : [`at most ${maxSubmissions} submission${maxSubmissions === 1 ? '' : 's'}`]),
    ...(minIntervalSeconds === null ? [] : [`one per ${minIntervalSeconds} s`]),
  ];
  const parts = [
    ...workflow,
    ...(limits.length === 0 ? [] : [limits.join(', ')]),
    ...(latePolicy === null ? [] : [`late: ${describeLatePolicy(latePolicy)}`]),
    ...(cutoff === null ? [] : [`cutoff ${cutoff}`]),
    ...(leaderboard ? ['leaderboard'] : []),
  ];
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** Late rules that changed, old → new, so the preview shows what students will get. */
function lateChanges(have: Selectable<AssignmentsTable>, assignment: CourseFileAssignment): string[] {
  const policy = encodeLatePolicy(assignment.latePolicy);
  const changes: string[] = [];
  if (have.late_policy !== policy) {
    const show = (p: LatePolicy | null): string => (p === null ? 'none' : describeLatePolicy(p));
    changes.push(`latePolicy: ${show(decodeLatePolicy(have.late_policy))} → ${show(assignment.latePolicy)}`);
  }
  if (have.cutoff !== assignment.cutoff) changes.push(`cutoff: ${have.cutoff ?? 'none'} → ${assignment.cutoff ?? 'none'}`);
  return changes;
}

/**
 * The release columns the file asks for (undefined keys: as they are; a new assignment:
 * immediate, no release time) and, for an existing assignment, what changes, old → new.
 */
function releaseValues(have: Selectable<AssignmentsTable> | undefined, assignment: CourseFileAssignment): { values: { release_mode: string; release_at: string | null }; changes: string[] } {
  const mode = assignment.release ?? have?.release_mode ?? 'immediate';
  const at = assignment.releaseAt === undefined ? (have?.release_at ?? null) : assignment.releaseAt;
  const changes: string[] = [];
  if (have !== undefined && have.release_mode !== mode) changes.push(`release: ${have.release_mode} → ${mode}`);
  if (have !== undefined && have.release_at !== at) changes.push(`releaseAt: ${have.release_at ?? 'none'} → ${at ?? 'none'}`);
  return { values: { release_mode: mode, release_at: at }, changes };
}

/** A created assignment's release, for its change line; undefined for the default (immediate). */
function releaseDetail(values: { release_mode: string; release_at: string | null }): string | undefined {
  if (values.release_mode === 'immediate') return undefined;
  return values.release_at === null ? 'grades released by staff' : `grades released at ${values.release_at}`;
}

function refuse(target: string, what: string, count: number): never {
  throw new Conflict('conflict', `cannot remove ${what} ${target}: it has ${count} submission(s); list it in the file again`, {
    target,
    submissions: count,
  });
}

async function assignmentSubmissions(tx: DbTransaction, courseId: string, assignmentId: string): Promise<number> {
  const row = await tx
    .selectFrom('submissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Submissions graded (or being graded) on this part. */
async function partSubmissions(tx: DbTransaction, courseId: string, assignmentId: string, partId: string): Promise<number> {
  const row = await tx
    .selectFrom('grading_jobs')
    .innerJoin('submissions', 'submissions.id', 'grading_jobs.submission_id')
    .select((eb) => eb.fn.count<number>('submissions.id').distinct().as('n'))
    .where('submissions.course_id', '=', courseId)
    .where('submissions.assignment_id', '=', assignmentId)
    .where('grading_jobs.part_id', '=', partId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function applyParts(tx: DbTransaction, courseId: string, assignment: CourseFileAssignment, options: Options): Promise<ApplyChange[]> {
  const current: Array<Selectable<PartsTable>> = await tx
    .selectFrom('parts')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignment.id)
    .orderBy('position')
    .execute();
  const byId = new Map(current.map((p) => [p.id, p]));
  const changes: ApplyChange[] = [];
  for (const [position, part] of assignment.parts.entries()) {
    const target = `${courseId}/${assignment.id}/${part.id}`;
    const have = byId.get(part.id);
    const values = { title: part.title, points: part.points, position };
    if (!have) {
      await tx.insertInto('parts').values({ course_id: courseId, assignment_id: assignment.id, id: part.id, ...values }).execute();
      changes.push({ action: 'create', kind: 'part', target, detail: `${part.points} points` });
      continue;
    }
    const changed = differences([
      ['title', have.title, part.title],
      ['points', have.points, part.points],
      ['order', have.position, position],
    ]);
    if (changed.length === 0) {
      changes.push({ action: 'unchanged', kind: 'part', target });
      continue;
    }
    await tx.updateTable('parts').set(values).where('course_id', '=', courseId).where('assignment_id', '=', assignment.id).where('id', '=', part.id).execute();
    changes.push({ action: 'update', kind: 'part', target, detail: changed.join(', ') });
  }
  if (options.prune) changes.push(...(await pruneParts(tx, courseId, assignment.id, current, assignment.parts)));
  return changes;
}

async function pruneParts(
  tx: DbTransaction,
  courseId: string,
  assignmentId: string,
  current: Array<Selectable<PartsTable>>,
  listed: CourseFilePart[],
): Promise<ApplyChange[]> {
  const keep = new Set(listed.map((p) => p.id));
  const changes: ApplyChange[] = [];
  for (const part of current) {
    if (keep.has(part.id)) continue;
    const target = `${courseId}/${assignmentId}/${part.id}`;
    const count = await partSubmissions(tx, courseId, assignmentId, part.id);
    if (count > 0) refuse(target, 'part', count);
    // Its grader versions go with it (foreign key cascade).
    await tx.deleteFrom('parts').where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).where('id', '=', part.id).execute();
    changes.push({ action: 'remove', kind: 'part', target });
  }
  return changes;
}

/**
 * `autograde: script` before the assignment has a published autograde grader: applied (the grader
 * can only be uploaded to an assignment that exists), with a warning saying what to do; until
 * then its completed students' grades are errors saying the same.
 */
async function methodWarning(tx: DbTransaction, courseId: string, assignment: CourseFileAssignment): Promise<string | undefined> {
  if (assignment.autograde !== 'script' || (await publishedAutogradeGrader(tx, courseId, assignment.id)) !== undefined) return undefined;
  const where = `${courseId} ${assignment.id}`;
  return `autograde: script needs the assignment's autograde grader, and none is published yet: upload one (gradebox upload IMAGE ${where} --autograde --script PATH) and publish it (gradebox publish ${where}); until then completed grades are errors`;
}

export async function applyAssignments(tx: DbTransaction, courseId: string, assignments: CourseFileAssignment[], options: Options): Promise<ApplyChange[]> {
  const current: Array<Selectable<AssignmentsTable>> = await tx.selectFrom('assignments').selectAll().where('course_id', '=', courseId).orderBy('position').execute();
  const byId = new Map(current.map((a) => [a.id, a]));
  const changes: ApplyChange[] = [];
  for (const [position, assignment] of assignments.entries()) {
    const target = `${courseId}/${assignment.id}`;
    const have = byId.get(assignment.id);
    const release = releaseValues(have, assignment);
    const values = {
      title: assignment.title,
      deadline: assignment.deadline,
      max_submissions: assignment.maxSubmissions,
      min_interval_seconds: assignment.minIntervalSeconds,
      late_policy: encodeLatePolicy(assignment.latePolicy),
      cutoff: assignment.cutoff,
      trigger: assignment.trigger,
      part_feedback: assignment.partFeedback,
      complete_at: assignment.completeAt,
      autograde: assignment.autograde,
      leaderboard: assignment.leaderboard ? 1 : 0,
      position,
      ...release.values,
    };
    if (!have) {
      await tx.insertInto('assignments').values({ course_id: courseId, id: assignment.id, created_at: options.now, ...values }).execute();
      const detail = [createdDetail(assignment), releaseDetail(release.values)].filter((d) => d !== undefined).join('; ') || undefined;
      changes.push({ action: 'create', kind: 'assignment', target, ...(detail === undefined ? {} : { detail }) });
    } else {
      const changed = differences([
        ['title', have.title, assignment.title],
        ['deadline', have.deadline, assignment.deadline],
        ['maxSubmissions', have.max_submissions, assignment.maxSubmissions],
        ['minIntervalSeconds', have.min_interval_seconds, assignment.minIntervalSeconds],
        ['trigger', have.trigger, assignment.trigger],
        ['partFeedback', have.part_feedback, assignment.partFeedback],
        ['completeAt', have.complete_at, assignment.completeAt],
        ['autograde', have.autograde, assignment.autograde],
        ['leaderboard', have.leaderboard === 1, assignment.leaderboard],
        ['order', have.position, position],
      ]);
      // Policies are described with commas: each late change is its own `;`-separated item.
      const detail = [...(changed.length > 0 ? [changed.join(', ')] : []), ...lateChanges(have, assignment), ...release.changes].join('; ');
      if (detail !== '') {
        await tx.updateTable('assignments').set(values).where('course_id', '=', courseId).where('id', '=', assignment.id).execute();
      }
      changes.push(detail !== '' ? { action: 'update', kind: 'assignment', target, detail } : { action: 'unchanged', kind: 'assignment', target });
    }
    const warning = await methodWarning(tx, courseId, assignment);
    if (warning !== undefined) changes.push({ ...(changes.pop() as ApplyChange), warning });
    await syncCompletionSchedule(tx, courseId, assignment.id, assignment.completeAt);
    await syncReleaseSchedule(tx, courseId, assignment.id, release.values.release_at);
    const partChanges = await applyParts(tx, courseId, assignment, options);
    changes.push(...partChanges);
    // Stored grades follow the parts' points (the weights) and the method, without running a grader.
    const regrade = have !== undefined && (have.trigger !== assignment.trigger || have.autograde !== assignment.autograde || partChanges.some((c) => c.action !== 'unchanged'));
    if (regrade) await refreshAssignmentGrades(tx, options.queue, courseId, assignment.id, options.now);
  }
  if (!options.prune) return changes;

  const keep = new Set(assignments.map((a) => a.id));
  for (const assignment of current) {
    if (keep.has(assignment.id)) continue;
    const target = `${courseId}/${assignment.id}`;
    const count = await assignmentSubmissions(tx, courseId, assignment.id);
    if (count > 0) refuse(target, 'assignment', count);
    await tx.deleteFrom('assignments').where('course_id', '=', courseId).where('id', '=', assignment.id).execute();
    changes.push({ action: 'remove', kind: 'assignment', target });
  }
  return changes;
}
