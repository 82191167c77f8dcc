import { Readable } from 'node:stream';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { BlobStore } from '../../image/blob-store.ts';
import type { SubmissionIntakeLimits } from '../../intake/intake-limits.ts';
import { receiveSubmission, type IncomingPart } from '../../intake/receive-submission.ts';
import { submissionArchive } from '../../intake/submission-archive.ts';
import { InvalidInput } from '../../platform/errors.ts';
import type { NewSubmission, Platform } from '../../platform/platform.ts';
import type { SubmissionEvents } from '../../platform/submission-events.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, IdParams, SubmissionListQuery } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';
import { streamSubmissionEvents } from './submission-event-stream.ts';

export interface SubmissionRouteDeps {
  platform: Platform;
  events: SubmissionEvents;
  blobs: BlobStore;
  intakeLimits: SubmissionIntakeLimits;
}

/** Answers already written as JSON text by the platform. */
const JSON_TYPE = 'application/json; charset=utf-8';

/** Form fields a submission may carry beside its files. */
interface SubmissionFields {
  kind?: 'student' | 'author-test';
  useDrafts?: boolean;
  graderVersion?: string;
  parts: string[];
}

/** Submitting, listing and reading submissions, their files and their live status. */
export function submissionRoutes(app: TypedApp, deps: SubmissionRouteDeps): void {
  const { platform, blobs, intakeLimits } = deps;

  app.post(
    '/api/courses/:course/assignments/:assignment/submissions',
    {
      schema: {
        tags: ['submissions'],
        summary: 'Submit files (multipart: `file` fields or one `archive`); one grading job per part is queued',
        params: AssignmentParams,
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { course, assignment } = request.params;
      // Refuse strangers before a byte of their files is stored.
      await platform.assertCanSubmit(actor, course, assignment);
      if (!request.isMultipart()) throw new InvalidInput('send the files as multipart/form-data (`file` fields or one `archive` field)');
      const fields: SubmissionFields = { parts: [] };
      const files = await receiveSubmission(fileParts(request.parts(), fields), blobs, intakeLimits);
      const input: NewSubmission = { courseId: course, assignmentId: assignment, files, parts: fields.parts.length > 0 ? fields.parts : undefined };
      if (fields.kind !== undefined) input.kind = fields.kind;
      if (fields.useDrafts !== undefined) input.useDrafts = fields.useDrafts;
      if (fields.graderVersion !== undefined) input.graderVersionId = fields.graderVersion;
      const submission = await platform.submit(actor, input, fields.kind === 'author-test' ? 'author-test' : 'student');
      reply.status(201);
      return submission;
    },
  );

  app.get(
    '/api/courses/:course/assignments/:assignment/submission-check',
    {
      schema: {
        tags: ['submissions'],
        summary: 'Whether the caller may submit now: 204, or the refusal a submission would get (past the cutoff, completed, over a limit)',
        params: AssignmentParams,
      },
    },
    async (request, reply) => {
      await platform.assertCanSubmit(actorOf(request), request.params.course, request.params.assignment);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/courses/:course/assignments/:assignment/submissions',
    { schema: { tags: ['submissions'], summary: "Submissions (staff: all; students: their own)", params: AssignmentParams, querystring: SubmissionListQuery } },
    async (request, reply) => {
      const { course, assignment } = request.params;
      const filter = request.query.login === undefined ? {} : { login: request.query.login };
      // Rendered and sent part by part: a list of big results is never one giant string.
      const parts = await platform.listSubmissionsJson(actorOf(request), course, assignment, filter);
      return reply.type(JSON_TYPE).send(Readable.from(parts));
    },
  );

  app.get(
    '/api/submissions/:id',
    { schema: { tags: ['submissions'], summary: 'One submission with its results', params: IdParams } },
    async (request, reply) => reply.type(JSON_TYPE).send((await platform.getSubmissionJson(actorOf(request), request.params.id)).json),
  );

  app.get(
    '/api/submissions/:id/archive',
    { schema: { tags: ['submissions'], summary: "The submission's files as a tar", params: IdParams } },
    async (request, reply) => {
      const submission = await platform.getSubmissionForDownload(actorOf(request), request.params.id);
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="${submission.id}.tar"`)
        .send(submissionArchive(blobs, submission.files));
    },
  );

  app.get('/api/jobs/:id', { schema: { tags: ['submissions'], summary: 'A grading job with its phases and attempts (staff)', params: IdParams } }, (request) =>
    platform.getJob(actorOf(request), request.params.id),
  );

  app.get(
    '/api/submissions/:id/events',
    { schema: { tags: ['submissions'], summary: 'Server-sent events: the submission now and on every change, then `done`', params: IdParams } },
    async (request, reply) => streamSubmissionEvents(request, reply, { platform, events: deps.events, submissionId: request.params.id }),
  );
}

/** Hands the file parts to the intake and keeps the form fields for after it. */
async function* fileParts(parts: AsyncIterableIterator<MultipartFile | MultipartValue>, fields: SubmissionFields): AsyncGenerator<IncomingPart> {
  for await (const part of parts) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' && part.fieldname !== 'archive') {
        throw new InvalidInput(`unexpected file field "${part.fieldname}": use "file" (repeatable) or "archive"`);
      }
      yield { field: part.fieldname, filename: part.filename, stream: part.file };
      continue;
    }
    const value = String(part.value);
    switch (part.fieldname) {
      case 'kind':
        if (value !== 'student' && value !== 'author-test') throw new InvalidInput('field "kind" must be "student" or "author-test"');
        fields.kind = value;
        break;
      case 'useDrafts':
        if (value !== 'true' && value !== 'false') throw new InvalidInput('field "useDrafts" must be "true" or "false"');
        fields.useDrafts = value === 'true';
        break;
      case 'part':
        fields.parts.push(value);
        break;
      case 'graderVersion':
        fields.graderVersion = value;
        break;
      default:
        throw new InvalidInput(`unexpected form field "${part.fieldname}": allowed are file, archive, kind, useDrafts, part, graderVersion`);
    }
  }
}
