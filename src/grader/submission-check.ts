import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListedTree } from '../sandbox/sandbox.ts';
import { parentFolders } from '../util/parent-folders.ts';
import { formatBytes } from './interpret-run.ts';

/** Caps on what a submission may hold; past them it is `not-gradable` and no run starts. */
export interface SubmissionLimits {
  /** Files, folders and links, counted together. */
  maxEntries: number;
  /** Total size of the regular files. */
  maxBytes: number;
  /** Folder nesting below the submission folder. */
  maxDepth: number;
}

export const DEFAULT_SUBMISSION_LIMITS: Readonly<SubmissionLimits> = Object.freeze({
  maxEntries: 10_000,
  maxBytes: 100 * 1024 * 1024,
  maxDepth: 32,
});

export type SubmissionCheck =
  | { ok: true; entries: number; bytes: number; topLevelFiles: string[] }
  /** `problem` is written for the student: it names paths inside the submission, never host paths. */
  | { ok: false; problem: string };

/**
 * Checks a submission folder before any run: it must be a real folder (not a symbolic link to one),
 * within the caps, and hold only regular files, folders and symbolic links (links are kept as links
 * and never followed, here or by the sandbox). Odd names (spaces, newlines, leading dashes) are fine.
 */
export async function checkSubmission(dir: string, overrides: Partial<SubmissionLimits> = {}): Promise<SubmissionCheck> {
  const limits = { ...DEFAULT_SUBMISSION_LIMITS, ...overrides };
  let root;
  try {
    root = await lstat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail('the submission folder does not exist');
    return fail(`the submission folder cannot be read (${code ?? String(error)})`);
  }
  if (root.isSymbolicLink()) return fail('the submission folder is a symbolic link; give the folder itself');
  if (!root.isDirectory()) return fail(`the submission is ${kind(root)}, not a folder`);

  let entries = 0;
  let bytes = 0;
  const topLevelFiles: string[] = [];
  const folders: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let children;
    try {
      children = await readdir(join(dir, folder.rel), { withFileTypes: true });
    } catch (error) {
      return fail(`the folder ${show(folder.rel || '.')} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    for (const child of children) {
      const rel = folder.rel === '' ? child.name : `${folder.rel}/${child.name}`;
      if (++entries > limits.maxEntries) return fail(`it has more than ${limits.maxEntries} files and folders`);
      if (child.isDirectory()) {
        if (folder.depth + 1 > limits.maxDepth) return fail(`its folders are nested more than ${limits.maxDepth} levels deep (at ${show(rel)})`);
        folders.push({ rel, depth: folder.depth + 1 });
      } else if (child.isFile()) {
        bytes += (await lstat(join(dir, rel))).size;
        if (bytes > limits.maxBytes) return fail(`its files add up to more than ${formatBytes(limits.maxBytes)}`);
        if (folder.rel === '') topLevelFiles.push(child.name);
      } else if (!child.isSymbolicLink()) {
        return fail(`${show(rel)} is ${kind(child)}; only files, folders and symbolic links can be submitted`);
      }
    }
  }
  return { ok: true, entries, bytes, topLevelFiles: topLevelFiles.sort() };
}

/**
 * The same checks for a submission given as listed files (the service's, from its blob store):
 * entries count the files and the folders their paths need; the recorded sizes are summed.
 * The listing's paths themselves are checked where the files are copied (see listTree).
 */
export function checkListedSubmission(tree: ListedTree, overrides: Partial<SubmissionLimits> = {}): SubmissionCheck {
  const limits = { ...DEFAULT_SUBMISSION_LIMITS, ...overrides };
  const folders = new Set<string>();
  let bytes = 0;
  const topLevelFiles: string[] = [];
  for (const file of tree.files) {
    const parents = parentFolders(file.path);
    if (parents.length > limits.maxDepth) return fail(`its folders are nested more than ${limits.maxDepth} levels deep (at ${show(file.path)})`);
    for (const folder of parents) folders.add(folder);
    if (parents.length === 0) topLevelFiles.push(file.path);
    bytes += file.size;
    if (bytes > limits.maxBytes) return fail(`its files add up to more than ${formatBytes(limits.maxBytes)}`);
  }
  const entries = tree.files.length + folders.size;
  if (entries > limits.maxEntries) return fail(`it has more than ${limits.maxEntries} files and folders`);
  return { ok: true, entries, bytes, topLevelFiles: topLevelFiles.sort() };
}

function fail(problem: string): SubmissionCheck {
  return { ok: false, problem };
}

/** A path inside the submission, quoted so that newlines and spaces show. */
function show(rel: string): string {
  return JSON.stringify(rel);
}

interface TypeTests {
  isFile(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

function kind(entry: TypeTests): string {
  if (entry.isFile()) return 'a file';
  if (entry.isFIFO()) return 'a FIFO (named pipe)';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
