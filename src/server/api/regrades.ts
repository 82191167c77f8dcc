import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Platform } from '../../platform/platform.ts';
import type { Regrade } from '../../platform/regrade-model.ts';
import { actorOf } from '../auth.ts';
import { streamRegrade } from '../regrade-stream.ts';
import { AssignmentParams, IdParams, RegradeBody } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

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
  await streamRegrade(request, reply, {
    platform,
    actor,
    first,
    update: (regrade: Regrade) => `event: regrade\ndata: ${JSON.stringify(regrade)}\n\n`,
    done: (regrade: Regrade) => `event: done\ndata: ${JSON.stringify({ regradeId: regrade.id, state: regrade.state })}\n\n`,
  });
}
