/**
 * Reading assignment grades with their derivation: each part's points from the counting
 * submission's results (or an override), the autograde method, the stored raw grade, and the late
 * adjustment, derived now from the lateness rule (late-rule.ts) at the time that counts — so a
 * policy change or an extension changes grades without running any grader. Staff read every
 * student's, students their own (withheld while a part's result is hidden from them, and without
 * scores while the assignment's scores are not released: release-state.ts).
 *
 * Set-based: one assignment's grades for all (or some) students take a fixed number of queries —
 * the assignment, its parts, completions, submissions, the counting submissions' newest jobs with
 * results, stored grades, extensions and overrides — and are computed in memory. The listing,
 * the export, the grade log (grade-changes.ts) and the web gradebook all read through `deriveGrades`.
 */
import type { Selectable } from 'kysely';
import type { Db, DbExecutor } from '../db/database.ts';
import type { AssignmentGradesTable, CompletionsTable, GradeOverridesTable } from '../db/tables.ts';
import { runInTransaction } from '../db/transaction.ts';
import type { GradeStatus } from '../grader/grade-result.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { aggregateGrade, autogradeMethod, round2 } from './autograde-methods.ts';
import { refreshAssignmentGrade, type CountingWork } from './assignment-grades.ts';
import { courseStudents } from './completions.ts';
import type { PlatformContext } from './context.ts';
import { Forbidden, NotFound } from './errors.ts';
import { lateAdjustment, type LateRule } from './late-policy.ts';
import { decodeLatePolicy } from './late-rule.ts';
import type { Actor, AssignmentGrade, AssignmentGradeStatus, GradeLateness, GradeOverride, GradePart, GradeTrigger } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';
import { isPublished, scoresVisible } from './release-state.ts';
import { pointsFor, storedResult, visibleToStudents } from './result-views.ts';
import { completionFromRow } from './rows.ts';
import { officialJob } from './official-jobs.ts';
import { newestJobPerPart, studentDeadline } from './submission-views.ts';

/** Staff: every student's grade (or one `login`'s); students: their own. In login order. */
export async function listGrades(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string, filter: { login?: string } = {}): Promise<AssignmentGrade[]> {
  requireScope(actor, 'read');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  if (!access.staff && filter.login !== undefined && filter.login !== actor.login) throw new Forbidden('students may only read their own grades');
  let logins = access.staff ? await courseStudents(ctx.db, courseId) : [actor.login];
  if (access.staff && filter.login !== undefined) {
    if (!logins.includes(filter.login)) throw new NotFound(`no student '${filter.login}' in ${courseId}`);
    logins = [filter.login];
  }
  return deriveGrades(ctx.db, { courseId, assignmentId, logins }, { viewer: access.staff ? 'staff' : 'student', now: ctx.now(), refresh: ctx });
}

export interface GradeScope {
  courseId: string;
  assignmentId: string;
  /** These students, in this order (each gets a grade, even one who never submitted). */
  logins: readonly string[];
}

export interface DeriveOptions {
  viewer: 'staff' | 'student';
  now: Date;
  /**
   * Make good stalled stored grades (a refresh lost to a crash between a result and its refresh)
   * before reading them: only outside a transaction, on `ctx.db`. Omitted inside a transaction
   * (the grade log's writer), where the caller has just refreshed what changed.
   */
  refresh?: { db: Db; queue: JobQueue };
  /**
   * Only the final grades are wanted (the grade log after a late-policy change or an extension,
   * which move nothing else): the parts' jobs and results are read only for students whose part
   * overrides recompute their raw grade. Then `parts` and `pointsEarned` of the others are not
   * derived and must not be read; `status`, `rawGrade`, `late`, `finalGrade`, `override` and
   * `released` are exact.
   */
  finalOnly?: boolean;
}

/** Bound parameters per `IN (…)` list; larger sets read the whole assignment and filter in memory. */
const IN_LIMIT = 500;

/** The assignment's columns the derivation needs. */
interface AssignmentFacts {
  trigger: GradeTrigger;
  autograde: string;
  deadline: string | null;
  scoresVisible: boolean;
  /** Released by staff or at the release time: Gradescope's `after_published` shows. */
  published: boolean;
  parts: Array<{ id: string; points: number }>;
  /** Computed once per derivation, not per student: the late rule without an extension, points possible. */
  rule: LateRule;
  deadlineIso: string | null;
  pointsPossible: number;
}

