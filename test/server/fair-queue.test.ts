/**
 * Fair scheduling through a real server and real gradings (docs/service.md "Jobs, workers and
 * crashes"): one student's flood of submissions takes turns with another student's submission
 * instead of running ahead of it. The queue is filled while no worker runs (a server with
 * `workers: 0`), then a server with one grading slot starts on the same data directory, so the
 * order the jobs ran in depends on the queue alone, never on how fast this machine is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { startTestServer } from '../support/test-server.ts';
import { testImage } from '../support/test-image.ts';

interface StaffView {
  id: string;
  login: string;
  status: string;
  parts: Array<{ job: { phases: Record<string, string> } | null }>;
}

let dataDir: string;
let grading: RunningServer | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gradebox-fair-'));
});

afterAll(async () => {
  await grading?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it("runs a flood of one student's jobs in turns with another student's job", async () => {
  const filling = await startTestServer({ dataDir, workers: 0 });
  const submissions: string[] = [];
  let staff: string;
  try {
    const course = {
      course: { id: 'cs1', title: 'CS 1' },
      members: [
        { login: 'ines', role: 'instructor' },
        { login: 'fay', role: 'student' },
        { login: 'otto', role: 'student' },
      ],
      assignments: [{ id: 'runs', title: 'Runs', parts: [{ id: 'main', points: 1 }] }],
    };
    expect((await filling.admin('POST', '/api/apply', course)).status).toBe(200);
    staff = await filling.tokenFor('ines', ['read', 'submit', 'author']);
    const imageId = await filling.uploadImage(staff, 'cs1', testImage('run-submission'));
    expect((await filling.as(staff)('POST', '/api/courses/cs1/assignments/runs/parts/main/graders', { imageId })).status).toBe(201);
    expect((await filling.as(staff)('POST', '/api/courses/cs1/assignments/runs/publish')).status).toBe(200);
    const submitAs = async (login: string): Promise<void> => {
      const token = await filling.tokenFor(login, ['read', 'submit']);
      const form = new FormData();
      form.append('file', new Blob(['exit 0\n']), 'main.sh');
      const answer = await filling.as(token)<{ id: string }>('POST', '/api/courses/cs1/assignments/runs/submissions', form);
      expect(answer.status).toBe(201);
      submissions.push(answer.body.id);
    };
    // fay floods first; otto submits once after her.
    for (let i = 0; i < 4; i++) await submitAs('fay');
    await submitAs('otto');
  } finally {
    await filling.close();
  }

  grading = await startServer({ dataDir, port: 0, workers: 1, version: 'test' });
  const get = async (id: string): Promise<StaffView> => {
    const answer = await fetch(`${grading!.url}/api/submissions/${id}`, { headers: { authorization: `Bearer ${staff}` } });
    expect(answer.status).toBe(200);
    return (await answer.json()) as StaffView;
  };
  // Each event stream ends once its submission is graded.
  for (const id of submissions) {
    const stream = await fetch(`${grading.url}/api/submissions/${id}/events`, { headers: { authorization: `Bearer ${staff}` } });
    expect(stream.status).toBe(200);
    await stream.text();
  }
  const views = await Promise.all(submissions.map(get));
  expect(views.every((v) => v.status === 'graded')).toBe(true);
  const byStart = views
    .map((v) => ({ login: v.login, running: Date.parse(v.parts[0]?.job?.phases.running ?? '') }))
    .sort((a, b) => a.running - b.running)
    .map((v) => v.login);
  // First come, first served for the first job; then otto's turn, not fay's three others first.
  expect(byStart).toEqual(['fay', 'otto', 'fay', 'fay', 'fay']);
}, 180_000);
