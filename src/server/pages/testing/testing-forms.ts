/**
 * Reading the testing page's forms: multipart forms whose fields (part, version, cases…) are
 * checked before the first file of the sample is read, and the fields' meanings.
 */
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { receiveSubmission, type IncomingPart } from '../../../intake/receive-submission.ts';
import { Conflict, InvalidInput, NotFound } from '../../../platform/errors.ts';
import type { Actor, GraderVersion, SubmissionFile } from '../../../platform/model.ts';
import { formFiles } from '../../web/upload-form.tsx';
import type { WebDeps } from '../../web/web-context.ts';

export type Params = { course: string; assignment: string };
export type Fields = Map<string, string[]>;

/**
 * Reads a multipart form: fields (only `allowed` ones, each at most 100 times) and files
 * for the intake. `beforeFiles` runs once, before the first file is read, or at the end when the
 * form has none, so that a bad part or version is refused before anything is stored.
 */
export async function readMultipart(
  request: FastifyRequest,
  deps: WebDeps,
  allowed: readonly string[],
  beforeFiles: (fields: Fields) => Promise<void>,
  options: { filesOptional?: boolean } = {},
): Promise<{ fields: Fields; files: SubmissionFile[] }> {
  if (!request.isMultipart()) throw new InvalidInput('send the form as multipart/form-data (the page\'s form does)');
  const fields: Fields = new Map();
  const onField = (name: string, value: string): void => {
    if (!allowed.includes(name)) throw new InvalidInput(`unexpected form field "${name}": allowed are ${allowed.join(', ')}`);
    const values = fields.get(name) ?? [];
    if (values.length >= 100) throw new InvalidInput(`too many "${name}" fields`);
    fields.set(name, [...values, value]);
  };
  let checked = false;
  let fileCount = 0;
  let finished = false;
  async function* checkedFiles(parts: AsyncIterableIterator<MultipartFile | MultipartValue>): AsyncGenerator<IncomingPart> {
    for await (const part of formFiles(parts, onField)) {
      if (!checked) {
        checked = true;
        await beforeFiles(fields);
      }
      fileCount++;
      yield part;
    }
    if (!checked) {
      checked = true;
      await beforeFiles(fields);
    }
    finished = true;
  }
  try {
    return { fields, files: await receiveSubmission(checkedFiles(request.parts()), deps.blobs, deps.intakeLimits) };
  } catch (error) {
    // A form without files: the intake's "no files" refusal, after every field was read and checked.
    if (options.filesOptional === true && finished && fileCount === 0 && error instanceof InvalidInput) return { fields, files: [] };
    throw error;
  }
}

export const one = (fields: Fields, name: string): string | undefined => fields.get(name)?.[0];

/** The part's version the form names: `draft` (or nothing) for its newest draft, else a version id of that part. */
export async function chosenVersion(deps: WebDeps, actor: Actor, params: Params, fields: Fields): Promise<GraderVersion> {
  const partId = one(fields, 'part');
  if (partId === undefined || partId === '') throw new InvalidInput('choose a part', { field: 'part' });
  const versions = await deps.platform.listGraderVersions(actor, params.course, params.assignment, partId);
  const wanted = one(fields, 'version') ?? 'draft';
  if (wanted === 'draft' || wanted === '') {
    const draft = versions.find((v) => v.status === 'draft');
    if (!draft) throw new Conflict('no-draft', `part ${partId} has no draft to test: upload one on the Graders page, or choose a version`);
    return draft;
  }
  const version = versions.find((v) => v.id === wanted);
  if (!version) throw new NotFound(`part ${partId} has no grader version ${wanted}`);
  return version;
}

/** The form's made-up part results: empty for none (every part full points), else a JSON object by part id. */
export function parsePartResults(value: string): Record<string, unknown> | undefined {
  if (value.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidInput('made-up part results must be JSON, e.g. {"p1": {"points": 3}, "p2": {"fraction": 0.5}}', { field: 'partResults' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInput('made-up part results must be a JSON object by part id, e.g. {"p1": {"points": 3}}', { field: 'partResults' });
  }
  return parsed as Record<string, unknown>;
}
