/**
 * The file upload of a form (a student's submission, a grader author's sample): several files, a
 * whole folder or one archive, as a plain multipart form that works without JavaScript; app.js
 * adds drag-and-drop and a progress bar to every `form[data-upload]`. `formFiles` hands the
 * form's files to the intake (src/intake/) in the shape it takes.
 */
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { IncomingPart } from '../../intake/receive-submission.ts';
import { InvalidInput } from '../../platform/errors.ts';

/** The upload inputs; `idPrefix` keeps ids unique when a page has several upload forms. */
export function UploadFields(props: { idPrefix?: string; label?: string }): JSX.Element {
  const id = (name: string): string => `${props.idPrefix ?? ''}${name}`;
  return (
    <>
      <div class="dropzone">
        <label for={id('files')} safe>{props.label ?? 'Files (choose several, or drop them here)'}</label>
        <input type="file" id={id('files')} name="file" multiple />
        <label for={id('folder')}>Or a whole folder</label>
        <input type="file" id={id('folder')} name="folder" webkitdirectory />
        <label for={id('archive')}>Or one archive (zip, tar, tar.gz)</label>
        <input type="file" id={id('archive')} name="archive" accept=".zip,.tar,.tgz,.tar.gz,application/zip,application/x-tar,application/gzip" />
        <p class="muted" data-chosen aria-live="polite"></p>
      </div>
      <progress class="hidden" value="0" max="1" aria-label="Upload progress"></progress>
    </>
  );
}

/**
 * The form's file parts for the intake; a file input left empty sends a part without a name,
 * skipped. Other fields go to `onField` (ignored without one), in the form's order: fields placed
 * before the file inputs arrive before any file is read.
 */
export async function* formFiles(
  parts: AsyncIterableIterator<MultipartFile | MultipartValue>,
  onField?: (name: string, value: string) => void,
): AsyncGenerator<IncomingPart> {
  for await (const part of parts) {
    if (part.type !== 'file') {
      onField?.(part.fieldname, String(part.value));
      continue;
    }
    if (part.filename === '') {
      part.file.resume();
      continue;
    }
    if (part.fieldname === 'folder') {
      // A chosen folder arrives as `folder/sub/file.py`: its files go to the submission's root, as
      // if they had been chosen one by one.
      const slash = part.filename.indexOf('/');
      yield { field: 'file', filename: slash > 0 ? part.filename.slice(slash + 1) : part.filename, stream: part.file };
      continue;
    }
    if (part.fieldname !== 'file' && part.fieldname !== 'archive') throw new InvalidInput(`unexpected file field "${part.fieldname}"`);
    yield { field: part.fieldname, filename: part.filename, stream: part.file };
  }
}
