/** `/submissions/:id` and its live status stream `/submissions/:id/live` (server-sent HTML fragments for htmx). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../../../platform/errors.ts';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { LiveStreamCounter, streamLiveFragments } from '../../web/live-stream.ts';
import { isSecure, WEB_ROUTE } from '../../web/web-session.ts';
import { SubmissionPage, SubmissionStatus } from './submission-page.tsx';
import { StaffJobs } from './submission-staff.tsx';
import type { BlobStore } from '../../../image/blob-store.ts';
import { submissionArchive } from '../../../intake/submission-archive.ts';
import { isStaffView } from '../../web/staff-nav.tsx';

/** Files shown inline: at most this many, each at most this big. */
const MAX_SHOWN_FILES = 50;
const MAX_SHOWN_BYTES = 128 * 1024;

async function readText(blobs: BlobStore, digest: string): Promise<string | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.open(digest)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (bytes.includes(0)) return null;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text.includes('\uFFFD') ? null : text;
}

/**
 * The address the page was reached at, for the `grade remote` command: https behind a proxy that
 * terminates TLS when the server is told so (GRADEBOX_SECURE_COOKIES), as its cookies are.
 */
function serverOrigin(request: FastifyRequest, deps: WebDeps): string | null {
  // The command is pasted into a shell: a Host header that is no plain host[:port] is left out.
  if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(request.host)) return null;
  return `${isSecure(request, deps.options) ? 'https' : 'http'}://${request.host}`;
}

export function submissionPage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const liveStreams = new LiveStreamCounter();

  app.get('/submissions/:id', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { id } = request.params as { id: string };
    const submission = await platform.getSubmission(actor, id);
    const [course, assignment] = await Promise.all([
      platform.getCourse(actor, submission.courseId),
      platform.getAssignment(actor, submission.courseId, submission.assignmentId),
    ]);
    const sources = await Promise.all(
      submission.files.slice(0, MAX_SHOWN_FILES).map(async (file) => ({
        path: file.path,
        size: file.size,
        content: file.size <= MAX_SHOWN_BYTES ? await readText(deps.blobs, file.digest) : null,
      })),
    );
    const progress = submission.status === 'grading' ? await platform.getGradingProgress(actor, id) : [];
    // Staff of the course also see every job and its whole result (Platform's staff-only read).
    const staff = isStaffView(course, actor.isAdmin) ? { jobs: await platform.listSubmissionJobs(actor, id), origin: serverOrigin(request, deps) } : undefined;
    const page = (
      <SubmissionPage ctx={pageContext(request, deps.assets)} submission={submission} progress={progress} courseTitle={course.title} assignmentTitle={assignment.title} sources={sources} staff={staff} />
    );
    return sendPage(reply, page);
  });

  // The submission's files as a tar: `GET /api/submissions/:id/archive` with a session (its student, or staff).
  app.get('/submissions/:id/archive', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const submission = await platform.getSubmissionForDownload(pageActor(request), id);
    return reply
      .type('application/x-tar')
      .header('content-disposition', `attachment; filename="${submission.id}.tar"`)
      .send(submissionArchive(deps.blobs, submission.files));
  });

  // A job's whole stdout or stderr as text, for staff (the page shows the beginning of long output).
  app.get('/submissions/:id/jobs/:job/:stream', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const { id, job: jobId, stream } = request.params as { id: string; job: string; stream: string };
    if (stream !== 'stdout' && stream !== 'stderr') throw new NotFound(`no page /submissions/${id}/jobs/${jobId}/${stream}: ask for stdout or stderr`);
    const { jobs } = await platform.listSubmissionJobs(pageActor(request), id);
    const job = jobs.find((j) => j.id === jobId);
    if (job === undefined) throw new NotFound(`submission ${id} has no job '${jobId}'`);
    if (job.result?.output == null) throw new NotFound(`job ${jobId} has no stored output yet`);
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="${job.id}-${stream}.txt"`)
      .send(job.result.output[stream]);
  });

  app.get('/submissions/:id/live', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { id } = request.params as { id: string };
    // Permission is checked (and refused as a page) before the stream starts.
    const first = await platform.getSubmission(actor, id);
    // The course's staff get the jobs too, replaced beside the status (StaffJobs).
    const staff = isStaffView(await platform.getCourse(actor, first.courseId), actor.isAdmin) ? { origin: serverOrigin(request, deps) } : undefined;
    await streamLiveFragments(request, reply, {
      counter: liveStreams,
      login: actor.login,
      subscribe: (changed) => deps.events.subscribe(id, changed),
      render: async () => {
        const submission = await platform.getSubmission(actor, id);
        // Where each part stands (queued with how many before it, preparing, running), through Platform's rule.
        const progress = submission.status === 'grading' ? await platform.getGradingProgress(actor, id) : [];
        const status = await (<SubmissionStatus submission={submission} progress={progress} />);
        const jobs = staff === undefined ? '' : await (<StaffJobs submission={submission} jobs={await platform.listSubmissionJobs(actor, id)} origin={staff.origin} swapOutOfBand />);
        return { html: status + jobs, done: submission.status !== 'grading' };
      },
    });
  });
}
