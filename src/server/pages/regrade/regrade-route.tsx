/**
 * `staffPaths.regrade(course, assignment)`: start a regrade, follow it live, preview a dry run,
 * apply or discard it, and the assignment's past regrades. Everything goes through the same
 * Platform methods as the API's routes (src/server/api/regrades.ts), and the live progress through
 * the same stream (src/server/regrade-stream.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInput, NotFound } from '../../../platform/errors.ts';
import type { Actor } from '../../../platform/model.ts';
import type { Platform } from '../../../platform/platform.ts';
import type { Regrade } from '../../../platform/regrade-model.ts';
import { sseEvent, streamRegrade } from '../../regrade-stream.ts';
import { LiveStreamCounter } from '../../web/live-stream.ts';
import { staffPaths } from '../../web/staff-nav.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { regradeRequestOf, type RegradeForm } from './regrade-form.ts';
import { isOpen, RegradePage, RegradeProgress, type VersionChoice } from './regrade-page.tsx';

const PATH = '/courses/:course/assignments/:assignment/regrade';

interface Params {
  course: string;
  assignment: string;
}

/** The regrade, when it belongs to the assignment of the path (any other: 404, as an unknown one). */
async function regradeOfPath(platform: Platform, actor: Actor, params: Params & { regrade: string }): Promise<Regrade> {
  const regrade = await platform.getRegrade(actor, params.regrade);
  if (regrade.courseId !== params.course || regrade.assignmentId !== params.assignment) {
    throw new NotFound(`no regrade '${params.regrade}' of ${params.course}/${params.assignment}`);
  }
  return regrade;
}

/** The version numbers of the assignment's parts, for the form's grader choice. */
async function versionChoices(platform: Platform, actor: Actor, courseId: string, assignmentId: string, parts: readonly string[]): Promise<VersionChoice[]> {
  const byNumber = new Map<number, string[]>();
  for (const part of parts) {
    for (const version of await platform.listGraderVersions(actor, courseId, assignmentId, part)) {
      byNumber.set(version.number, [...(byNumber.get(version.number) ?? []), part]);
    }
  }
  return [...byNumber].sort(([a], [b]) => a - b).map(([number, withIt]) => ({ number, parts: withIt }));
}

function doneParam(request: FastifyRequest): string | undefined {
  const done = (request.query as { done?: unknown }).done;
  return typeof done === 'string' ? done : undefined;
}

export function regradePage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const liveStreams = new LiveStreamCounter();

  app.get(PATH, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId, assignment: assignmentId } = request.params as Params;
    const course = await platform.getCourse(actor, courseId);
    const assignment = await platform.getAssignment(actor, courseId, assignmentId);
    // Staff only (Platform's rule): a student gets its 403 here.
    const regrades = await platform.listRegrades(actor, courseId, assignmentId);
    const open = regrades.find(isOpen) ?? null;
    const finishedDryRun = open !== null && open.dryRun && open.state === 'finished';
    const preview = finishedDryRun ? await platform.previewRegrade(actor, open.id) : null;
    const applyRefusal = finishedDryRun ? await platform.regradeApplyRefusal(actor, open.id) : null;
    const versions = open === null ? await versionChoices(platform, actor, courseId, assignmentId, assignment.parts.map((p) => p.id)) : [];
    const done = doneParam(request);
    const ctx = pageContext(request, deps.assets);
    const page = (
      <RegradePage
        ctx={{ ...ctx, csrfToken: ctx.csrfToken ?? '' }}
        course={course}
        assignment={assignment}
        regrades={regrades}
        open={open}
        preview={preview}
        applyRefusal={applyRefusal}
        versions={versions}
        notice={regrades.find((r) => r.id === done) ?? null}
      />
    );
    return sendPage(reply, page);
  });

  app.post(PATH, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId, assignment: assignmentId } = request.params as Params;
    const assignment = await platform.getAssignment(actor, courseId, assignmentId);
    const form = (request.body ?? {}) as RegradeForm;
    const wanted = regradeRequestOf(form, assignment.parts.map((p) => p.id));
    try {
      await platform.startRegrade(actor, courseId, assignmentId, wanted);
    } catch (error) {
      // The course and assignment were just read: what is not found is a student, part or version the form named.
      if (error instanceof NotFound) throw new InvalidInput(error.message);
      throw error;
    }
    return reply.redirect(staffPaths.regrade(courseId, assignmentId), 303);
  });

  app.get(`${PATH}/:regrade/live`, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    // Permission and path are checked (and refused as a page) before the stream starts.
    const first = await regradeOfPath(platform, actor, request.params as Params & { regrade: string });
    const release = liveStreams.acquire(actor.login);
    await streamRegrade(request, reply, {
      platform,
      actor,
      first,
      onClose: release,
      update: async (regrade) => sseEvent('progress', await (<RegradeProgress regrade={regrade} />)),
      done: () => 'event: done\ndata: done\n\n',
    });
  });

  const actions = {
    apply: (actor: Actor, id: string) => platform.applyRegrade(actor, id),
    discard: (actor: Actor, id: string) => platform.discardRegrade(actor, id),
    cancel: (actor: Actor, id: string) => platform.cancelRegrade(actor, id),
  } as const;
  for (const [action, run] of Object.entries(actions)) {
    app.post(`${PATH}/:regrade/${action}`, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
      const actor = pageActor(request);
      const params = request.params as Params & { regrade: string };
      const regrade = await regradeOfPath(platform, actor, params);
      await run(actor, regrade.id);
      return reply.redirect(`${staffPaths.regrade(params.course, params.assignment)}?done=${encodeURIComponent(regrade.id)}`, 303);
    });
  }
}