interface PartJob {
  id: string;
  submission_id: string;
  part_id: string;
  queued_at: string;
  status: string | null;
  score: number | null;
  resultJobId: string | null;
}

/** Everything loaded for the students of the scope, by login (or submission). */
interface Loaded {
  completions: Map<string, Selectable<CompletionsTable>>;
  work: Map<string, CountingWork>;
  jobs: Map<string, PartJob[]>;
  stored: Map<string, Selectable<AssignmentGradesTable>>;
  extensions: Map<string, string>;
  overrides: Map<string, Map<string, Selectable<GradeOverridesTable>>>;
}

/** The grades of the scope's students, derived in a fixed number of queries (see the file comment). */
export async function deriveGrades(db: DbExecutor, scope: GradeScope, options: DeriveOptions): Promise<AssignmentGrade[]> {
  if (scope.logins.length === 0) return [];
  const assignment = await loadAssignment(db, scope.courseId, scope.assignmentId, options.now);
  const loaded = await loadStudents(db, scope, assignment, options.finalOnly === true);
  if (options.refresh !== undefined) await refreshStalled(options.refresh, scope, assignment, loaded, options.now);
  const hidden = options.viewer === 'student' ? await hiddenSubmissions(db, loaded, assignment, options.now) : new Set<string>();
  return scope.logins.map((login) => gradeOf(scope, login, assignment, loaded, options.viewer, hidden));
}

async function loadAssignment(db: DbExecutor, courseId: string, assignmentId: string, now: Date): Promise<AssignmentFacts> {
  const row = await db
    .selectFrom('assignments')
    .select(['trigger', 'autograde', 'deadline', 'late_policy', 'cutoff', 'release_mode', 'release_at', 'released_at'])
    .where('course_id', '=', courseId)
    .where('id', '=', assignmentId)
    .executeTakeFirst();
  if (!row) throw new NotFound(`no assignment ${courseId}/${assignmentId}`);
  const parts = await db.selectFrom('parts').select(['id', 'points']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).orderBy('position').orderBy('id').execute();
  return {
    trigger: row.trigger as GradeTrigger,
    autograde: row.autograde,
    deadline: row.deadline,
    // Evaluated once per derivation, so every student of one read sees the same release state.
    scoresVisible: scoresVisible(row, now),
    published: isPublished(row, now),
    parts,
    rule: { deadline: dateOf(row.deadline), policy: decodeLatePolicy(row.late_policy), cutoff: dateOf(row.cutoff), extendedTo: null },
    deadlineIso: row.deadline === null ? null : new Date(row.deadline).toISOString(),
    pointsPossible: round2(parts.reduce((sum, p) => sum + p.points, 0)),
  };
}

