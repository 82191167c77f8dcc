import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { dockerArchiveStream } from '../../image/docker-archive-export.ts';
import type { ImageStore } from '../../image/image-store.ts';
import { receiveImageArchive } from '../../intake/receive-image-archive.ts';
import { InvalidInput, NotFound } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, CourseParams, ImageParams, NewGraderBody, PartParams, PublishBody } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

export interface GraderRouteDeps {
  platform: Platform;
  images: ImageStore;
  /** Largest image archive accepted, in bytes. */
  maxImageBytes: number;
}

const Sha256Header = Type.Object({ 'x-content-sha256': Type.Optional(Type.String()) });

/** Grader images, grader versions (drafts) and publishing. */
export function graderRoutes(app: TypedApp, { platform, images, maxImageBytes }: GraderRouteDeps): void {
  // Image archives are streamed to disk by the route, never buffered by a body parser.
  for (const type of ['application/x-tar', 'application/octet-stream']) {
    app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }

  app.post(
    '/api/courses/:course/images',
    {
      schema: {
        tags: ['graders'],
        summary: 'Upload a grader image (a docker save or OCI tar), digest checked',
        params: CourseParams,
        headers: Sha256Header,
        consumes: ['application/x-tar'],
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await platform.assertCanUpload(actor, request.params.course);
      const expected = request.headers['x-content-sha256'];
      if (expected === undefined || !/^[0-9a-f]{64}$/.test(expected)) {
        throw new InvalidInput('send the sha256 of the body (64 lower-case hex digits) in the X-Content-SHA256 header');
      }
      if (!isStream(request.body)) throw new InvalidInput('send the image as a raw body with Content-Type: application/x-tar');
      const received = await receiveImageArchive(request.body, expected, images, { maxBytes: maxImageBytes });
      await platform.recordImageUpload(actor, request.params.course, received.imageId);
      reply.status(201);
      return received;
    },
  );

  app.get(
    '/api/courses/:course/images/:imageId',
    { schema: { tags: ['graders'], summary: 'Download a grader image as a docker save tar (staff)', params: ImageParams } },
    async (request, reply) => {
      const { course, imageId } = request.params;
      await platform.assertCanReadImage(actorOf(request), course, imageId);
      const record = await images.get(imageId);
      if (record === undefined) throw new NotFound(`image ${imageId} is not in this server's image store`);
      return reply.type('application/x-tar').send(dockerArchiveStream(images.blobs, record));
    },
  );

  app.post(
    '/api/courses/:course/assignments/:assignment/parts/:part/graders',
    { schema: { tags: ['graders'], summary: 'Create a draft grader version for a part', params: PartParams, body: NewGraderBody } },
    async (request, reply) => {
      const { course, assignment, part } = request.params;
      const version = await platform.createDraft(actorOf(request), { courseId: course, assignmentId: assignment, partId: part, ...request.body });
      reply.status(201);
      return version;
    },
  );

  app.get(
    '/api/courses/:course/assignments/:assignment/parts/:part/graders',
    { schema: { tags: ['graders'], summary: "A part's grader versions, newest first (staff)", params: PartParams } },
    async (request) => {
      const { course, assignment, part } = request.params;
      return { versions: await platform.listGraderVersions(actorOf(request), course, assignment, part) };
    },
  );

  app.post(
    '/api/courses/:course/assignments/:assignment/autograde-graders',
    {
      schema: {
        tags: ['graders'],
        summary: "Create a draft of the assignment's autograde grader (a script grader, for `autograde: script`)",
        params: AssignmentParams,
        body: NewGraderBody,
      },
    },
    async (request, reply) => {
      const { course, assignment } = request.params;
      const version = await platform.createAutogradeDraft(actorOf(request), { courseId: course, assignmentId: assignment, ...request.body });
      reply.status(201);
      return version;
    },
  );

  app.get(
    '/api/courses/:course/assignments/:assignment/autograde-graders',
    { schema: { tags: ['graders'], summary: "The assignment's autograde grader versions, newest first (staff)", params: AssignmentParams } },
    async (request) => {
      const { course, assignment } = request.params;
      return { versions: await platform.listAutogradeGraders(actorOf(request), course, assignment) };
    },
  );

  app.post(
    '/api/courses/:course/assignments/:assignment/publish',
    {
      schema: {
        tags: ['graders'],
        summary: "Make an assignment's drafts live (instructors); refused (409) while golden submissions are not graded by the drafts, or get other results unless acceptChanges",
        params: AssignmentParams,
        body: Type.Optional(PublishBody),
      },
    },
    (request) => platform.publish(actorOf(request), request.params.course, request.params.assignment, { acceptChanges: request.body?.acceptChanges === true }),
  );
}

function isStream(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}
