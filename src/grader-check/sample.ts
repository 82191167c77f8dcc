import { mkdir, readdir, stat } from 'node:fs/promises';
import { SubmissionPathError } from '../toolkit/submission-path-error.ts';
import { readSample, type CaseFile } from './hostile-cases.ts';

/** The sample's files; a missing sample, or one that is not a folder, is the caller's mistake. */
export async function sampleFiles(dir: string): Promise<CaseFile[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new SubmissionPathError(`sample submission ${dir} does not exist`);
  if (!info.isDirectory()) throw new SubmissionPathError(`sample submission ${dir} is not a folder (pass the folder holding a good submission's files)`);
  const files = await readSample(dir);
  if (files.length === 0) throw new SubmissionPathError(`sample submission ${dir} holds no files`);
  return files;
}

/** The folder `--save-cases` writes into: created when missing; one holding anything already is refused, so cases never mix with other files. */
export async function prepareSaveDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new SubmissionPathError(`--save-cases ${dir} cannot be used: ${error.code === 'ENOTDIR' ? 'it is not a folder' : (error.code ?? error.message)}`);
  });
  if (entries.length > 0) throw new SubmissionPathError(`--save-cases ${dir} is not empty; give a new or empty folder`);
  await mkdir(dir, { recursive: true });
}
