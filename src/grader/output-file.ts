import type { OutputFile } from '../sandbox/sandbox.ts';
import { decodeUtf8 } from './json-text.ts';

/** Whether the grader did not write the file at all (as opposed to writing one the sandbox refused). */
export function isMissing(file: OutputFile | undefined): boolean {
  return file === undefined || (!file.ok && file.missing);
}

/**
 * A result file's text, or the fault as one message naming the path: refused by the sandbox
 * (symbolic link, FIFO, over the size cap: the sandbox's own words) or not UTF-8.
 */
export function readText(file: OutputFile, path: string): { ok: true; text: string } | { ok: false; error: string } {
  if (!file.ok) {
    if (file.missing) return { ok: false, error: `${path} was not written` };
    return { ok: false, error: file.error.includes(path) ? file.error : `${path}: ${file.error}` };
  }
  const decoded = decodeUtf8(file.data);
  return decoded.ok ? decoded : { ok: false, error: `${path} ${decoded.error}` };
}
