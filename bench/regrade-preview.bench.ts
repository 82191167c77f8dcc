/**
 * What building a dry run's preview costs (src/platform/regrade-preview.ts), side by side with a
 * plain SQL query reading the same rows, on a real SQLite file and PostgreSQL. One assignment of
 * STUDENTS students × 3 parts, each with an official result and a dry run's shadow result (a
 * realistic GradeResult: 10 tests with names, outputs and a feedback text; a fifth of the tests
 * flip, some scores change, a few new grader errors):
 *
 *   baseline   one SELECT of every official and shadow job of the dry run's submissions, joined
 *              with their results (the result JSON included), nothing parsed
 *   preview    buildPreview: the same rows in three queries, newest official job per part, every
 *              result parsed, tests compared by name, deltas, overrides and the summary
 *
 * Rounds alternate; prints medians, p90 and the ratio preview / baseline (target ≤ 5×).
 * Usage: node bench/regrade-preview.bench.ts [--students 1000] [--runs 15] [--postgres URL|none]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../src/db/database.ts';
import type { GradeResult } from '../src/grader/grade-result.ts';
import { buildPreview } from '../src/platform/regrade-preview.ts';
import { regradeRow, regradeView } from '../src/platform/regrade-state.ts';
import { fmt, median, percentile } from './stats.ts';

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const STUDENTS = Number(option('--students', '1000'));
const RUNS = Number(option('--runs', '15'));
const POSTGRES = option('--postgres', process.env.GRADEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const PARTS = ['p1', 'p2', 'p3'];
const TESTS = 10;
const COURSE = 'bench';
const ASSIGNMENT = 'hw';
const REGRADE = 'rg_bench';
const AT = '2026-01-01T00:00:00.000Z';
const LATER = '2026-02-01T00:00:00.000Z';

function result(student: number, part: number, shadow: boolean): GradeResult {
  // Shadow results: a fifth of the tests flip, and every 97th is a grader error.
  const error = shadow && (student * 3 + part) % 97 === 0;
  const passed = (t: number): boolean => ((student + part + t + (shadow && t % 5 === 0 ? 1 : 0)) % 3) !== 0;
  const tests = Array.from({ length: TESTS }, (_, t) => ({
    name: `test_${part}_${t}: checks case ${t} of the part`,
    score: passed(t) ? 1 : 0,
    maxScore: 1,
    status: passed(t) ? ('passed' as const) : ('failed' as const),
    output: passed(t) ? 'ok' : `expected ${t * 7} but got ${t * 7 + 1}\n  at line ${t + 10}`,
    outputFormat: 'text' as const,
    visibility: 'visible' as const,
  }));
  const score = error ? null : tests.filter((t) => t.status === 'passed').length / TESTS;
  const out = (text: string) => ({ text, bytes: text.length, truncated: false });
  return {
    status: error ? 'grader-error' : 'graded',
    score,
    points: null,
    feedback: { text: `Passed ${tests.filter((t) => t.status === 'passed').length} of ${TESTS} tests.`, format: 'text' },
    tests: error ? [] : tests,
    errors: error ? ['results.json is missing'] : [],
    warnings: [],
    output: { stdout: out('running tests…\n'.repeat(8)), stderr: out(''), visibleToStudents: false },
    run: { wallMs: 850, cpuMs: 600, peakMemoryBytes: 52_428_800, reason: 'exited', exitCode: 0, signal: null },
    protocol: 'gradescope',
    image: { id: `sha256:${'0'.repeat(64)}` },
    limits: { cpus: 1, memoryMiB: 1024, pids: 256, timeoutSeconds: 60, writableMiB: 256, tmpMiB: 64, outputCapBytes: 65536, outputLimitBytes: 1048576 },
  };
}

async function seed({ db }: OpenedDatabase): Promise<void> {
  const logins = Array.from({ length: STUDENTS }, (_, i) => `s${String(i).padStart(5, '0')}`);
  const chunked = async <T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> => {
    for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
  };
  await db.insertInto('courses').values({ id: COURSE, title: 'Bench', created_at: AT }).execute();
  await chunked(logins, 500, (c) => db.insertInto('users').values(c.map((login) => ({ login, display_name: login, is_admin: 0, created_at: AT }))).execute());
  await chunked(logins, 500, (c) => db.insertInto('memberships').values(c.map((login) => ({ course_id: COURSE, login, role: 'student', created_at: AT }))).execute());
  await db
    .insertInto('assignments')
    .values({ course_id: COURSE, id: ASSIGNMENT, title: 'HW', deadline: null, position: 0, created_at: AT, max_submissions: null, min_interval_seconds: null, late_policy: null, cutoff: null, complete_at: null, release_at: null, released_at: null, released_by: null })
    .execute();
  await db.insertInto('parts').values(PARTS.map((id, position) => ({ course_id: COURSE, assignment_id: ASSIGNMENT, id, title: id, points: 10, position }))).execute();
  const version = (part: string) => ({
    id: `gv_${part}`, course_id: COURSE, assignment_id: ASSIGNMENT, part_id: part, number: 1, status: 'published', image_id: `sha256:${'0'.repeat(64)}`, protocol: null, run_as: null,
    script_path: null, script_args: null, cpus: 1, memory_mib: 1024, timeout_seconds: 60, uploaded_by: 'ines', uploaded_at: AT, published_by: 'ines', published_at: AT,
  });
  await db.insertInto('users').values({ login: 'ines', display_name: 'ines', is_admin: 0, created_at: AT }).execute();
  await db.insertInto('grader_versions').values(PARTS.map(version)).execute();
  await chunked(logins, 500, (c) =>
    db.insertInto('submissions').values(c.map((login) => ({ id: `sub_${login}`, course_id: COURSE, assignment_id: ASSIGNMENT, login, digest: `sha256:${login}`, submitted_at: AT, total_bytes: 10, kind: 'student' }))).execute(),
  );
  const basis = JSON.stringify({ published: Object.fromEntries(PARTS.map((p) => [p, `gv_${p}`])), drafts: Object.fromEntries(PARTS.map((p) => [p, null])) });
  await db
    .insertInto('regrades')
    .values({ id: REGRADE, course_id: COURSE, assignment_id: ASSIGNMENT, selection: '{"students":null,"parts":null}', grader: '{"kind":"published"}', versions: JSON.stringify(Object.fromEntries(PARTS.map((p) => [p, `gv_${p}`]))), basis, dry_run: 1, state: 'finished', open: 1, total: STUDENTS * PARTS.length, created_by: 'ines', created_at: LATER, finished_at: LATER, closed_by: null, closed_at: null })
    .execute();
  const jobs = logins.flatMap((login, s) =>
    PARTS.flatMap((part, p) =>
      [false, true].map((shadow) => ({ login, s, part, p, shadow, id: `job_${shadow ? 'n' : 'o'}_${login}_${part}` })),
    ),
  );
  await chunked(jobs, 300, (c) =>
    db
      .insertInto('grading_jobs')
      .values(c.map((j) => ({ id: j.id, submission_id: `sub_${j.login}`, part_id: j.part, grader_version_id: `gv_${j.part}`, priority: j.shadow ? 'bulk' : 'student', phase: 'done', queued_at: j.shadow ? LATER : AT, done_at: j.shadow ? LATER : AT, attempts: 1, regrade_id: j.shadow ? REGRADE : null, shadow: j.shadow ? 1 : 0 })))
      .execute(),
  );
  await chunked(jobs, 300, (c) =>
    db
      .insertInto('results')
      .values(
        c.map((j) => {
          const r = result(j.s, j.p, j.shadow);
          return { job_id: j.id, submission_id: `sub_${j.login}`, status: r.status, score: r.score, result: JSON.stringify(r), result_gzip: null, result_bytes: null, created_at: j.shadow ? LATER : AT };
        }),
      )
      .execute(),
  );
  // A few manual overrides, which the preview marks.
  await db
    .insertInto('grade_overrides')
    .values(logins.filter((_, i) => i % 50 === 0).map((login) => ({ course_id: COURSE, assignment_id: ASSIGNMENT, login, part_id: 'p1', value: 10, reason: 'bench', set_by: 'ines', set_at: LATER })))
    .execute();
}

async function baseline({ db }: OpenedDatabase): Promise<number> {
  const rows = await db
    .selectFrom('grading_jobs as j')
    .leftJoin('results as r', 'r.job_id', 'j.id')
    .select(['j.id', 'j.submission_id', 'j.part_id', 'j.queued_at', 'j.shadow', 'r.status', 'r.score', 'r.result', 'r.result_gzip'])
    .where('j.submission_id', 'in', db.selectFrom('grading_jobs').select('submission_id').where('regrade_id', '=', REGRADE))
    .execute();
  return rows.length;
}

async function preview({ db }: OpenedDatabase): Promise<number> {
  const built = await buildPreview(db, await regradeView(db, await regradeRow(db, REGRADE), new Date(LATER)));
  return built.rows.length;
}

async function measure(name: string, opened: OpenedDatabase): Promise<void> {
  const seedStart = performance.now();
  await seed(opened);
  const seedMs = performance.now() - seedStart;
  const times = { baseline: [] as number[], preview: [] as number[] };
  const rows = { baseline: 0, preview: 0 };
  for (let i = 0; i < RUNS + 2; i++) {
    for (const kind of ['baseline', 'preview'] as const) {
      const start = performance.now();
      rows[kind] = await (kind === 'baseline' ? baseline(opened) : preview(opened));
      if (i >= 2) times[kind].push(performance.now() - start);
    }
  }
  const b = median(times.baseline);
  const p = median(times.preview);
  console.log(`${name}: ${STUDENTS} students × ${PARTS.length} parts, seeded in ${(seedMs / 1000).toFixed(1)} s; ${RUNS} rounds after 2 warm-up`);
  console.log(`  baseline (one SELECT, ${rows.baseline} rows)   median ${fmt(b)} ms   p90 ${fmt(percentile(times.baseline, 90))} ms`);
  console.log(`  preview  (${rows.preview} rows + summary)      median ${fmt(p)} ms   p90 ${fmt(percentile(times.preview, 90))} ms`);
  console.log(`  ratio preview / baseline: ${(p / b).toFixed(2)}× (target ≤ 5×)`);
}

const work = await mkdtemp(join(tmpdir(), 'gradebox-regrade-preview-bench-'));
try {
  const sqlite = await openDatabase(join(work, 'bench.sqlite'));
  try {
    await measure('sqlite', sqlite);
  } finally {
    await sqlite.close();
  }
  if (POSTGRES !== 'none') {
    const schema = `gbx_bench_${process.pid}`;
    const pg = await openDatabase(POSTGRES, { schema });
    try {
      await measure('postgres', pg);
    } finally {
      if (process.env.BENCH_KEEP === undefined) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(pg.db);
      await pg.close();
    }
  }
} finally {
  if (process.env.BENCH_KEEP === undefined) await rm(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
