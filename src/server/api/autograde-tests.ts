import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { BlobStore } from '../../image/blob-store.ts';
import type { SubmissionIntakeLimits } from '../../intake/intake-limits.ts';
import { receiveSubmission, type IncomingPart } from '../../intake/receive-submission.ts';
import { InvalidInput } from '../../platform/errors.ts';
import type { NewAutogradeTest } from '../../platform/autograde-tests.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, IdParams } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

export interface AutogradeTestRouteDeps {
  platform: Platform;
  blobs: BlobStore;
  intakeLimits: SubmissionIntakeLimits;
}

/** Form fields a test run carries beside the sample's files. */
interface TestFields {
  version?: string;
  partResults?: Record<string, unknown>;
}

/** Test runs of an assignment's autograde grader on a sample with simulated part results (Codio's "Test Autograde Script"). */
export function autogradeTestRoutes(app: TypedApp, deps: AutogradeTestRouteDeps): void {
  const { platform, blobs, intakeLimits } = deps;

  app.post(
    '/api/courses/:course/assignments/:assignment/autograde-tests',
    {
      schema: {
        tags: ['graders'],
        summary:
          'Staff (author): run an autograde grader version (default: the newest draft; field `version`: id or number) on a sample (multipart: `file` fields or one `archive`) ' +
          'with simulated part results (field `partResults`: JSON by part id; parts left out get full points)',
        params: AssignmentParams,
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { course, assignment } = request.params;
      // Refuse strangers and assignments with nothing to test before a byte of the sample is stored.
      await platform.assertCanTestAutograde(actor, course, assignment);
      if (!request.isMultipart()) throw new InvalidInput('send the sample as multipart/form-data (`file` fields or one `archive` field)');
      const fields: TestFields = {};
      const files = await receiveSubmission(fileParts(request.parts(), fields), blobs, intakeLimits);
      const input: NewAutogradeTest = { courseId: course, assignmentId: assignment, files };
      if (fields.version !== undefined) input.version = fields.version;
      if (fields.partResults !== undefined) input.partResults = fields.partResults;
      const test = await platform.startAutogradeTest(actor, input);
      reply.status(201);
      return test;
    },
  );

  app.get(
    '/api/courses/:course/assignments/:assignment/autograde-test-check',
    {
      schema: {
        tags: ['graders'],
        summary: 'Whether the caller may start an autograde test run of the assignment: 204, or the refusal a run would get (before any file is sent)',
        params: AssignmentParams,
      },
    },
    async (request, reply) => {
      await platform.assertCanTestAutograde(actorOf(request), request.params.course, request.params.assignment);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/autograde-tests/:id',
    { schema: { tags: ['graders'], summary: "An autograde test run (staff): its status, the grade the script reported or why none, feedback, stdout and stderr", params: IdParams } },
    (request) => platform.getAutogradeTest(actorOf(request), request.params.id),
  );
}

/** Hands the file parts to the intake and keeps the form fields for after it. */
async function* fileParts(parts: AsyncIterableIterator<MultipartFile | MultipartValue>, fields: TestFields): AsyncGenerator<IncomingPart> {
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
      case 'version':
        fields.version = value;
        break;
      case 'partResults': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          throw new InvalidInput('field "partResults" must be JSON, e.g. {"p1": {"points": 3}, "p2": {"fraction": 0.5}}', { field: 'partResults' });
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new InvalidInput('field "partResults" must be a JSON object by part id, e.g. {"p1": {"points": 3}}', { field: 'partResults' });
        }
        fields.partResults = parsed as Record<string, unknown>;
        break;
      }
      default:
        throw new InvalidInput(`unexpected form field "${part.fieldname}": allowed are file, archive, version, partResults`);
    }
  }
}
