/**
 * An assignment's leaderboard (docs/course-workflow.md "Leaderboard"): Gradescope graders' results
 * carry `leaderboard: [{name, value, order?}]`, stored with the result (its JSON). For each entry
 * name (a column), the course's students are ranked by the value from their counting submission
 * (countingWork: the newest, or the completion's) and its newest job per part: only `graded`
 * results count, and a part's entry wins over a later part's of the same name. Students see
 * pseudonyms only (their own row marked), staff the logins too. Names and values come from graders
 * and are untrusted: bounded here, shown safely by the CLI.
 */
import type { DbExecutor } from '../db/database.ts';
import { storedJson } from '../grader/stored-result.ts';
import { isoNow, type PlatformContext } from './context.ts';
import { Conflict } from './errors.ts';
import type { Actor, Leaderboard, LeaderboardColumn } from './model.ts';
import { courseAccess, requireScope } from './permissions.ts';
import { ensurePseudonyms } from './pseudonyms.ts';
import { scoresVisible } from './release-state.ts';
import { newestJobPerPart } from './submission-views.ts';

export const LEADERBOARD_LIMITS = Object.freeze({
  /** Columns shown: the first names met, in part order. */
  columns: 20,
  /** Characters of an entry name or a text value kept (the rest cut, with …). */
  text: 100,
});

interface Entry {
  name: string;
  value: number | string;
  order: 'asc' | 'desc' | null;
}

/** Members (`read`): the leaderboard of an assignment whose course file enables one; 409 `no-leaderboard` otherwise. */
export async function getLeaderboard(ctx: PlatformContext, actor: Actor, courseId: string, assignmentId: string): Promise<Leaderboard> {
  requireScope(actor, 'read');
  const access = await courseAccess(ctx.db, actor, courseId, assignmentId);
  const assignment = await ctx.db
    .selectFrom('assignments')
    .select(['leaderboard', 'trigger', 'release_mode', 'release_at', 'released_at'])
    .where('course_id', '=', courseId)
    .where('id', '=', assignmentId)
    .executeTakeFirstOrThrow();
  if (assignment.leaderboard !== 1) {
    throw new Conflict('no-leaderboard', `${courseId}/${assignmentId} has no leaderboard; instructors enable one with \`leaderboard: true\` on the assignment in the course file (gradebox apply)`);
  }
  // Values are scores in all but name: hidden from students while the scores are.
  if (!access.staff && !scoresVisible(assignment, ctx.now())) {
    throw new Conflict('leaderboard-hidden', `the leaderboard of ${courseId}/${assignmentId} shows once its grades are released`);
  }
  const students = await ctx.db
    .selectFrom('memberships')
    .select('login')
    .where('course_id', '=', courseId)
    .where('role', '=', 'student')
    .orderBy('login')
    .execute();
  const logins = students.map((s) => s.login);
  const counting = await countingSubmissions(ctx.db, courseId, assignmentId, assignment.trigger);
  const entries = await submissionEntries(ctx.db, courseId, assignmentId, logins.flatMap((login) => {
    const submissionId = counting.get(login);
    return submissionId === undefined ? [] : [{ login, submissionId }];
  }));
  const ranked = logins.filter((login) => entries.has(login));
  const names = await ensurePseudonyms(ctx.db, courseId, ranked, isoNow(ctx));
  const pseudonymOf = new Map(ranked.map((login, i) => [login, names[i]!.pseudonym]));
  return { courseId, assignmentId, columns: columns(entries, pseudonymOf, actor.login, access.staff) };
}

/**
 * Each student's counting submission, in one query: the rule of countingWork
 * (assignment-grades.ts) for a whole course — trigger completion: the completion's frozen
 * submission; trigger submit: the newest own submission (ties by id, as there).
 */