/** Loads rows of the assignment for the scope's students: filtered by login when few, else all (filtered in memory). */
async function loadStudents(db: DbExecutor, scope: GradeScope, assignment: AssignmentFacts, finalOnly: boolean): Promise<Loaded> {
  const { courseId, assignmentId } = scope;
  const few = scope.logins.length <= IN_LIMIT ? [...scope.logins] : undefined;
  const wanted = new Set(scope.logins);
  const keep = <R extends { login: string }>(rows: R[]): R[] => (few === undefined ? rows.filter((r) => wanted.has(r.login)) : rows);

  const completions = keep(
    await db.selectFrom('completions').selectAll().where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).$if(few !== undefined, (q) => q.where('login', 'in', few ?? [])).execute(),
  );
  const work = new Map<string, CountingWork>();
  if (assignment.trigger === 'completion') {
    for (const c of completions) work.set(c.login, { submissionId: c.submission_id, countsAt: c.completed_at });
  } else {
    const submissions = keep(
      await db
        .selectFrom('submissions')
        .select(['id', 'login', 'submitted_at'])
        .where('course_id', '=', courseId)
        .where('assignment_id', '=', assignmentId)
        .where('kind', '=', 'student')
        .$if(few !== undefined, (q) => q.where('login', 'in', few ?? []))
        .execute(),
    );
    // The newest own submission: by submittedAt, then id (as newestSubmission orders them).
    const newest = new Map<string, { id: string; submitted_at: string }>();
    for (const s of submissions) {
      const seen = newest.get(s.login);
      if (!seen || s.submitted_at > seen.submitted_at || (s.submitted_at === seen.submitted_at && s.id > seen.id)) newest.set(s.login, s);
    }
    for (const [login, s] of newest) work.set(login, { submissionId: s.id, countsAt: s.submitted_at });
  }

  const overrideRows = keep(
    await db.selectFrom('grade_overrides').selectAll().where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).$if(few !== undefined, (q) => q.where('login', 'in', few ?? [])).execute(),
  );
  const overrides = new Map<string, Map<string, Selectable<GradeOverridesTable>>>();
  for (const row of overrideRows) {
    const mine = overrides.get(row.login) ?? new Map<string, Selectable<GradeOverridesTable>>();
    mine.set(row.part_id, row);
    overrides.set(row.login, mine);
  }
  // Only the final grades: parts matter only where a part override changes the raw grade.
  const partsWanted = (login: string): boolean => !finalOnly || [...(overrides.get(login)?.keys() ?? [])].some((part) => part !== '');
  const submissionIds = [...work.entries()].flatMap(([login, w]) => (w.submissionId === null || !partsWanted(login) ? [] : [w.submissionId]));
  const jobs = await loadJobs(db, submissionIds);

  const stored = await loadStored(db, courseId, assignmentId, few);
  const extensions = keep(
    await db.selectFrom('extensions').select(['login', 'until']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).$if(few !== undefined, (q) => q.where('login', 'in', few ?? [])).execute(),
  );
  return {
    completions: new Map(completions.map((c) => [c.login, c])),
    work,
    jobs,
    stored,
    extensions: new Map(extensions.map((e) => [e.login, e.until])),
    overrides,
  };
}

/** The official part jobs of these submissions with their results, by submission. */
async function loadJobs(db: DbExecutor, submissionIds: readonly string[]): Promise<Map<string, PartJob[]>> {
  const jobs = new Map<string, PartJob[]>();
  for (let i = 0; i < submissionIds.length; i += IN_LIMIT) {
    const rows = await db
      .selectFrom('grading_jobs as j')
      .leftJoin('results as r', 'r.job_id', 'j.id')
      .select(['j.id', 'j.submission_id', 'j.part_id', 'j.queued_at', 'r.status', 'r.score', 'r.job_id as resultJobId'])
      .where('j.submission_id', 'in', submissionIds.slice(i, i + IN_LIMIT))
      .where(officialJob('j'))
      .execute();
    for (const row of rows) {
      const list = jobs.get(row.submission_id);
      if (list) list.push(row);
      else jobs.set(row.submission_id, [row]);
    }
  }
  return jobs;
}

async function loadStored(db: DbExecutor, courseId: string, assignmentId: string, logins: string[] | undefined): Promise<Map<string, Selectable<AssignmentGradesTable>>> {
  const rows = await db
    .selectFrom('assignment_grades')
    .selectAll()
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .$if(logins !== undefined, (q) => q.where('login', 'in', logins ?? []))
    .execute();
  return new Map(rows.map((r) => [r.login, r]));
}

const matches = (row: Selectable<AssignmentGradesTable> | undefined, work: CountingWork): row is Selectable<AssignmentGradesTable> =>
  row !== undefined && row.submission_id === work.submissionId && row.counts_at === work.countsAt;

/** Each part with what the submission earned on it (its newest job's result), and whether every job finished. */
function partsOf(assignment: AssignmentFacts, jobs: readonly PartJob[]): { parts: GradePart[]; finished: boolean } {
  const newest = new Map(newestJobPerPart(jobs).map((job) => [job.part_id, job]));
  let finished = true;
  const parts = assignment.parts.map((part): GradePart => {
    const job = newest.get(part.id);
    const none = { partId: part.id, points: part.points, earned: null, status: null };
    if (job === undefined) return none;
    if (job.resultJobId === null) {
      finished = false;
      return none;
    }
    const status = job.status as GradeStatus;
    const earned = pointsFor(status, job.score, part.points);
    return { partId: part.id, points: part.points, earned, status };
  });
  return { parts, finished };
}

/**
 * A refresh lost to a crash between a result and its refresh is made good on the first read, for
 * those few students only (a method whose own job is still running for this work is left to it).
 * Suspect are the students whose stored grade is not of their counting work, or still pending;
 * a read of final grades only loaded no part jobs for most students: the suspects' are loaded
 * here, in a number of queries that does not grow with the students.
 */
