/**
 * What the gradebook's set-based derivation costs, side by side with plain SQL reading the same
 * data, on a real SQLite file seeded with a course of STUDENTS students and ASSIGNMENTS
 * assignments of 3 parts each (trigger submit, a deadline and a late policy; every student
 * submitted once, a third of them late; each part graded with a ~10-test Gradescope-like result;
 * stored assignment grades up to date):
 *
 *   export       the whole course's CSV (`exportGrades` + `exportCsv`, as the API streams it)
 *   export SQL   baseline: one query joining students, names, stored grades, submissions, the
 *                parts' jobs and results and extensions, each row joined into a CSV line
 *   recompute    a late-policy change: the policy updated and every grade re-derived and logged
 *                (`recordGradeChanges` for every assignment, every student: what `apply` does)
 *   recompute SQL baseline: the same update, then INSERT … SELECT of the new final grades
 *                (raw × the step factor, computed in SQL) into the grade log
 *
 * Rounds alternate the methods (so a machine that slows down slows them all); the policy flips
 * between ×0.8 and ×0.5 each round so every late grade changes. Prints medians, p90 and the ratios
 * (target ≤ 5× each).
 * Usage: node bench/gradebook.bench.ts [--students 1000] [--assignments 20] [--runs 5] [--keep]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../src/db/database.ts';
import { runInTransaction } from '../src/db/transaction.ts';
import { createPlatform } from '../src/platform/create-platform.ts';
import { recordGradeChanges } from '../src/platform/grade-changes.ts';
import { exportCsv } from '../src/platform/grade-export.ts';
import { encodeLatePolicy } from '../src/platform/late-rule.ts';
import { SqlJobQueue } from '../src/queue/sql/sql-job-queue.ts';
import { COURSE, PARTS, policy, seed } from './gradebook-seed.ts';
import { fmt, median, percentile } from './stats.ts';

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const STUDENTS = Number(option('--students', '1000'));
const ASSIGNMENTS = Number(option('--assignments', '20'));
const RUNS = Number(option('--runs', '5'));
const KEEP = process.argv.includes('--keep');
const csvCell = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Baseline export: the same data in one query, each row joined into a CSV line. */
async function exportSql(db: Db): Promise<number> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.login', 'm.login')
    .innerJoin('assignments as a', 'a.course_id', 'm.course_id')
    .leftJoin('assignment_grades as g', (j) => j.onRef('g.course_id', '=', 'm.course_id').onRef('g.assignment_id', '=', 'a.id').onRef('g.login', '=', 'm.login'))
    .leftJoin('grading_jobs as j', 'j.submission_id', 'g.submission_id')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .leftJoin('extensions as e', (j) => j.onRef('e.course_id', '=', 'm.course_id').onRef('e.assignment_id', '=', 'a.id').onRef('e.login', '=', 'm.login'))
    .select(['m.login', 'u.display_name', 'a.id', 'a.deadline', 'a.late_policy', 'g.status', 'g.raw_grade', 'g.counts_at', 'j.part_id', 'r.score', 'e.until'])
    .where('m.course_id', '=', COURSE)
    .where('m.role', '=', 'student')
    .orderBy('a.position')
    .orderBy('m.login')
    .execute();
  let bytes = 0;
  for (const row of rows) bytes += `${Object.values(row).map(csvCell).join(',')}\r\n`.length;
  return bytes;
}

/** Baseline recompute: the policy changed, then every new final grade computed and logged in SQL. */
async function recomputeSql(db: Db, factor: number): Promise<void> {
  await runInTransaction(db, async (tx) => {
    await tx.updateTable('assignments').set({ late_policy: encodeLatePolicy(policy(factor)) }).where('course_id', '=', COURSE).execute();
    await sql`
      INSERT INTO grade_log (course_id, assignment_id, login, part_id, cause, old_value, new_value, actor, reason, released, at)
      SELECT g.course_id, g.assignment_id, g.login, '', 'late-policy', NULL,
             ROUND(g.raw_grade * (CASE WHEN julianday(g.counts_at) - julianday(COALESCE(e.until, a.deadline)) > 1.0 / 24 THEN ${factor} ELSE 1 END), 2),
             'admin', 'bench', 1, ${new Date().toISOString()}
      FROM assignment_grades g
      JOIN assignments a ON a.course_id = g.course_id AND a.id = g.assignment_id
      LEFT JOIN extensions e ON e.course_id = g.course_id AND e.assignment_id = g.assignment_id AND e.login = g.login
      WHERE g.course_id = ${COURSE}`.execute(tx);
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gradebox-gradebook-bench-'));
  const opened = await openDatabase(join(dir, 'gradebox.sqlite'));
  const { db } = opened;
  try {
    const platform = createPlatform({ db, queue: new SqlJobQueue(db) });
    const issued = await platform.bootstrapAdmin();
    const admin = await platform.authenticate(issued!.token);
    const seeding = performance.now();
    await seed(db, STUDENTS, ASSIGNMENTS);
    console.log(`seeded ${STUDENTS} students × ${ASSIGNMENTS} assignments × ${PARTS.length} parts in ${((performance.now() - seeding) / 1000).toFixed(1)} s (${dir})`);
    const ctx = { now: () => new Date() };
    const assignmentIds = Array.from({ length: ASSIGNMENTS }, (_, i) => `hw${i + 1}`);

    const exportOurs = async (): Promise<number> => {
      let bytes = 0;
      for await (const line of exportCsv(await platform.exportGrades(admin, COURSE))) bytes += line.length;
      return bytes;
    };
    const recomputeOurs = async (factor: number): Promise<void> => {
      await runInTransaction(db, async (tx) => {
        await tx.updateTable('assignments').set({ late_policy: encodeLatePolicy(policy(factor)) }).where('course_id', '=', COURSE).execute();
        for (const assignmentId of assignmentIds) await recordGradeChanges(tx, ctx, { courseId: COURSE, assignmentId }, 'late-policy', 'admin', 'bench');
      });
    };
    // The first log of every grade (what the course's history would hold), and a warm-up of each.
    await recomputeOurs(0.8);
    console.log(`csv: ${await exportOurs()} chars; baseline rows as csv: ${await exportSql(db)} chars`);

    const samples: Record<string, number[]> = { export: [], 'export SQL': [], recompute: [], 'recompute SQL': [] };
    const time = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      const start = performance.now();
      await fn();
      samples[name]!.push(performance.now() - start);
    };
    for (let run = 0; run < RUNS; run++) {
      const factor = run % 2 === 0 ? 0.5 : 0.8;
      await time('export', exportOurs);
      await time('export SQL', () => exportSql(db));
      await time('recompute', () => recomputeOurs(factor));
      await time('recompute SQL', () => recomputeSql(db, factor));
    }
    console.log('\nmethod            median ms   p90 ms');
    for (const [name, list] of Object.entries(samples)) console.log(`${name.padEnd(16)} ${fmt(median(list))} ${fmt(percentile(list, 90))}`);
    const ratio = (a: string, b: string): string => (median(samples[a]!) / median(samples[b]!)).toFixed(2);
    console.log(`\nexport / SQL baseline:    ${ratio('export', 'export SQL')}× (target ≤ 5×)`);
    console.log(`recompute / SQL baseline: ${ratio('recompute', 'recompute SQL')}× (target ≤ 5×)`);
  } finally {
    await opened.close();
    if (!KEEP) await rm(dir, { recursive: true, force: true });
  }
}

await main();
