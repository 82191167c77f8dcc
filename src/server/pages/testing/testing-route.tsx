/**
 * `staffPaths.graderTests(course, assignment)` (`…/assignments/:assignment/testing`) and its
 * sub-pages: test runs of a grader version on a sample, autograde script test runs, robustness
 * checks and golden submissions. Every read and every rule is Platform's (the same methods as
 * `gradebox test-grader`, `test-autograde`, `check-grader --remote` and `golden`); samples go
 * through the same intake as submissions.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sampleFromBlobs, serverCheckReport, startServerCheck } from '../../../grader-check/server-check.ts';
import type { NewAutogradeTest } from '../../../platform/autograde-tests.ts';
import { InvalidInput, NotFound } from '../../../platform/errors.ts';
import type { Actor, GraderVersion } from '../../../platform/model.ts';
import { LiveStreamCounter, streamLiveFragments } from '../../web/live-stream.ts';
import { staffPaths } from '../../web/staff-nav.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { GoldenTable } from './goldens.tsx';
import { AutogradeTestPage, AutogradeTestStatus, RobustnessPage, RobustnessStatus, RunPage, RunStatus } from './run-pages.tsx';
import { chosenVersion, one, parsePartResults, readMultipart, type Params } from './testing-forms.ts';
import { TestingPage } from './testing-page.tsx';

const BASE = '/courses/:course/assignments/:assignment/testing';
const ROUTE = { config: WEB_ROUTE, schema: { hide: true } } as const;
/** Golden copies and autograde test runs are not submissions this server hears of: polled. */
const POLL_MS = 2_000;

