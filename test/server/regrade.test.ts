/**
 * Regrades through a real server with real workers and real sandboxes (docs/course-workflow.md,
 * "Regrade"): a regrade of every student of an assignment (hundreds of submissions, a fast busybox
 * grader) while other students submit. Their results arrive while the regrade still runs — its
 * jobs are bulk priority — and their latency during the regrade is printed next to the latency
 * without one, for the record (never asserted as a time). Then the routes: progress as server-sent
 * events, a dry run's preview and apply, and refusals with their status codes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Regrade, RegradePreview } from '../../src/platform/regrade-model.ts';
import { testImage } from '../support/test-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const REGRADED = Number(process.env.GRADEBOX_REGRADE_STUDENTS ?? 500);
const PROBES = 8;
const COURSE = 'cs1';
const PATH = `/api/courses/${COURSE}/assignments/hw`;

const login = (prefix: string, n: number): string => `${prefix}${String(n).padStart(3, '0')}`;

function stats(ms: number[]): { median: number; max: number; mean: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0, mean: ms.reduce((s, x) => s + x, 0) / Math.max(1, ms.length) };
}

describe('regrade through a real server and workers', () => {
  let t: TestServer;
  let staff: string;
  let ta: string;
  const tokens = new Map<string, string>();

  /** Reads an event stream to its end: the events by name, with the time each arrived. */
  async function events(path: string, token: string): Promise<Array<{ event: string; data: unknown; at: number }>> {
    const response = await fetch(t.url + path, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const out: Array<{ event: string; data: unknown; at: number }> = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) out.push({ event, data: JSON.parse(data) as unknown, at: performance.now() });
      }
    }
    return out;
  }

  async function submit(student: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([`${student}\n`]), 'answer.txt');
    const answer = await t.as(tokens.get(student))<{ id: string }>('POST', `${PATH}/submissions`, form);
    expect(answer.status).toBe(201);
    return answer.body.id;
  }

  /** Submits and waits for the result through the submission's event stream; the milliseconds it took. */
  async function latency(student: string): Promise<number> {
    const start = performance.now();
    const id = await submit(student);
    const heard = await events(`/api/submissions/${id}/events`, tokens.get(student)!);
    expect(heard.at(-1)?.data).toMatchObject({ status: 'graded' });
    return heard.at(-1)!.at - start;
  }

  beforeAll(async () => {
    t = await startTestServer({ workers: 'auto' });
    const students = [
      ...Array.from({ length: REGRADED }, (_, i) => login('st', i + 1)),
      ...Array.from({ length: PROBES }, (_, i) => login('base', i + 1)),
      ...Array.from({ length: PROBES }, (_, i) => login('late', i + 1)),
    ];
    const course = {
      course: { id: COURSE, title: 'CS 1' },
      members: [{ login: 'ines', role: 'instructor' }, { login: 'tara', role: 'ta' }, ...students.map((s) => ({ login: s, role: 'student' }))],
      assignments: [{ id: 'hw', title: 'Homework', parts: [{ id: 'p1', points: 10 }] }],
    };
    expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
    staff = await t.tokenFor('ines', ['read', 'submit', 'author']);
    ta = await t.tokenFor('tara', ['read', 'submit', 'author']);
    const imageId = await t.uploadImage(staff, COURSE, testImage('echo-busybox'));
    expect((await t.as(staff)('POST', `${PATH}/parts/p1/graders`, { imageId })).status).toBe(201);
    expect((await t.as(staff)('POST', `${PATH}/publish`)).status).toBe(200);
    for (const student of students) tokens.set(student, await t.tokenFor(student, ['read', 'submit']));
    // The regraded students' work, graded once.
    const queue = students.slice(0, REGRADED);
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) await submit(s);
    }));
    for (;;) {
      const listed = await t.as(staff)<{ submissions: Array<{ status: string }> }>('GET', `${PATH}/submissions`);
      if (listed.body.submissions.every((s) => s.status === 'graded')) break;
      await sleep(500);
    }
  }, 600_000);
  afterAll(async () => {
    await t?.close();
  });

  it("students' new submissions overtake a running regrade of every student", async () => {
    const without: number[] = [];
    for (let i = 1; i <= PROBES; i++) without.push(await latency(login('base', i)));

    const started = await t.as(staff)<Regrade>('POST', `${PATH}/regrades`, {});
    expect(started.status).toBe(201);
    const total = REGRADED + PROBES;
    expect(started.body).toMatchObject({ state: 'running', dryRun: false, progress: { total, done: 0 } });
    const progress = events(`/api/regrades/${started.body.id}/events`, staff);
    const regradeStart = performance.now();

    const during: number[] = [];
    const doneWhenGraded: number[] = [];
    for (let i = 1; i <= PROBES; i++) {
      during.push(await latency(login('late', i)));
      const now = await t.as(staff)<Regrade>('GET', `/api/regrades/${started.body.id}`);
      expect(now.body.state).toBe('running');
      doneWhenGraded.push(now.body.progress.done);
    }
    const heard = await progress;
    const regradeMs = performance.now() - regradeStart;
    const last = heard.filter((e) => e.event === 'regrade').at(-1)?.data as Regrade;
    expect(last).toMatchObject({ state: 'finished', progress: { total, done: total, failed: 0, cancelled: 0, etaSeconds: null } });
    expect(heard.at(-1)).toMatchObject({ event: 'done', data: { regradeId: started.body.id, state: 'finished' } });
    // Progress came in steps, with an ETA while it ran.
    const running = heard.filter((e) => e.event === 'regrade' && (e.data as Regrade).state === 'running').map((e) => e.data as Regrade);
    expect(running.length).toBeGreaterThan(3);
    expect(running.some((r) => r.progress.etaSeconds !== null)).toBe(true);
    // Every probe was graded while the regrade still had most of its work ahead.
    expect(Math.max(...doneWhenGraded)).toBeLessThan(total);

    const a = stats(without);
    const b = stats(during);
    console.log(
      `regrade of ${total} submissions (${t.server.url}, ${running.length} progress events) took ${(regradeMs / 1000).toFixed(1)} s; ` +
        `student latency without a regrade: median ${a.median.toFixed(0)} ms, mean ${a.mean.toFixed(0)} ms, max ${a.max.toFixed(0)} ms; ` +
        `during it: median ${b.median.toFixed(0)} ms, mean ${b.mean.toFixed(0)} ms, max ${b.max.toFixed(0)} ms (×${(b.median / a.median).toFixed(2)} median); ` +
        `regrade jobs done when each probe was graded: ${doneWhenGraded.join(', ')}`,
    );
    // The results are official (a regrade, not a dry run), on the same submissions.
    const grades = await t.as(staff)<{ grades: Array<{ login: string; status: string; finalGrade: number }> }>('GET', `${PATH}/grades?login=st001`);
    expect(grades.body.grades).toMatchObject([{ login: 'st001', status: 'graded', finalGrade: 100 }]);
  }, 600_000);

  it('a dry run over HTTP: events, preview, apply; refusals with their status codes', async () => {
    const student = tokens.get('st001')!;
    expect((await t.as(student)('POST', `${PATH}/regrades`, { dryRun: true })).status).toBe(403);
    expect((await t.as(staff)('POST', `${PATH}/regrades`, { grader: { kind: 'version', number: 9 } })).status).toBe(404);
    expect((await t.as(staff)('POST', `${PATH}/regrades`, { students: ['nobody'] })).status).toBe(404);
    expect((await t.as(staff)('POST', `${PATH}/regrades`, { parts: ['p9'] })).status).toBe(404);
    expect((await t.as(staff)('POST', `${PATH}/regrades`, { dryRun: 'yes' })).status).toBe(400);
    expect((await t.as(staff)('POST', `${PATH}/regrades`, { grader: { kind: 'version', number: 0 } })).status).toBe(400);
    expect((await t.as(ta)('POST', `${PATH}/regrades`, {})).status).toBe(403);

    const dry = await t.as(ta)<Regrade>('POST', `${PATH}/regrades`, { dryRun: true, students: ['st001', 'st002'] });
    expect(dry.status).toBe(201);
    const second = await t.as(staff)('POST', `${PATH}/regrades`, { dryRun: true });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'regrade-open', details: { regradeId: dry.body.id } });
    expect((await t.as(student)('GET', `/api/regrades/${dry.body.id}`)).status).toBe(403);
    expect((await t.as(student)('GET', `/api/regrades/${dry.body.id}/events`)).status).toBe(403);
    const heard = await events(`/api/regrades/${dry.body.id}/events`, ta);
    expect(heard.at(-1)).toMatchObject({ event: 'done', data: { state: 'finished' } });

    const preview = await t.as(ta)<RegradePreview>('GET', `/api/regrades/${dry.body.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.rows.map((r) => [r.login, r.partId, r.current?.points, r.next?.points, r.delta])).toEqual([
      ['st001', 'p1', 10, 10, 0],
      ['st002', 'p1', 10, 10, 0],
    ]);
    expect(preview.body.summary).toMatchObject({ students: { total: 2, same: 2 }, newFailures: { total: 0 } });
    expect((await t.as(ta)('POST', `/api/regrades/${dry.body.id}/apply`)).status).toBe(403);
    const applied = await t.as(staff)<Regrade>('POST', `/api/regrades/${dry.body.id}/apply`);
    expect(applied.status).toBe(200);
    expect(applied.body.state).toBe('applied');
    expect((await t.as(staff)('POST', `/api/regrades/${dry.body.id}/apply`)).status).toBe(409);
    expect((await t.as(staff)('POST', `/api/regrades/${dry.body.id}/discard`)).status).toBe(409);
    expect((await t.as(staff)('GET', '/api/regrades/rg_missing')).status).toBe(404);
    const listed = await t.as(staff)<{ regrades: Regrade[] }>('GET', `${PATH}/regrades`);
    expect(listed.body.regrades.map((r) => r.state)).toEqual(['applied', 'finished']);
  }, 120_000);
});
