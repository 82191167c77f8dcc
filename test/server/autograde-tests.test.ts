/**
 * Test runs of an autograde grader over HTTP, with a real server and worker on SQLite and on
 * PostgreSQL and the Codio test images: the script (codio-unit, which echoes what it saw) runs on
 * the sample with the simulated part results in CODIO_AUTOGRADE_ENV and its grade, feedback and
 * stdout come back; a student's grade from the published script is unchanged; who may; refusals.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutogradeTest } from '../../src/platform/autograde-tests.ts';
import type { AssignmentGrade } from '../../src/platform/model.ts';
import { POSTGRES_TEST_URL } from '../support/databases.ts';
import { testImage } from '../support/test-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { buildZip } from '../support/zip-writer.ts';

const SLOW = 180_000;
const COURSE = {
  course: { id: 'unitc', title: 'Codio units' },
  members: [
    { login: 'ines', role: 'instructor' },
    { login: 'tara', role: 'ta' },
    { login: 'sam', role: 'student' },
  ],
  assignments: [
    { id: 'unit1', title: 'Unit 1', trigger: 'completion', autograde: 'script', parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }] },
    { id: 'unit2', title: 'Unit 2', trigger: 'completion', autograde: 'script', parts: [{ id: 'p1', points: 10 }] },
    { id: 'hw', title: 'Homework', parts: [{ id: 'p1', points: 10 }] },
  ],
};
const UNIT1 = '/api/courses/unitc/assignments/unit1';

function sample(fields: Record<string, string> = {}, answer = '42\n'): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([answer]), 'answer.txt');
  return form;
}

interface Seen {
  stats: Record<string, number>;
  info: { name: string; points: number; answer: { correct: boolean; points: number } }[];
  student: string;
  answer: string;
}

const seenOf = (test: AutogradeTest): Seen => JSON.parse((test.detail ?? '').replace(/^saw /, '')) as Seen;

const backends = [
  { name: 'sqlite', options: {} },
  { name: 'postgres', options: { databaseUrl: POSTGRES_TEST_URL, databaseSchema: `gradebox_agt_${randomBytes(4).toString('hex')}` } },
];

describe.each(backends)('autograde test runs over HTTP on $name', ({ options }) => {
  let t: TestServer;
  const tokens: Record<string, string> = {};

  async function ended(id: string, token = tokens.tara!): Promise<AutogradeTest> {
    for (let i = 0; ; i++) {
      const answer = await t.as(token)<AutogradeTest>('GET', `/api/autograde-tests/${id}`);
      expect(answer.status).toBe(200);
      if (answer.body.status === 'graded' || answer.body.status === 'error' || i >= 1200) return answer.body;
      await sleep(100);
    }
  }

  async function samGrade(): Promise<AssignmentGrade> {
    for (let i = 0; ; i++) {
      const answer = await t.as(tokens.ines)<{ grades: AssignmentGrade[] }>('GET', `${UNIT1}/grades?login=sam`);
      const grade = answer.body.grades.find((g) => g.login === 'sam')!;
      if (grade.status !== 'pending' || i >= 1200) return grade;
      await sleep(100);
    }
  }

  beforeAll(async () => {
    t = await startTestServer({ workers: 1, ...options });
    expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
    tokens.ines = await t.tokenFor('ines', ['read', 'submit', 'author']);
    tokens.tara = await t.tokenFor('tara', ['read', 'submit', 'author']);
    tokens.sam = await t.tokenFor('sam', ['read', 'submit', 'author']);
    const parts = await t.uploadImage(t.adminToken, 'unitc', testImage('codio-scripts'));
    const unit = await t.uploadImage(t.adminToken, 'unitc', testImage('codio-unit'));
    for (const part of ['p1', 'p2']) {
      expect((await t.admin('POST', `${UNIT1}/parts/${part}/graders`, { imageId: parts, protocol: 'script', script: { path: '/grader/partial.sh', args: ['5'] } })).status).toBe(201);
    }
    expect((await t.admin('POST', `${UNIT1}/autograde-graders`, { imageId: unit, script: { path: '/grader/assignment.py' } })).status).toBe(201);
    expect((await t.admin('POST', `${UNIT1}/publish`)).status).toBe(200);
    // sam's real work: p1 5 of 10, p2 5 of 5, completed: the published script gives 67.
    expect((await t.as(tokens.sam)('POST', `${UNIT1}/submissions`, sample())).status).toBe(201);
    expect((await t.as(tokens.sam)('POST', `${UNIT1}/completions`, {})).status).toBe(200);
    expect(await samGrade()).toMatchObject({ status: 'graded', rawGrade: 67 });
    // The draft to test: the same script (its grade from the points it is told).
    expect((await t.admin('POST', `${UNIT1}/autograde-graders`, { imageId: unit, script: { path: '/grader/assignment.py' } })).status).toBe(201);
  }, SLOW);

  afterAll(async () => {
    await t?.close();
    if ('databaseSchema' in options) {
      const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${options.databaseSchema}" CASCADE`);
      await client.end();
    }
  });

  it("a TA runs the newest draft with simulated results: the script saw them, its grade and stdout come back, sam's grade is unchanged", { timeout: SLOW }, async () => {
    const started = await t.as(tokens.tara)<AutogradeTest>('POST', `${UNIT1}/autograde-tests`, sample({ partResults: JSON.stringify({ p1: { points: 3 }, p2: { status: 'ungraded' } }) }, 'forty-two\n'));
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ grader: { number: 2, status: 'draft' }, requestedBy: 'tara' });
    const test = await ended(started.body.id);
    expect(test, JSON.stringify(test)).toMatchObject({ status: 'graded', grade: 20 });
    expect(seenOf(test)).toMatchObject({
      stats: { total: 2, answered: 1, correct: 0, totalPoints: 15, points: 3 },
      info: [
        { name: 'p1', points: 10, answer: { correct: false, points: 3 } },
        { name: 'p2', points: 5, answer: { correct: false, points: 0 } },
      ],
      student: 'tara',
      answer: 'forty-two',
    });
    expect(test.result?.output.stdout.text).toContain('stats: {"total": 2, "answered": 1, "correct": 0, "totalPoints": 15, "points": 3}');
    expect(test.result?.output.stderr).toBeDefined();
    // Students' grades are untouched, and nobody else's (the TA's) appeared.
    expect(await samGrade()).toMatchObject({ status: 'graded', rawGrade: 67 });
    const all = await t.as(tokens.ines)<{ grades: AssignmentGrade[] }>('GET', `${UNIT1}/grades`);
    expect(all.body.grades.map((g) => g.login)).not.toContain('tara');
    // A student may not read it.
    expect((await t.as(tokens.sam)('GET', `/api/autograde-tests/${test.id}`)).status).toBe(403);
  });

  it('full points by default; a fraction; the published version by number', { timeout: SLOW }, async () => {
    const full = await t.as(tokens.ines)<AutogradeTest>('POST', `${UNIT1}/autograde-tests`, sample({ version: 'v1' }));
    expect(full.status).toBe(201);
    expect(await ended(full.body.id)).toMatchObject({ status: 'graded', grade: 100, grader: { number: 1, status: 'published' }, parts: [{ earned: 10 }, { earned: 5 }] });
    const half = await t.as(tokens.ines)<AutogradeTest>('POST', `${UNIT1}/autograde-tests`, sample({ partResults: JSON.stringify({ p1: { fraction: 0.5 } }) }));
    expect(await ended(half.body.id)).toMatchObject({ status: 'graded', grade: 67 });
  });

  it('a sample as an archive, through the submission intake; a hostile one is refused and nothing is run', { timeout: SLOW }, async () => {
    const form = new FormData();
    form.append('partResults', '{"p2": 0}');
    form.append('archive', new Blob([buildZip([{ name: 'answer.txt', data: 'zipped\n' }])]), 'sample.zip');
    const started = await t.as(tokens.ines)<AutogradeTest>('POST', `${UNIT1}/autograde-tests`, form);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const test = await ended(started.body.id);
    expect(test).toMatchObject({ status: 'graded', grade: 67 });
    expect(seenOf(test).answer).toBe('zipped');
    const evil = new FormData();
    evil.append('archive', new Blob([buildZip([{ name: '../../etc/evil', data: 'x' }])]), 'sample.zip');
    const refused = await t.as(tokens.ines)('POST', `${UNIT1}/autograde-tests`, evil);
    expect(refused.status).toBe(400);
  });

  it('autograde-test-check answers what a run would get, before any file', async () => {
    const check = (token: string | undefined, assignment: string) => t.as(token)('GET', `/api/courses/unitc/assignments/${assignment}/autograde-test-check`);
    expect((await check(tokens.tara, 'unit1')).status).toBe(204);
    expect((await check(tokens.sam, 'unit1')).status).toBe(403);
    expect((await check(tokens.ines, 'hw')).status).toBe(409);
    expect((await check(tokens.ines, 'nope')).status).toBe(404);
  });

  it.each([
    ['a student', 'sam', UNIT1, sample(), 403, 'forbidden'],
    ['an unknown assignment', 'ines', '/api/courses/unitc/assignments/nope', sample(), 404, 'not-found'],
    ['an assignment without the script method', 'ines', '/api/courses/unitc/assignments/hw', sample(), 409, 'not-script'],
    ['an assignment without an autograde grader', 'ines', '/api/courses/unitc/assignments/unit2', sample(), 409, 'no-autograde-grader'],
    ['an unknown part', 'ines', UNIT1, sample({ partResults: '{"p9": 1}' }), 400, 'invalid-input'],
    ['points above the part', 'ines', UNIT1, sample({ partResults: '{"p2": {"points": 6}}' }), 400, 'invalid-input'],
    ['points that are not a number', 'ines', UNIT1, sample({ partResults: '{"p1": {"points": "all"}}' }), 400, 'invalid-input'],
    ['part results that are not JSON', 'ines', UNIT1, sample({ partResults: 'p1=3' }), 400, 'invalid-input'],
    ['an unknown version', 'ines', UNIT1, sample({ version: 'v9' }), 404, 'not-found'],
    ['an unknown form field', 'ines', UNIT1, sample({ part: 'p1' }), 400, 'invalid-input'],
  ])('%s: refused', async (_what, who, path, form, status, code) => {
    const answer = await t.as(tokens[who])('POST', `${path}/autograde-tests`, form);
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.error.code).toBe(code);
    if (code === 'no-autograde-grader') expect(answer.body.error.message).toContain('gradebox upload IMAGE unitc unit2 --autograde --script PATH');
  });

  it('an unknown run: 404', async () => {
    expect((await t.as(tokens.ines)('GET', '/api/autograde-tests/agt_nope')).status).toBe(404);
  });
});