export function testingPage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const liveStreams = new LiveStreamCounter();

  async function frame(request: FastifyRequest): Promise<{ actor: Actor; params: Params; course: Awaited<ReturnType<typeof platform.getCourse>>; assignment: Awaited<ReturnType<typeof platform.getAssignment>> }> {
    const actor = pageActor(request);
    const params = request.params as Params;
    const [course, assignment] = await Promise.all([platform.getCourse(actor, params.course), platform.getAssignment(actor, params.course, params.assignment)]);
    return { actor, params, course, assignment };
  }

  app.get(BASE, ROUTE, async (request, reply) => {
    const { actor, params, course, assignment } = await frame(request);
    // Staff only (Platform's rule): students get a 403 page here.
    const goldens = await platform.listGoldens(actor, params.course, params.assignment);
    const [parts, checks, autogradeGraders] = await Promise.all([
      Promise.all(assignment.parts.map(async (part) => ({ part, versions: await platform.listGraderVersions(actor, course.id, assignment.id, part.id) }))),
      platform.listRobustnessChecks(actor, course.id, assignment.id),
      assignment.autograde === 'script' ? platform.listAutogradeGraders(actor, course.id, assignment.id) : Promise.resolve([]),
    ]);
    const ctx = pageContext(request, deps.assets);
    return sendPage(reply, <TestingPage ctx={ctx} course={course} assignment={assignment} parts={parts} autogradeGraders={autogradeGraders} goldens={goldens} checks={checks} />);
  });

  // ---- test runs ----

  app.post(`${BASE}/runs`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    let version: GraderVersion | undefined;
    const { files } = await readMultipart(request, deps, ['part', 'version'], async (fields) => {
      version = await chosenVersion(deps, actor, params, fields);
    });
    const tested = version!;
    const submission = await platform.submit(
      actor,
      { courseId: params.course, assignmentId: params.assignment, files, kind: 'author-test', parts: [tested.partId], graderVersionId: tested.id },
      'author-test',
    );
    return reply.redirect(`${staffPaths.graderTests(params.course, params.assignment)}/runs/${encodeURIComponent(submission.id)}`, 303);
  });

  /** The author-test submission of this assignment, through Platform; 404 for anything else. */
  async function testRun(actor: Actor, params: Params, id: string): Promise<Awaited<ReturnType<typeof platform.getSubmission>>> {
    const submission = await platform.getSubmission(actor, id);
    if (submission.courseId !== params.course || submission.assignmentId !== params.assignment || submission.kind !== 'author-test') {
      throw new NotFound(`no test run ${id} of ${params.course}/${params.assignment}`);
    }
    return submission;
  }

  app.get(`${BASE}/runs/:id`, ROUTE, async (request, reply) => {
    const { actor, params, course, assignment } = await frame(request);
    const { id } = request.params as { id: string };
    const submission = await testRun(actor, params, id);
    const part = submission.parts[0];
    const partId = part?.partId ?? '';
    const versions = part === undefined ? [] : await platform.listGraderVersions(actor, course.id, assignment.id, partId);
    const version = versions.find((v) => v.id === part?.job?.graderVersionId) ?? null;
    const progress = submission.status === 'grading' ? await platform.getGradingProgress(actor, id) : [];
    const ctx = pageContext(request, deps.assets);
    return sendPage(reply, <RunPage ctx={ctx} course={course} assignment={assignment} submission={submission} partId={partId} version={version} progress={progress} />);
  });

  app.get(`${BASE}/runs/:id/live`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    const { id } = request.params as { id: string };
    await testRun(actor, params, id);
    await streamLiveFragments(request, reply, {
      counter: liveStreams,
      login: actor.login,
      subscribe: (changed) => deps.events.subscribe(id, changed),
      render: async () => {
        const submission = await testRun(actor, params, id);
        const progress = submission.status === 'grading' ? await platform.getGradingProgress(actor, id) : [];
        const html = await (<RunStatus submission={submission} partId={submission.parts[0]?.partId ?? ''} progress={progress} />);
        return { html, done: submission.status !== 'grading' };
      },
    });
  });

  // ---- autograde script test runs ----

  app.post(`${BASE}/autograde-tests`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    // Refuses strangers and assignments with nothing to test before a byte of the sample is stored.
    await platform.assertCanTestAutograde(actor, params.course, params.assignment);
    let partResults: Record<string, unknown> | undefined;
    const { fields, files } = await readMultipart(request, deps, ['version', 'partResults'], async (f) => {
      partResults = parsePartResults(one(f, 'partResults') ?? '');
    });
    const input: NewAutogradeTest = { courseId: params.course, assignmentId: params.assignment, files };
    const version = one(fields, 'version');
    if (version !== undefined && version !== '') input.version = version;
    if (partResults !== undefined) input.partResults = partResults;
    const test = await platform.startAutogradeTest(actor, input);
    return reply.redirect(`${staffPaths.graderTests(params.course, params.assignment)}/autograde-tests/${encodeURIComponent(test.id)}`, 303);
  });

  async function autogradeTest(actor: Actor, params: Params, id: string): Promise<Awaited<ReturnType<typeof platform.getAutogradeTest>>> {
    const test = await platform.getAutogradeTest(actor, id);
    if (test.courseId !== params.course || test.assignmentId !== params.assignment) throw new NotFound(`no autograde test run ${id} of ${params.course}/${params.assignment}`);
    return test;
  }

  app.get(`${BASE}/autograde-tests/:id`, ROUTE, async (request, reply) => {
    const { actor, params, course, assignment } = await frame(request);
    const test = await autogradeTest(actor, params, (request.params as { id: string }).id);
    return sendPage(reply, <AutogradeTestPage ctx={pageContext(request, deps.assets)} course={course} assignment={assignment} test={test} />);
  });

  app.get(`${BASE}/autograde-tests/:id/live`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    const { id } = request.params as { id: string };
    await autogradeTest(actor, params, id);
    await streamLiveFragments(request, reply, {
      counter: liveStreams,
      login: actor.login,
      pollMs: POLL_MS,
      render: async () => {
        const test = await autogradeTest(actor, params, id);
        return { html: await (<AutogradeTestStatus test={test} />), done: test.status === 'graded' || test.status === 'error' };
      },
    });
  });

  // ---- robustness ----

  app.post(`${BASE}/robustness`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    let version: GraderVersion | undefined;
    const { fields, files } = await readMultipart(
      request,
      deps,
      ['part', 'version', 'cases'],
      async (f) => {
        if ((f.get('cases') ?? []).length === 0) throw new InvalidInput('choose at least one case', { field: 'cases' });
        version = await chosenVersion(deps, actor, params, f);
      },
      { filesOptional: true },
    );
    const tested = version!;
    const check = await startServerCheck(deps, actor, {
      courseId: params.course,
      assignmentId: params.assignment,
      partId: tested.partId,
      graderVersionId: tested.id,
      sample: await sampleFromBlobs(deps.blobs, files),
      cases: fields.get('cases') ?? [],
    });
    return reply.redirect(`${staffPaths.graderTests(params.course, params.assignment)}/robustness/${encodeURIComponent(check.id)}`, 303);
  });

  async function report(actor: Actor, params: Params, id: string): Promise<Awaited<ReturnType<typeof serverCheckReport>>> {
    const found = await serverCheckReport(platform, actor, id);
    if (found.check.courseId !== params.course || found.check.assignmentId !== params.assignment) throw new NotFound(`no robustness check ${id} of ${params.course}/${params.assignment}`);
    return found;
  }

  app.get(`${BASE}/robustness/:id`, ROUTE, async (request, reply) => {
    const { actor, params, course, assignment } = await frame(request);
    const found = await report(actor, params, (request.params as { id: string }).id);
    const versions = await platform.listGraderVersions(actor, course.id, assignment.id, found.check.partId);
    const version = versions.find((v) => v.id === found.check.graderVersionId) ?? null;
    return sendPage(reply, <RobustnessPage ctx={pageContext(request, deps.assets)} course={course} assignment={assignment} report={found} version={version} />);
  });

  app.get(`${BASE}/robustness/:id/live`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    const { id } = request.params as { id: string };
    const first = await report(actor, params, id);
    const base = staffPaths.graderTests(params.course, params.assignment);
    await streamLiveFragments(request, reply, {
      counter: liveStreams,
      login: actor.login,
      pollMs: POLL_MS,
      subscribe: (changed) => {
        const stops = first.check.cases.flatMap((c) => (c.submissionId === null ? [] : [deps.events.subscribe(c.submissionId, changed)]));
        return () => stops.forEach((stop) => stop());
      },
      render: async () => {
        const now = await report(actor, params, id);
        return { html: await (<RobustnessStatus report={now} base={base} />), done: now.done };
      },
    });
  });

  // ---- goldens ----

  const toGoldens = (params: Params): string => `${staffPaths.graderTests(params.course, params.assignment)}#goldens`;

  app.post(`${BASE}/goldens`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const submission = typeof body.submission === 'string' ? body.submission.trim() : '';
    if (submission === '') throw new InvalidInput('give the id of the submission to pin (sub_…)', { field: 'submission' });
    const label = typeof body.label === 'string' && body.label.trim() !== '' ? body.label.trim() : undefined;
    await platform.pinGolden(actor, { courseId: params.course, assignmentId: params.assignment, submissionId: submission, ...(label !== undefined ? { label } : {}) });
    return reply.redirect(toGoldens(params), 303);
  });

  app.post(`${BASE}/goldens/:golden/unpin`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params & { golden: string };
    await platform.unpinGolden(actor, params.course, params.assignment, params.golden);
    return reply.redirect(toGoldens(params), 303);
  });

  app.post(`${BASE}/golden-runs`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    await platform.runGoldens(actor, params.course, params.assignment);
    return reply.redirect(toGoldens(params), 303);
  });

  app.get(`${BASE}/goldens/live`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const params = request.params as Params;
    await platform.listGoldens(actor, params.course, params.assignment);
    const base = staffPaths.graderTests(params.course, params.assignment);
    const csrf = request.webSession?.csrfToken ?? '';
    await streamLiveFragments(request, reply, {
      counter: liveStreams,
      login: actor.login,
      pollMs: POLL_MS,
      render: async () => {
        const goldens = await platform.listGoldens(actor, params.course, params.assignment);
        const html = await (<GoldenTable base={base} csrf={csrf} goldens={goldens} />);
        return { html, done: !goldens.some((g) => g.drafts.some((d) => d.state === 'grading')) };
      },
    });
  });
}
