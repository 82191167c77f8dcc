/**
 * The course the gradebook benchmarks read (gradebook.bench.ts, gradebook-page.bench.ts), seeded
 * straight into the database: COURSE with STUDENTS students and ASSIGNMENTS assignments of 3 parts
 * each (trigger submit, a deadline and a late policy; every student submitted once, a third of
 * them late; each part graded with a ~10-test Gradescope-like result; stored assignment grades up
 * to date; 2% of students with an extension). Deterministic: every run seeds the same course.
 */
import type { Db } from '../src/db/database.ts';
import { runInTransaction } from '../src/db/transaction.ts';
import { aggregateGrade } from '../src/platform/autograde-methods.ts';
import { encodeLatePolicy } from '../src/platform/late-rule.ts';
import type { LatePolicy } from '../src/platform/late-policy.ts';

export const COURSE = 'cs101';
export const PARTS = ['p1', 'p2', 'p3'];
export const POINTS = [10, 5, 5];
export const policy = (factor: number): LatePolicy => ({ kind: 'steps', steps: [{ afterSeconds: 3600, factor }] });

/** A deterministic pseudo-random stream, so every run seeds the same course. */
let state = 42;
const random = (): number => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};

/** A Gradescope-like stored result with ten tests (what `results.result` holds). */
function resultJson(score: number): string {
  const tests = Array.from({ length: 10 }, (_, i) => ({
    name: `test ${i + 1}: edge case ${i}`,
    score: i < score * 10 ? 1 : 0,
    maxScore: 1,
    status: i < score * 10 ? 'passed' : 'failed',
    output: i < score * 10 ? 'ok' : `expected ${i * 7} but got ${i * 7 - 1}\n  at solution.py line ${i + 3}`,
    outputFormat: 'text',
    visibility: 'visible',
  }));
  return JSON.stringify({
    status: 'graded', score, points: null, feedback: { text: `${Math.round(score * 10)}/10 tests passed.`, format: 'text' }, tests, errors: [], warnings: [],
    output: { stdout: { text: 'running tests…', bytes: 15, truncated: false }, stderr: { text: '', bytes: 0, truncated: false }, visibleToStudents: false },
    run: { wallMs: 812, cpuMs: 640, peakMemoryBytes: 48_000_000, reason: 'exited', exitCode: 0, signal: null }, protocol: 'gradescope',
  });
}

type Seeded = 'users' | 'memberships' | 'assignments' | 'parts' | 'grader_versions' | 'submissions' | 'grading_jobs' | 'results' | 'assignment_grades' | 'extensions';

export async function insertAll(db: Db, table: Seeded, rows: unknown[]): Promise<void> {
  await runInTransaction(db, async (tx) => {
    for (let i = 0; i < rows.length; i += 200) await tx.insertInto(table).values(rows.slice(i, i + 200)).execute();
  });
}

/** Seeds the course COURSE with `students` students and `assignments` assignments (see the file comment). */
export async function seed(db: Db, STUDENTS: number, ASSIGNMENTS: number): Promise<void> {
  const at = '2026-09-01T00:00:00.000Z';
  await db.insertInto('courses').values({ id: COURSE, title: 'Bench', created_at: at }).execute();
  const logins = Array.from({ length: STUDENTS }, (_, i) => `s${String(i).padStart(5, '0')}`);
  await insertAll(db, 'users', logins.map((login, i) => ({ login, display_name: i % 50 === 0 ? `=Student, "${i}"` : `Student ${i}`, is_admin: 0, created_at: at })));
  await insertAll(db, 'memberships', logins.map((login) => ({ course_id: COURSE, login, role: 'student', created_at: at })));
  const assignments = Array.from({ length: ASSIGNMENTS }, (_, i) => ({ id: `hw${i + 1}`, deadline: new Date(Date.parse(at) + (i + 1) * 7 * 86_400_000).toISOString() }));
  await insertAll(db, 'assignments', assignments.map((a, position) => ({
    course_id: COURSE, id: a.id, title: a.id, deadline: a.deadline, position, created_at: at, max_submissions: null, min_interval_seconds: null, late_policy: encodeLatePolicy(policy(0.8)), cutoff: null, complete_at: null,
  })));
  await insertAll(db, 'parts', assignments.flatMap((a) => PARTS.map((id, position) => ({ course_id: COURSE, assignment_id: a.id, id, title: id, points: POINTS[position]!, position }))));
  await insertAll(db, 'grader_versions', assignments.flatMap((a) => PARTS.map((id) => ({
    id: `gv_${a.id}_${id}`, course_id: COURSE, assignment_id: a.id, part_id: id, number: 1, status: 'published', image_id: `sha256:${'0'.repeat(64)}`, protocol: 'gradescope', run_as: null, script_path: null, script_args: null,
    cpus: 1, memory_mib: 512, timeout_seconds: 60, uploaded_by: 'admin', uploaded_at: at, published_by: 'admin', published_at: at,
  }))));
  const extensions: unknown[] = [];
  for (const a of assignments) {
    const submissions: unknown[] = [];
    const jobs: unknown[] = [];
    const results: unknown[] = [];
    const grades: unknown[] = [];
    for (const login of logins) {
      // A third late (up to 3 days), the rest up to a week early.
      const offset = random() < 1 / 3 ? random() * 3 * 86_400_000 : -random() * 7 * 86_400_000;
      const submittedAt = new Date(Date.parse(a.deadline) + offset).toISOString();
      const id = `sub_${a.id}_${login}`;
      submissions.push({ id, course_id: COURSE, assignment_id: a.id, login, digest: `sha256:${id}`, submitted_at: submittedAt, total_bytes: 100, kind: 'student' });
      const parts = PARTS.map((partId, i) => {
        const score = Math.round(random() * 10) / 10;
        const jobId = `job_${a.id}_${login}_${partId}`;
        jobs.push({ id: jobId, submission_id: id, part_id: partId, grader_version_id: `gv_${a.id}_${partId}`, priority: 'student', phase: 'done', queued_at: submittedAt, preparing_at: submittedAt, running_at: submittedAt, reporting_at: submittedAt, done_at: submittedAt, attempts: 1, last_error: null });
        const json = resultJson(score);
        results.push({ job_id: jobId, submission_id: id, status: 'graded', score, result: json, result_gzip: null, result_bytes: json.length, created_at: submittedAt });
        return { partId, points: POINTS[i]!, earned: Math.round(score * POINTS[i]! * 100) / 100, status: 'graded' as const };
      });
      grades.push({ course_id: COURSE, assignment_id: a.id, login, submission_id: id, method: 'aggregate', status: 'graded', raw_grade: aggregateGrade(parts).rawGrade, detail: null, counts_at: submittedAt, updated_at: submittedAt });
      if (random() < 0.02) extensions.push({ course_id: COURSE, assignment_id: a.id, login, until: new Date(Date.parse(a.deadline) + 2 * 86_400_000).toISOString(), granted_by: 'admin', granted_at: at });
    }
    await insertAll(db, 'submissions', submissions);
    await insertAll(db, 'grading_jobs', jobs);
    await insertAll(db, 'results', results);
    await insertAll(db, 'assignment_grades', grades);
  }
  await insertAll(db, 'extensions', extensions);
}