async function refreshStalled(refresh: NonNullable<DeriveOptions['refresh']>, scope: GradeScope, assignment: AssignmentFacts, loaded: Loaded, now: Date): Promise<void> {
  const suspects = scope.logins.filter((login) => {
    const work = loaded.work.get(login);
    const row = loaded.stored.get(login);
    return work !== undefined && (!matches(row, work) || row.status === 'pending');
  });
  if (suspects.length === 0) return;
  const unloaded = suspects.flatMap((login) => {
    const id = loaded.work.get(login)?.submissionId;
    return id === null || id === undefined || loaded.jobs.has(id) ? [] : [id];
  });
  const jobs = unloaded.length === 0 ? loaded.jobs : new Map([...loaded.jobs, ...(await loadJobs(refresh.db, unloaded))]);
  const method = autogradeMethod(assignment.autograde);
  const due: string[] = [];
  for (const login of suspects) {
    const work = loaded.work.get(login);
    if (work === undefined) continue;
    const finished = work.submissionId === null || partsOf(assignment, jobs.get(work.submissionId) ?? []).finished;
    if (!finished) continue;
    const row = loaded.stored.get(login);
    const stalled =
      row?.status === 'pending' &&
      (work.submissionId === null || method === undefined || !(await method.awaiting(refresh.db, { courseId: scope.courseId, assignmentId: scope.assignmentId, login, submissionId: work.submissionId, countsAt: work.countsAt })));
    if (!matches(row, work) || stalled) due.push(login);
  }
  if (due.length === 0) return;
  const at = now.toISOString();
  for (const login of due) await runInTransaction(refresh.db, (tx) => refreshAssignmentGrade(tx, refresh.queue, { courseId: scope.courseId, assignmentId: scope.assignmentId, login }, at));
  const fresh = await loadStored(refresh.db, scope.courseId, scope.assignmentId, due.length <= IN_LIMIT ? due : undefined);
  for (const login of due) {
    const row = fresh.get(login);
    if (row) loaded.stored.set(login, row);
    else loaded.stored.delete(login);
  }
}

const overrideOf = (row: Selectable<GradeOverridesTable> | undefined): GradeOverride | null =>
  row === undefined ? null : { value: row.value, reason: row.reason, setBy: row.set_by, setAt: row.set_at };

const dateOf = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

function lateness(assignment: AssignmentFacts, extendedTo: string | undefined, countsAt: string): GradeLateness {
  const rule = extendedTo === undefined ? assignment.rule : { ...assignment.rule, extendedTo: new Date(extendedTo) };
  const adjustment = lateAdjustment(rule, new Date(countsAt));
  return {
    at: countsAt,
    secondsLate: adjustment.secondsLate,
    factor: adjustment.factor,
    rule: adjustment.rule,
    deadline: adjustment.deadline === null ? null : adjustment.deadline === assignment.rule.deadline ? assignment.deadlineIso : adjustment.deadline.toISOString(),
  };
}

