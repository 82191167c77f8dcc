import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../../platform/platform.ts';
import type { Regrade } from '../../platform/regrade-model.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, IdParams, RegradeBody } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Progress is read from the database (workers may report to another server), this often. */
const POLL_MS = 500;
/** Comments keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/** Regrades and dry runs (docs/course-workflow.md, "Regrade"). */
export function regradeRoutes(app: TypedApp, platform: Platform): void {
  app.post(
    '/api/courses/:course/assignments/:assignment/regrades',
    {
      schema: {
        tags: ['regrades'],
        summary: 'Regrade the counting submissions (all or selected students and parts) with bulk-priority jobs; `dryRun` grades into shadow results',
        params: AssignmentParams,
        body: RegradeBody,
      },
    },
    async (request, reply) => {
      const regrade = await platform.startRegrade(actorOf(request), request.params.course, request.params.assignment, request.body);
      return reply.code(201).send(regrade);
    },
  );
  app.get(
    '/api/courses/:course/assignments/:assignment/regrades',
    { schema: { tags: ['regrades'], summary: 'The assignment’s regrades, newest first (staff)', params: AssignmentParams } },
    async (request) => ({ regrades: await platform.listRegrades(actorOf(request), request.params.course, request.params.assignment) }),
  );
  app.get(
    '/api/regrades/:id',
    { schema: { tags: ['regrades'], summary: 'A regrade with its progress: done / total / failed / ETA (staff)', params: IdParams } },
    async (request) => platform.getRegrade(actorOf(request), request.params.id),
  );
  app.get(
    '/api/regrades/:id/preview',
    { schema: { tags: ['regrades'], summary: 'A dry run’s changes per student and part, flipped tests, overrides and a summary (staff)', params: IdParams } },
    async (request) => platform.previewRegrade(actorOf(request), request.params.id),
  );
  app.get(
    '/api/regrades/:id/events',
    { schema: { tags: ['regrades'], summary: 'Server-sent events: `regrade` with its progress now and on every change, then `done` once it has ended', params: IdParams } },
    async (request, reply) => streamRegradeEvents(request, reply, platform, request.params.id),
  );
  for (const [action, run] of [
    ['apply', (a: Parameters<Platform['applyRegrade']>[0], id: string) => platform.applyRegrade(a, id)],
    ['discard', (a: Parameters<Platform['discardRegrade']>[0], id: string) => platform.discardRegrade(a, id)],
    ['cancel', (a: Parameters<Platform['cancelRegrade']>[0], id: string) => platform.cancelRegrade(a, id)],
  ] as const) {
    app.post(
      `/api/regrades/:id/${action}`,
      { schema: { tags: ['regrades'], summary: SUMMARIES[action], params: IdParams } },
      async (request) => run(actorOf(request), request.params.id),
    );
  }
}

const SUMMARIES = {
  apply: 'Make a finished dry run’s results official in one transaction (publishes its draft); instructors',
  discard: 'Drop a dry run’s shadow results',
  cancel: 'Cancel: unclaimed jobs leave the queue, running ones may finish',
} as const;

/**
 * Server-sent events for one regrade: `regrade` (the Regrade object) at once and whenever its
 * progress or state changes, then `done` once it is no longer running, and the stream ends.
 * Permission is checked (a 403/404 answered as JSON) before the stream starts.
 */
async function streamRegradeEvents(request: FastifyRequest, reply: FastifyReply, platform: Platform, regradeId: string): Promise<void> {
  const actor = actorOf(request);
  const first = await platform.getRegrade(actor, regradeId);
  reply.hijack();
  const raw = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });

  let closed = false;
  let last = '';
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    if (closed) return;
    closed = true;
    for (const timer of timers) clearInterval(timer);
    raw.end();
  };
  const send = (regrade: Regrade): void => {
    // The ETA moves every poll; a change of counts or state is news.
    const key = JSON.stringify([regrade.state, regrade.progress.done, regrade.progress.failed, regrade.progress.cancelled]);
    if (key !== last) {
      last = key;
      raw.write(`event: regrade\ndata: ${JSON.stringify(regrade)}\n\n`);
    }
    if (regrade.state !== 'running') {
      raw.write(`event: done\ndata: ${JSON.stringify({ regradeId: regrade.id, state: regrade.state })}\n\n`);
      finish();
    }
  };
  let polling = false;
  const poll = async (): Promise<void> => {
    if (closed || polling) return;
    polling = true;
    try {
      send(await platform.getRegrade(actor, regradeId));
    } catch (error) {
      request.log.warn({ err: error }, 'regrade event stream ended by an error');
      finish();
    } finally {
      polling = false;
    }
  };
  request.raw.on('close', finish);
  send(first);
  if (closed) return;
  timers.push(setInterval(() => void poll(), POLL_MS));
  timers.push(setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS));
}