async function countingSubmissions(db: DbExecutor, courseId: string, assignmentId: string, trigger: string): Promise<Map<string, string>> {
  if (trigger === 'completion') {
    const rows = await db.selectFrom('completions').select(['login', 'submission_id']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).execute();
    return new Map(rows.flatMap((r) => (r.submission_id === null ? [] : [[r.login, r.submission_id] as const])));
  }
  const rows = await db
    .selectFrom('submissions')
    .select(['id', 'login'])
    .where('course_id', '=', courseId)
    .where('assignment_id', '=', assignmentId)
    .where('kind', '=', 'student')
    .orderBy('submitted_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const newest = new Map<string, string>();
  for (const row of rows) if (!newest.has(row.login)) newest.set(row.login, row.id);
  return newest;
}

/** Ids per query: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

/** Each student's leaderboard entries: their submission's newest job per part, `graded` results only, in part order. */
async function submissionEntries(db: DbExecutor, courseId: string, assignmentId: string, work: ReadonlyArray<{ login: string; submissionId: string }>): Promise<Map<string, Entry[]>> {
  const parts = await db.selectFrom('parts').select(['id', 'position']).where('course_id', '=', courseId).where('assignment_id', '=', assignmentId).execute();
  const position = new Map(parts.map((p) => [p.id, p.position]));
  const byPart = (a: string, b: string): number => (position.get(a) ?? 0) - (position.get(b) ?? 0) || a.localeCompare(b);
  const newestJobs: Array<{ id: string; part_id: string; submission_id: string }> = [];
  for (let i = 0; i < work.length; i += CHUNK) {
    const ids = work.slice(i, i + CHUNK).map((w) => w.submissionId);
    const jobs = await db.selectFrom('grading_jobs').select(['id', 'part_id', 'queued_at', 'submission_id']).where('submission_id', 'in', ids).execute();
    for (const group of Map.groupBy(jobs, (j) => j.submission_id).values()) newestJobs.push(...newestJobPerPart(group));
  }
  const jsonByJob = new Map<string, string>();
  for (let i = 0; i < newestJobs.length; i += CHUNK) {
    const ids = newestJobs.slice(i, i + CHUNK).map((j) => j.id);
    const results = await db.selectFrom('results').select(['job_id', 'result', 'result_gzip']).where('job_id', 'in', ids).where('status', '=', 'graded').execute();
    for (const r of results) jsonByJob.set(r.job_id, storedJson({ json: r.result, gzip: r.result_gzip }));
  }
  const jobsOf = Map.groupBy(newestJobs, (j) => j.submission_id);
  const out = new Map<string, Entry[]>();
  for (const { login, submissionId } of work) {
    const jobs = [...(jobsOf.get(submissionId) ?? [])].sort((a, b) => byPart(a.part_id, b.part_id));
    const entries = jobs.flatMap((job) => {
      const json = jsonByJob.get(job.id);
      return json === undefined ? [] : readEntries(json);
    });
    if (entries.length > 0) out.set(login, entries);
  }
  return out;
}

/** The checked entries of a stored result (the grader protocol checked them already; this guards old or odd rows). */
export function readEntries(json: string): Entry[] {
  let result: unknown;
  try {
    result = JSON.parse(json);
  } catch {
    return [];
  }
  const board = (result as { leaderboard?: unknown }).leaderboard;
  if (!Array.isArray(board)) return [];
  return board.flatMap((raw: unknown): Entry[] => {
    if (typeof raw !== 'object' || raw === null) return [];
    const { name, value, order } = raw as Record<string, unknown>;
    if (typeof name !== 'string' || !(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) return [];
    return [{ name: bound(name) || '(unnamed)', value: typeof value === 'string' ? bound(value) : value, order: order === 'asc' || order === 'desc' ? order : null }];
  });
}

/** At most LEADERBOARD_LIMITS.text characters (whole code points), cut with …. */
function bound(text: string): string {
  const chars = [...text.normalize('NFC')];
  return chars.length <= LEADERBOARD_LIMITS.text ? chars.join('') : `${chars.slice(0, LEADERBOARD_LIMITS.text - 1).join('')}…`;
}

function columns(entries: ReadonlyMap<string, Entry[]>, pseudonymOf: ReadonlyMap<string, string>, caller: string, staff: boolean): LeaderboardColumn[] {
  const byName = new Map<string, Array<{ login: string; entry: Entry }>>();
  for (const [login, list] of entries) {
    const seen = new Set<string>();
    for (const entry of list) {
      // One value per student and name: the first part's.
      if (seen.has(entry.name)) continue;
      seen.add(entry.name);
      if (!byName.has(entry.name) && byName.size >= LEADERBOARD_LIMITS.columns) continue;
      byName.set(entry.name, [...(byName.get(entry.name) ?? []), { login, entry }]);
    }
  }
  return [...byName].map(([name, values]) => {
    // The grader's order; should graders disagree (a new version), the most used, desc on a tie.
    const asc = values.filter((v) => v.entry.order === 'asc').length;
    const desc = values.filter((v) => v.entry.order === 'desc').length;
    const order = asc > desc ? 'asc' : 'desc';
    const sorted = [...values].sort((a, b) => compareValues(a.entry.value, b.entry.value, order) || (pseudonymOf.get(a.login) ?? '').localeCompare(pseudonymOf.get(b.login) ?? ''));
    let rank = 0;
    const rows = sorted.map(({ login, entry }, i) => {
      if (i === 0 || compareValues(sorted[i - 1]!.entry.value, entry.value, order) !== 0) rank = i + 1;
      return {
        rank,
        pseudonym: pseudonymOf.get(login) ?? '',
        ...(staff ? { login } : {}),
        value: entry.value,
        ...(login === caller ? { you: true as const } : {}),
      };
    });
    return { name, order, rows };
  });
}

/** Numbers before texts; numbers by `order`; texts in code-point order, whatever `order`. */
function compareValues(a: number | string, b: number | string, order: 'asc' | 'desc'): number {
  if (typeof a === 'number' && typeof b === 'number') return order === 'asc' ? a - b : b - a;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
