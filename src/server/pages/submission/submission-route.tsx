/** `/submissions/:id` and its live status stream `/submissions/:id/live` (server-sent HTML fragments for htmx). */
import type { FastifyInstance } from 'fastify';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { LiveStreamCounter, streamLiveFragments } from '../../web/live-stream.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { SubmissionPage, SubmissionStatus } from './submission-page.tsx';
import type { BlobStore } from '../../../image/blob-store.ts';

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
    const page = <SubmissionPage ctx={pageContext(request, deps.assets)} submission={submission} progress={progress} courseTitle={course.title} assignmentTitle={assignment.title} sources={sources} />;
    return sendPage(reply, page);
  });

  app.get('/submissions/:id/live', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { id } = request.params as { id: string };
    // Permission is checked (and refused as a page) before the stream starts.
    await platform.getSubmission(actor, id);
    await streamLiveFragments(request, reply, {
      counter: liveStreams,
      login: actor.login,
      subscribe: (changed) => deps.events.subscribe(id, changed),
      render: async () => {
        const submission = await platform.getSubmission(actor, id);
        // Where each part stands (queued with how many before it, preparing, running), through Platform's rule.
        const progress = submission.status === 'grading' ? await platform.getGradingProgress(actor, id) : [];
        return { html: await (<SubmissionStatus submission={submission} progress={progress} />), done: submission.status !== 'grading' };
      },
    });
  });
}
