/**
 * `/courses/:course/assignments/:assignment/graders` (staff): each part's grader versions, the
 * assignment's autograde grader, the upload of a grader image as a part's new draft, and publish.
 * Every read and check is the Platform's, through the methods the API's grader routes use
 * (src/server/api/graders.ts); the image goes through the same intake (receiveImageArchive).
 */
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { receiveImageArchive } from '../../../intake/receive-image-archive.ts';
import { Conflict, InvalidInput, NotFound } from '../../../platform/errors.ts';
import type { Actor, GoldenDraftCheck } from '../../../platform/model.ts';
import { staffPaths } from '../../web/staff-nav.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { addField, draftSettings, type DraftSettings } from './grader-form.ts';
import { GradersPage, PublishRefusedPage, type GradersNotice } from './graders-page.tsx';

interface AssignmentParams {
  course: string;
  assignment: string;
}

/** Form fields besides the image: a few short values. */
const MAX_FIELDS = 16;
const MAX_FIELD_BYTES = 16 * 1024;

export function graderPages(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const PATH = '/courses/:course/assignments/:assignment/graders';

  /** Course, assignment and every version; the Platform refuses non-staff (403) and unknown ids (404). */
  async function readView(actor: Actor, courseId: string, assignmentId: string) {
    const course = await platform.getCourse(actor, courseId);
    const assignment = await platform.getAssignment(actor, courseId, assignmentId);
    // Staff only, whatever the assignment has (also with no part at all).
    const autograde = await platform.listAutogradeGraders(actor, courseId, assignmentId);
    const parts = await Promise.all(assignment.parts.map(async (part) => ({ part, versions: await platform.listGraderVersions(actor, courseId, assignmentId, part.id) })));
    return { course, assignment, autograde, parts };
  }

  app.get(PATH, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment } = request.params as AssignmentParams;
    const view = await readView(actor, course, assignment);
    const page = (
      <GradersPage
        ctx={pageContext(request, deps.assets)}
        {...view}
        ranges={platform.limits}
        maxImageBytes={deps.maxImageBytes}
        notice={noticeOf(request, view.parts.flatMap((p) => p.versions))}
      />
    );
    return sendPage(reply, page);
  });

  // The image is the form's last field: the settings before it are checked first, so a bad value
  // is refused before a byte of the image is stored. The CSRF token is in `?csrf=`, checked by the
  // web plugin before the handler reads the body.
  app.post(`${PATH}/parts/:part/drafts`, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment, part } = request.params as AssignmentParams & { part: string };
    // Refuse before the body is read: no right to upload (403), no such assignment or part (404).
    await platform.assertCanUpload(actor, course);
    const found = await platform.getAssignment(actor, course, assignment);
    if (!found.parts.some((p) => p.id === part)) throw new NotFound(`no part ${course}/${assignment}/${part}`);
    if (!request.isMultipart()) throw new InvalidInput('send the image with the form (multipart/form-data)');

    const fields = new Map<string, string>();
    let settings: DraftSettings | undefined;
    let imageId: string | undefined;
    // fileSize one byte over the API's limit: the intake's own limit then answers, with its message.
    const parts = request.parts({ limits: { files: 1, fields: MAX_FIELDS, parts: MAX_FIELDS + 1, fieldSize: MAX_FIELD_BYTES, fileSize: deps.maxImageBytes + 1 } });
    for await (const entry of parts as AsyncIterableIterator<MultipartFile | MultipartValue>) {
      if (imageId !== undefined) {
        drain(entry);
        throw new InvalidInput('the image must be the last field of the form');
      }
      if (entry.type === 'field') {
        addField(fields, entry.fieldname, entry.value);
        continue;
      }
      if (entry.fieldname !== 'image') {
        drain(entry);
        throw new InvalidInput(`unexpected file field "${entry.fieldname.slice(0, 64)}"; the image goes in "image"`);
      }
      if (entry.filename === '') {
        drain(entry);
        throw new InvalidInput('choose the grader image: a docker save or OCI layout tar');
      }
      settings = draftSettings(fields, platform.limits);
      // No checksum from the browser, unlike the API (X-Content-SHA256): hashing gigabytes in a
      // page before sending them would take minutes and the whole file in memory on some
      // browsers. The size limit and the store's checks of the image are the same; TCP (and TLS
      // behind a proxy) guard the bytes on the way. The layers are read now, so a hostile or broken
      // image is refused here, with the reason, rather than at its first grading.
      const received = await receiveImageArchive(entry.file, null, deps.images, { maxBytes: deps.maxImageBytes });
      imageId = received.imageId;
    }
    if (imageId === undefined || settings === undefined) throw new InvalidInput('choose the grader image: a docker save or OCI layout tar');
    await platform.recordImageUpload(actor, course, imageId);
    const version = await platform.createDraft(actor, { courseId: course, assignmentId: assignment, partId: part, imageId, ...settings });
    return reply.redirect(`${staffPaths.graders(course, assignment)}?draft=${encodeURIComponent(version.id)}#part-${encodeURIComponent(part)}`, 303);
  });

  app.post(`${PATH}/publish`, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment } = request.params as AssignmentParams;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const accept = body.acceptChanges;
    if (accept !== undefined && accept !== 'yes') throw new InvalidInput('acceptChanges: must be "yes" or left out');
    try {
      const outcome = await platform.publish(actor, course, assignment, { acceptChanges: accept === 'yes' });
      const published = outcome.published.length + (outcome.autograde === null ? 0 : 1);
      const accepted = outcome.goldens?.accepted.length ?? 0;
      return reply.redirect(`${staffPaths.graders(course, assignment)}?published=${published}&accepted=${accepted}`, 303);
    } catch (error) {
      if (!(error instanceof Conflict) || (error.code !== 'golden-changed' && error.code !== 'goldens-not-graded')) throw error;
      const checks = ((error.details?.changes ?? error.details?.pending) as GoldenDraftCheck[] | undefined) ?? [];
      // As `gradebox publish` does: grade the goldens with the drafts now, so that publishing
      // again works once they are graded.
      const queued = error.code === 'goldens-not-graded' ? (await platform.runGoldens(actor, course, assignment)).runs.length : 0;
      const view = await readView(actor, course, assignment);
      const page = <PublishRefusedPage ctx={pageContext(request, deps.assets)} course={view.course} assignment={view.assignment} code={error.code} message={error.message} checks={checks} queued={queued} />;
      return sendPage(reply, page, 409);
    }
  });
}

/** The file part was refused before it was read: let busboy move on. */
function drain(entry: MultipartFile | MultipartValue): void {
  if (entry.type === 'file') entry.file.resume();
}

/** What the previous action did (post/redirect/get), from the query; anything unknown shows nothing. */
function noticeOf(request: FastifyRequest, versions: Array<{ id: string; partId: string; number: number }>): GradersNotice | null {
  const query = request.query as Record<string, unknown>;
  if (typeof query.draft === 'string') {
    const version = versions.find((v) => v.id === query.draft);
    return version === undefined ? null : { kind: 'draft', partId: version.partId, number: version.number };
  }
  if (typeof query.published === 'string' && /^[0-9]{1,4}$/.test(query.published)) {
    const accepted = typeof query.accepted === 'string' && /^[0-9]{1,6}$/.test(query.accepted) ? Number(query.accepted) : 0;
    return { kind: 'published', count: Number(query.published), accepted };
  }
  return null;
}
