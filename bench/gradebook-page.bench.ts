/**
 * What the web gradebook pages cost, side by side with baselines, on the real server (in this
 * process, over loopback HTTP) with a SQLite data folder seeded with a course of STUDENTS
 * students × ASSIGNMENTS assignments × 3 parts (bench/seed-course.ts):
 *
 *   course page       GET /courses/cs101/gradebook as an instructor (session cookie)
 *   course SQL        baseline: one query reading what the page shows (students, names, stored
 *                     grades, overrides, extensions, late policies), in-process, no HTTP
 *   course JSON API   baseline: GET /api/courses/cs101/grades/export?format=json (every part too)
 *   assignment page   GET /courses/cs101/assignments/hw1/gradebook
 *   assignment API    baseline: GET /api/courses/cs101/assignments/hw1/grades (the same grades as JSON)
 *
 * Rounds alternate the methods. Prints bytes, medians and p90 in ms and the ratios to the
 * baselines, and how fast the machine ran meanwhile; the targets (issue 14): the course page within 2 MB and under 300 ms.
 * Usage: npx tsc -p tsconfig.json && node bench/gradebook-page.bench.ts [--students 1000] [--assignments 20] [--runs 15] [--keep]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/db/database.ts';
import { dataDirLayout } from '../src/server/data-dir.ts';
import { WebClient } from '../test/web/web-client.ts';
import { seedCourse } from './seed-course.ts';

const COURSE = 'cs101';
import { describeSpeed, machineSpeed } from './machine-speed.ts';
import { fmt, median, percentile } from './stats.ts';

// The server as `gradebox serve` runs it: built (the pages are .tsx, which Node does not strip).
const built = new URL('../dist/server/start-server.js', import.meta.url);
if (!existsSync(built)) throw new Error('build first: npx tsc -p tsconfig.json');
const { startServer } = (await import(built.href)) as typeof import('../src/server/start-server.ts');

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const STUDENTS = Number(option('--students', '1000'));
const ASSIGNMENTS = Number(option('--assignments', '20'));
const RUNS = Number(option('--runs', '15'));
const KEEP = process.argv.includes('--keep');
const PASSWORD = 'bench passphrase long enough';

/** Baseline: what the course page shows, read by one plain query (no derivation, no HTML). */
async function courseSql(db: Db): Promise<number> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.login', 'm.login')
    .innerJoin('assignments as a', 'a.course_id', 'm.course_id')
    .leftJoin('assignment_grades as g', (j) => j.onRef('g.course_id', '=', 'm.course_id').onRef('g.assignment_id', '=', 'a.id').onRef('g.login', '=', 'm.login'))
    .leftJoin('grade_overrides as o', (j) => j.onRef('o.course_id', '=', 'm.course_id').onRef('o.assignment_id', '=', 'a.id').onRef('o.login', '=', 'm.login'))
    .leftJoin('extensions as e', (j) => j.onRef('e.course_id', '=', 'm.course_id').onRef('e.assignment_id', '=', 'a.id').onRef('e.login', '=', 'm.login'))
    .select(['m.login', 'u.display_name', 'a.id', 'a.deadline', 'a.late_policy', 'g.status', 'g.raw_grade', 'g.counts_at', 'o.value', 'e.until'])
    .where('m.course_id', '=', COURSE)
    .where('m.role', '=', 'student')
    .orderBy('m.login')
    .orderBy('a.position')
    .execute();
  return rows.length;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gradebox-gradebook-page-bench-'));
  // A first start makes the administrator (whom the seeded grader versions name) and its token.
  const first = await startServer({ dataDir, port: 0, workers: 0, version: 'bench' });
  const token = first.adminToken?.token;
  await first.close();
  if (token === undefined) throw new Error('no admin token');
  const seeding = performance.now();
  const opened = await openDatabase(dataDirLayout(dataDir).database);
  await seedCourse(opened.db, { course: COURSE, students: STUDENTS, assignments: ASSIGNMENTS, latePolicy: { kind: 'steps', steps: [{ afterSeconds: 3600, factor: 0.8 }] } });
  const at = new Date().toISOString();
  await opened.db.insertInto('users').values({ login: 'ines', display_name: 'Ines', is_admin: 0, created_at: at }).execute();
  await opened.db.insertInto('memberships').values({ course_id: COURSE, login: 'ines', role: 'instructor', created_at: at }).execute();
  await opened.close();
  console.log(`seeded ${STUDENTS} students × ${ASSIGNMENTS} assignments × 3 parts in ${((performance.now() - seeding) / 1000).toFixed(1)} s (${dataDir})`);

  const server = await startServer({ dataDir, port: 0, workers: 0, version: 'bench' });
  const sqlSide = await openDatabase(dataDirLayout(dataDir).database);
  try {
    const put = await fetch(`${server.url}/api/users/ines/password`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    if (put.status !== 204) throw new Error(`password: ${put.status}`);
    const web = new WebClient(server.url);
    if ((await web.signIn('ines', PASSWORD)).status !== 303) throw new Error('sign-in failed');
    const apiGet = async (path: string): Promise<number> => {
      const answer = await fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } });
      if (answer.status !== 200) throw new Error(`${path}: ${answer.status}`);
      return (await answer.arrayBuffer()).byteLength;
    };
    const pageGet = async (path: string): Promise<number> => {
      const answer = await web.get(path);
      if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text.slice(0, 500)}`);
      return Buffer.byteLength(answer.text);
    };
    const methods: Record<string, () => Promise<number>> = {
      'course page': () => pageGet(`/courses/${COURSE}/gradebook`),
      'course SQL': () => courseSql(sqlSide.db),
      'course JSON API': () => apiGet(`/api/courses/${COURSE}/grades/export?format=json`),
      'assignment page': () => pageGet(`/courses/${COURSE}/assignments/hw1/gradebook`),
      'assignment API': () => apiGet(`/api/courses/${COURSE}/assignments/hw1/grades`),
    };
    const bytes: Record<string, number> = {};
    // A warm-up round (the first read makes stalled grades good; none are stalled here).
    for (const [name, run] of Object.entries(methods)) bytes[name] = await run();
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(methods).map((name) => [name, []]));
    for (let round = 0; round < RUNS; round++) {
      for (const [name, run] of Object.entries(methods)) {
        const start = performance.now();
        await run();
        samples[name]!.push(performance.now() - start);
      }
    }
    console.log('\nmethod             median ms   p90 ms   size');
    for (const [name, list] of Object.entries(samples)) {
      const size = name === 'course SQL' ? `${bytes[name]} rows` : `${(bytes[name]! / 1024 / 1024).toFixed(2)} MB`;
      console.log(`${name.padEnd(17)} ${fmt(median(list))} ${fmt(percentile(list, 90))}   ${size}`);
    }
    const ratio = (a: string, b: string): string => (median(samples[a]!) / median(samples[b]!)).toFixed(2);
    const coursePage = median(samples['course page']!);
    const courseMb = bytes['course page']! / 1024 / 1024;
    console.log(`\ncourse page / course SQL:          ${ratio('course page', 'course SQL')}×`);
    console.log(`course page / course JSON API:     ${ratio('course page', 'course JSON API')}×`);
    console.log(`assignment page / assignment API:  ${ratio('assignment page', 'assignment API')}×`);
    console.log(`machine meanwhile: ${describeSpeed(machineSpeed())}; load average ${loadavg().map((l) => l.toFixed(1)).join(', ')}`);
    console.log(`course page: ${courseMb.toFixed(2)} MB (target ≤ 2 MB), ${coursePage.toFixed(0)} ms median (target < 300 ms): ${courseMb <= 2 && coursePage < 300 ? 'met' : 'NOT met'}`);
  } finally {
    await sqlSide.close();
    await server.close();
    if (!KEEP) await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