function gradeOf(scope: GradeScope, login: string, assignment: AssignmentFacts, loaded: Loaded, viewer: 'staff' | 'student', hidden: ReadonlySet<string>): AssignmentGrade {
  const { trigger } = assignment;
  const completionRow = loaded.completions.get(login);
  const work = loaded.work.get(login);
  const overrides = loaded.overrides.get(login);
  const base = {
    courseId: scope.courseId,
    assignmentId: scope.assignmentId,
    login,
    trigger,
    method: assignment.autograde,
    completion: completionRow ? completionFromRow(completionRow) : null,
    pointsPossible: assignment.pointsPossible,
    released: assignment.scoresVisible,
  };
  const emptyParts = (): GradePart[] => assignment.parts.map((p) => ({ partId: p.id, points: p.points, earned: null, status: null }));
  const withPartOverrides = (parts: GradePart[]): GradePart[] =>
    parts.map((p) => {
      const override = overrideOf(overrides?.get(p.partId));
      return override === null ? p : { ...p, earned: override.value, override: { ...override, graderEarned: p.earned } };
    });
  const assignmentOverride = overrideOf(overrides?.get(''));

  let grade: AssignmentGrade;
  if (work === undefined) {
    const status: AssignmentGradeStatus = trigger === 'completion' ? 'not-completed' : 'not-submitted';
    const parts = withPartOverrides(emptyParts());
    const anyPart = parts.some((p) => p.override !== undefined);
    grade = {
      ...base,
      status,
      submissionId: null,
      parts,
      pointsEarned: anyPart ? round2(parts.reduce((sum, p) => sum + (p.earned ?? 0), 0)) : null,
      rawGrade: null,
      detail: null,
      late: null,
      finalGrade: assignmentOverride?.value ?? null,
      withheld: false,
      override: assignmentOverride,
    };
  } else {
    const fromParts = work.submissionId === null ? { parts: emptyParts(), finished: true } : partsOf(assignment, loaded.jobs.get(work.submissionId) ?? []);
    const row = loaded.stored.get(login);
    const stored = matches(row, work) ? row : undefined;
    const status = (stored?.status ?? 'pending') as AssignmentGradeStatus;
    const parts = withPartOverrides(fromParts.parts);
    const partOverridden = parts.some((p) => p.override !== undefined);
    const withheld = viewer === 'student' && work.submissionId !== null && hidden.has(work.submissionId);
    const late = lateness(assignment, loaded.extensions.get(login), work.countsAt);
    let raw = status === 'graded' || status === 'no-submission' ? (stored?.raw_grade ?? null) : null;
    // A part override changes the aggregate at once; a script method's grade is its own (docs: "Overrides").
    if (raw !== null && partOverridden && assignment.autograde === 'aggregate') raw = aggregateGrade(parts).rawGrade;
    const earned = status === 'pending' && !fromParts.finished && !partOverridden ? null : round2(parts.reduce((sum, p) => sum + (p.earned ?? 0), 0));
    const computed = raw === null ? null : round2(raw * late.factor);
    grade = {
      ...base,
      status,
      submissionId: work.submissionId,
      parts: withheld ? parts.map(hidePoints) : parts,
      pointsEarned: withheld ? null : earned,
      rawGrade: withheld ? null : raw,
      detail: withheld ? null : viewer === 'student' && status === 'error' ? ERROR_FOR_STUDENTS : (stored?.detail ?? null),
      late,
      finalGrade: withheld ? null : (assignmentOverride?.value ?? computed),
      withheld,
      override: withheld ? null : assignmentOverride,
    };
  }
  return viewer === 'student' && !assignment.scoresVisible ? unreleased(grade) : grade;
}

function hidePoints({ override: _override, ...part }: GradePart): GradePart {
  return { ...part, earned: null };
}

/** What a student reads before release: the status, no points, grades or overrides. */
function unreleased(grade: AssignmentGrade): AssignmentGrade {
  return {
    ...grade,
    parts: grade.parts.map(hidePoints),
    pointsEarned: null,
    rawGrade: null,
    detail: null,
    finalGrade: null,
    override: null,
  };
}

/** An error's precise message (a script's report refused, no autograde grader, …) is for staff. */
const ERROR_FOR_STUDENTS = 'your assignment grade could not be computed because of a problem on the grading side, not in your work; your instructors can see the details';

/** The submissions (of the few students read as students) with a part result not visible to its student now. */
async function hiddenSubmissions(db: DbExecutor, loaded: Loaded, assignment: AssignmentFacts, now: Date): Promise<Set<string>> {
  const owners = new Map([...loaded.work].flatMap(([login, w]) => (w.submissionId === null ? [] : [[w.submissionId, login] as const])));
  const ids = [...owners.keys()];
  const hidden = new Set<string>();
  if (ids.length === 0) return hidden;
  const jobs = await db.selectFrom('grading_jobs').select(['id', 'submission_id', 'part_id', 'queued_at']).where('submission_id', 'in', ids).where(officialJob()).execute();
  const results = await db.selectFrom('results').selectAll().where('submission_id', 'in', ids).execute();
  for (const id of ids) {
    // `after_due_date` waits for the student's own deadline, an extension included.
    const deadline = studentDeadline(assignment.deadline, loaded.extensions.get(owners.get(id) ?? ''));
    const context = { deadline, now, published: assignment.published };
    const newest = new Set(newestJobPerPart(jobs.filter((j) => j.submission_id === id)).map((j) => j.id));
    if (results.some((row) => row.submission_id === id && newest.has(row.job_id) && !visibleToStudents(storedResult(row).visibility, context))) hidden.add(id);
  }
  return hidden;
}
