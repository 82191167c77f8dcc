/**
 * `submit --wait`: following a submission's event stream until it is graded, reconnecting when
 * the stream drops, polling when events are unavailable, giving up at the timeout.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/client/api-client.ts';
import { ApiError } from '../../src/client/client-errors.ts';
import { WaitTimedOut, waitForGrading } from '../../src/client/wait-for-grading.ts';
import type { Submission, SubmissionStatus } from '../../src/platform/model.ts';
import { json, ScriptedServer } from './scripted-server.ts';

let server: ScriptedServer;
let client: ApiClient;
const FAST = { pollIntervalMs: 20, reconnectDelayMs: 20 };
const EVENTS = '/api/submissions/s1/events';
const SUBMISSION = '/api/submissions/s1';

function submission(status: SubmissionStatus, phase = 'running'): Submission {
  return {
    id: 's1', courseId: 'c', assignmentId: 'a', login: 'ada', digest: 'sha256:x', submittedAt: '2026-01-01T00:00:00Z', files: [], totalBytes: 0,
    kind: 'student', status,
    parts: [{
      partId: 'p', points: 10,
      job: { id: 'j', submissionId: 's1', partId: 'p', graderVersionId: 'gv', priority: 'student', phase: status === 'graded' ? 'done' : (phase as 'running'), phases: {}, attempts: 1, lastError: null },
      result: status === 'graded'
        ? { jobId: 'j', status: 'graded', score: 1, points: 10, feedback: { text: 'ok', format: 'text' }, tests: [], output: null, createdAt: '2026-01-01T00:00:01Z', full: null }
        : null,
    }],
  };
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
}
const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

beforeAll(async () => {
  server = await ScriptedServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  client = new ApiClient({ server: server.url, token: 'gbx_t', userAgent: 'x' });
});

const calls = (path: string): number => server.requests.filter((r) => r.url === path).length;

describe('waitForGrading', () => {
  it('follows the event stream until the submission is graded, reporting every state', async () => {
    server.on('GET', EVENTS, (req, res) => {
      expect(req.headers.accept).toBe('text/event-stream');
      startStream(res);
      res.write(': keep-alive\n\n');
      res.write(event('submission', submission('grading', 'queued')));
      setTimeout(() => res.write(event('submission', submission('grading', 'running'))), 20);
      setTimeout(() => res.end(event('submission', submission('graded')) + event('done', { submissionId: 's1', status: 'graded' })), 40);
    });
    const seen: string[] = [];
    const final = await waitForGrading(client, 's1', { ...FAST, onUpdate: (s) => seen.push(`${s.status}/${s.parts[0]?.job?.phase}`) });
    expect(final.status).toBe('graded');
    expect(seen).toEqual(['grading/queued', 'grading/running', 'graded/done']);
    expect(calls(SUBMISSION)).toBe(0);
  });

  it('reconnects when the stream drops before the end', async () => {
    let connection = 0;
    server.on('GET', EVENTS, (req, res) => {
      connection += 1;
      startStream(res);
      if (connection === 1) {
        res.write(event('submission', submission('grading')));
        setTimeout(() => req.socket.destroy(), 20);
      } else {
        res.end(event('submission', submission('graded')));
      }
    });
    expect((await waitForGrading(client, 's1', FAST)).status).toBe('graded');
    expect(connection).toBe(2);
  });

  it('a `done` event without a graded state: asks for the final one', async () => {
    server.on('GET', EVENTS, (_req, res) => {
      startStream(res);
      res.end(event('submission', submission('grading')) + 'event: done\n\n');
    });
    server.on('GET', SUBMISSION, (_req, res) => json(res, 200, submission('graded')));
    expect((await waitForGrading(client, 's1', FAST)).status).toBe('graded');
    expect(calls(SUBMISSION)).toBe(1);
  });

  it('polls every interval when the server has no event stream (404, or not text/event-stream)', async () => {
    let polls = 0;
    server.on('GET', SUBMISSION, (_req, res) => json(res, 200, submission(++polls < 3 ? 'grading' : 'graded')));
    expect((await waitForGrading(client, 's1', FAST)).status).toBe('graded');
    expect(calls(EVENTS)).toBe(1);
    expect(polls).toBe(3);

    server.reset();
    polls = 0;
    server.on('GET', EVENTS, (_req, res) => json(res, 200, { not: 'a stream' }));
    server.on('GET', SUBMISSION, (_req, res) => json(res, 200, submission(++polls < 2 ? 'grading' : 'graded')));
    expect((await waitForGrading(client, 's1', FAST)).status).toBe('graded');
    expect(calls(EVENTS)).toBe(1);
  });

  it('switches to polling after connections in a row bring nothing (a busy server, a buffering proxy)', async () => {
    server.on('GET', EVENTS, (_req, res) => json(res, 503, { error: { code: 'unavailable', message: 'busy' } }));
    let polls = 0;
    server.on('GET', SUBMISSION, (_req, res) => (++polls === 1 ? json(res, 503, { error: { code: 'unavailable', message: 'busy' } }) : json(res, 200, submission('graded'))));
    expect((await waitForGrading(client, 's1', { ...FAST, maxFailedConnections: 3 })).status).toBe('graded');
    expect(calls(EVENTS)).toBe(3);
    expect(polls).toBe(2);
  });

  it('gives up at the timeout with the last state seen; grading goes on', async () => {
    server.on('GET', EVENTS, (_req, res) => {
      startStream(res);
      res.write(event('submission', submission('grading')));
    });
    const started = Date.now();
    const error = await waitForGrading(client, 's1', { ...FAST, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimedOut);
    expect((error as WaitTimedOut).submission?.status).toBe('grading');
    expect((error as Error).message).toBe('submission s1 is still being graded after 0.15 s');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a refusal (403, 404 of the submission) ends the wait with that error', async () => {
    server.on('GET', SUBMISSION, (_req, res) => json(res, 404, { error: { code: 'not-found', message: 'no submission s1' } }));
    const error = await waitForGrading(client, 's1', FAST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, message: 'no submission s1' });
  });

  it('an interruption stops waiting at once with its reason', async () => {
    server.on('GET', EVENTS, (_req, res) => startStream(res));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 50);
    await expect(waitForGrading(client, 's1', { ...FAST, signal: controller.signal })).rejects.toThrow('Ctrl-C');
  });
});
