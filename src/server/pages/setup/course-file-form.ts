/**
 * The course file's two forms on the set-up page, read from multipart bodies with tight limits:
 * the upload (one file, `prune`) and the confirmation (the previewed file as base64 in a hidden
 * field, `prune`, and the preview's plan). Multipart so that the file travels past the pages' 64 KiB
 * form limit, and so that CSRF is checked from `?csrf=` before a byte of the body is read.
 */
import type { FastifyRequest } from 'fastify';
import { CourseFileError } from '../../../client/course-file-error.ts';
import { parseCourseFile } from '../../../client/course-file.ts';
import { InvalidInput, PlatformError, TooLarge } from '../../../platform/errors.ts';
import type { CourseFile } from '../../../platform/model.ts';

/** The API's JSON body limit (src/server/app.ts): a course file the CLI may send, the page accepts. */
export const MAX_COURSE_FILE_BYTES = 1024 * 1024;
const MAX_FIELD_BYTES = Math.ceil(MAX_COURSE_FILE_BYTES / 3) * 4 + 16;
/** The largest body of either form: the confirmation's base64 file and a few small fields. */
const MAX_BODY_BYTES = MAX_FIELD_BYTES + 64 * 1024;
const MAX_FILENAME = 200;
const tooLarge = (): TooLarge => new TooLarge(`the course file is larger than ${MAX_COURSE_FILE_BYTES / 1024} KiB; nothing was changed`);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface CourseFileForm {
  /** The file's name as sent (shown in its problems), or `course file`. */
  name: string;
  text: string;
  prune: boolean;
  /** The confirmation's plan (applyPreviewedCourseFile); undefined on the upload. */
  plan: string | undefined;
}

/** The limits' errors from @fastify/multipart, worded for the page. */
function limitError(error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT') return tooLarge();
  if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') return new InvalidInput('send one course file with the form; nothing was changed');
  return error as Error;
}

/** Reads the upload or the confirmation form; InvalidInput or TooLarge for anything else. */
export async function readCourseFileForm(request: FastifyRequest): Promise<CourseFileForm> {
  if (!request.isMultipart()) throw new InvalidInput('send the course file with the form (multipart/form-data)');
  // Refused before the body is read (the server then discards it), rather than cut off midway.
  if (Number(request.headers['content-length']) > MAX_BODY_BYTES) throw tooLarge();
  const form: CourseFileForm = { name: 'course file', text: '', prune: false, plan: undefined };
  let received = false;
  try {
    const parts = request.parts({ limits: { fileSize: MAX_COURSE_FILE_BYTES, files: 1, fields: 8, fieldSize: MAX_FIELD_BYTES, parts: 9 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw new InvalidInput(`unexpected file field "${part.fieldname}"`);
        const bytes = await part.toBuffer();
        if (part.filename !== '') form.name = part.filename.slice(0, MAX_FILENAME);
        form.text = bytes.toString('utf8');
        received = bytes.length > 0 || part.filename !== '';
        continue;
      }
      if (part.valueTruncated) throw tooLarge();
      const value = typeof part.value === 'string' ? part.value : '';
      if (part.fieldname === 'prune') form.prune = value === 'on' || value === 'true';
      else if (part.fieldname === 'plan') form.plan = value;
      else if (part.fieldname === 'name') form.name = value.slice(0, MAX_FILENAME) || form.name;
      else if (part.fieldname === 'content') {
        if (!BASE64.test(value)) throw new InvalidInput('content: the previewed file is damaged; upload it again');
        const bytes = Buffer.from(value, 'base64');
        if (bytes.length > MAX_COURSE_FILE_BYTES) throw tooLarge();
        form.text = bytes.toString('utf8');
        received = true;
      }
      // Other fields (`_csrf` sent by a form of the page besides the query) are ignored.
    }
  } catch (error) {
    throw limitError(error);
  }
  if (!received) throw new InvalidInput('choose a course file (YAML or JSON) to upload');
  return form;
}

/** The problems of a file that cannot be applied, each at its line, for the page. */
export class CourseFileProblems extends InvalidInput {
  readonly issues: CourseFileError['issues'];
  readonly file: string;
  constructor(error: CourseFileError) {
    super(`${error.file} has ${error.issues.length} ${error.issues.length === 1 ? 'problem' : 'problems'}; nothing was changed`);
    this.file = error.file;
    this.issues = error.issues;
  }
}

/**
 * Parses and checks the text with the CLI's own reader (`gradebox apply`: YAML or JSON, the
 * platform's checker, each problem at its line), and refuses a file for another course.
 */
export function checkCourseFileFor(courseId: string, form: CourseFileForm): CourseFile {
  if (form.text.trim() === '') throw new InvalidInput(`${form.name} is empty; see examples/course.yaml`);
  let file: CourseFile;
  try {
    file = parseCourseFile(form.text, form.name);
  } catch (error) {
    if (error instanceof CourseFileError) throw new CourseFileProblems(error);
    if (error instanceof PlatformError) throw error;
    // The YAML reader's own refusals (e.g. too many aliases: a "billion laughs" file).
    throw new InvalidInput(`${form.name} could not be read: ${(error as Error).message.split('\n')[0] ?? ''}; nothing was changed`);
  }
  if (file.course.id !== courseId) {
    throw new InvalidInput(`${form.name} is the course file of '${file.course.id}', not of '${courseId}'; nothing was changed: upload it on that course's set-up page`);
  }
  return file;
}
