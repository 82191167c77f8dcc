/** `/submissions/:id` and its live status stream `/submissions/:id/live` (server-sent HTML fragments for htmx). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound, TooManyRequests } from '../../../platform/errors.ts';
import type { Submission } from '../../../platform/model.ts';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { isSecure, WEB_ROUTE } from '../../web/web-session.ts';
import { SubmissionPage, SubmissionStatus } from './submission-page.tsx';
import type { BlobStore } from '../../../image/blob-store.ts';
import { submissionArchive } from '../../../intake/submission-archive.ts';
import { isStaffView } from '../../web/staff-nav.tsx';

/** Files shown inline: at most this many, each at most this big. */
const MAX_SHOWN_FILES = 50;
const MAX_SHOWN_BYTES = 128 * 1024;
const KEEPALIVE_MS = 15_000;
/**
 * Live streams one user may hold open (tabs, phones). The server's per-user request limit counts
 * API tokens' requests; pages count their long-lived streams here.
 */
export const MAX_LIVE_STREAMS_PER_USER = 8;
/** Re-read now and then: another server on the same database may have stored the result. */
const POLL_MS = 5_000;

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

/** An SSE event whose data is HTML: each line its own `data:` field. */
function sseEvent(name: string, html: string): string {
  return `event: ${name}\n${html.split(/\r?\n/).map((line) => `data: ${line}`).join('\n')}\n\n`;
}

export function submissionPage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const openStreams = new Map<string, number>();

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
    const open = openStreams.get(actor.login) ?? 0;
    if (open >= MAX_LIVE_STREAMS_PER_USER) {
      throw new TooManyRequests('too-many-requests', `you have ${open} live status pages open, the most this server allows; close some and refresh`, 30);
    }
    openStreams.set(actor.login, open + 1);
    reply.raw.once('close', () => {
      const left = (openStreams.get(actor.login) ?? 1) - 1;
      if (left <= 0) openStreams.delete(actor.login);
      else openStreams.set(actor.login, left);
    });
    reply.hijack();
    const raw = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });

    let closed = false;
    let lastSent = '';
    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = (): void => undefined;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const timer of timers) clearInterval(timer);
      raw.end();
    };
    const send = async (submission: Submission): Promise<void> => {
      // Where each part stands (queued with how many before it, preparing, running), through Platform's rule.
      const progress = submission.status === 'grading' ? await platform.getGradingProgress(actor, id) : [];
      const html = await (<SubmissionStatus submission={submission} progress={progress} />);
      if (closed) return;
      if (html !== lastSent) {
        lastSent = html;
        raw.write(sseEvent('status', html));
      }
      if (submission.status !== 'grading') {
        raw.write('event: done\ndata: done\n\n');
        finish();
      }
    };
    let reloading = false;
    let again = false;
    const reload = async (): Promise<void> => {
      if (closed) return;
      if (reloading) {
        again = true;
        return;
      }
      reloading = true;
      try {
        do {
          again = false;
          await send(await platform.getSubmission(actor, id));
        } while (again && !closed);
      } catch (error) {
        request.log.warn({ err: error }, 'live status stream ended by an error');
        finish();
      } finally {
        reloading = false;
      }
    };
    request.raw.on('close', finish);
    unsubscribe = deps.events.subscribe(id, () => void reload());
    timers.push(setInterval(() => void reload(), POLL_MS));
    timers.push(setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS));
    await send(first);
  });
}
