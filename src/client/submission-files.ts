/**
 * What `gradebox submit PATH...` sends: the files named, and the files under the folders named
 * (their paths relative to the folder kept), or a single archive sent as it is. Files go into the
 * multipart form as file-backed Blobs, so nothing is read into memory before it is sent.
 */
import { openAsBlob } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface LocalFile {
  /** Path inside the submission, `/`-separated. */
  name: string;
  /** Where it is on this machine. */
  file: string;
  size: number;
}

export type SubmissionContent = { kind: 'files'; files: LocalFile[] } | { kind: 'archive'; file: string; size: number };

/** A PATH that cannot be submitted (missing, empty, a clash of names): a usage error in the CLI. */
export class SubmissionInputError extends Error {
  override name = 'SubmissionInputError';
}

const ARCHIVE = /\.(zip|tar|tar\.gz|tgz)$/i;

/**
 * Gathers what to send. A single `.zip`, `.tar`, `.tar.gz` or `.tgz` file is sent as an archive
 * (the server unpacks it). Otherwise a file is sent under its own name, a folder's files under
 * their paths inside the folder (`submit c a ./work` sends `work/src/x.py` as `src/x.py`).
 * Symbolic links to files are followed; links to folders, and special files, are refused.
 */
export async function collectSubmission(paths: readonly string[]): Promise<SubmissionContent> {
  if (paths.length === 0) throw new SubmissionInputError('name at least one file or folder to submit');
  const [only] = paths;
  if (paths.length === 1 && only !== undefined && ARCHIVE.test(only)) {
    const info = await stat(only).catch(() => undefined);
    if (info?.isFile()) return { kind: 'archive', file: only, size: info.size };
  }
  const files: LocalFile[] = [];
  const from = new Map<string, string>();
  const add = (name: string, file: string, size: number): void => {
    const earlier = from.get(name);
    if (earlier !== undefined) throw new SubmissionInputError(`two files would both be "${name}" in the submission: ${earlier} and ${file}`);
    from.set(name, file);
    files.push({ name, file, size });
  };
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (info === undefined) throw new SubmissionInputError(`${given}: no such file or folder`);
    if (info.isFile()) add(path.basename(given), given, info.size);
    else if (info.isDirectory()) await walk(given, given, add);
    else throw new SubmissionInputError(`${given} is neither a file nor a folder`);
  }
  if (files.length === 0) throw new SubmissionInputError(`nothing to submit: ${paths.join(', ')} ${paths.length === 1 ? 'holds' : 'hold'} no files`);
  return { kind: 'files', files: files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

async function walk(root: string, dir: string, add: (name: string, file: string, size: number) => void): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    const name = path.relative(root, file).split(path.sep).join('/');
    if (entry.isDirectory()) {
      await walk(root, file, add);
      continue;
    }
    const info = entry.isSymbolicLink() ? await stat(file).catch(() => undefined) : await lstat(file);
    if (info?.isFile()) add(name, file, info.size);
    else if (entry.isSymbolicLink()) throw new SubmissionInputError(`${file} is a symbolic link to ${info ? 'a folder' : 'nothing'}; only links to files are followed`);
    else throw new SubmissionInputError(`${file} is not a regular file (a socket, FIFO or device); remove it or submit the files one by one`);
  }
}

export interface SubmitFields {
  kind?: 'student' | 'author-test';
  useDrafts?: boolean;
  parts?: readonly string[];
  /** Author tests of one part: the grader version (id) to grade with. */
  graderVersion?: string;
}

/** The multipart body of `POST …/submissions` (docs/api.md): fields first, then the files. */
export async function submissionForm(content: SubmissionContent, fields: SubmitFields = {}): Promise<FormData> {
  const form = new FormData();
  if (fields.kind !== undefined) form.append('kind', fields.kind);
  if (fields.useDrafts !== undefined) form.append('useDrafts', String(fields.useDrafts));
  for (const part of fields.parts ?? []) form.append('part', part);
  if (fields.graderVersion !== undefined) form.append('graderVersion', fields.graderVersion);
  if (content.kind === 'archive') {
    form.append('archive', await openAsBlob(content.file), path.basename(content.file));
  } else {
    for (const file of content.files) form.append('file', await openAsBlob(file.file), file.name);
  }
  return form;
}
