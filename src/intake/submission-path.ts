import { InvalidInput } from '../platform/errors.ts';
import type { SubmissionIntakeLimits } from './intake-limits.ts';

// C0 controls (NUL included), DEL and C1 controls: never part of a name a student meant to send,
// and a newline or escape in a path breaks logs, terminals and graders that split lines.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Checks one name from an upload (a file part's filename, an archive entry's path) and returns it
 * normalized: `/`-separated, no empty or `.` segments, no trailing slash. Refuses with InvalidInput
 * (naming the entry) empty names, NUL and control characters, backslashes, absolute and drive
 * paths, `..` segments and names over the length or depth limits. Case is kept: `A` and `a` differ.
 */
export function normalizeSubmissionPath(raw: string, limits: Pick<SubmissionIntakeLimits, 'maxPathBytes' | 'maxSegmentBytes' | 'maxDepth'>): string {
  const refuse = (why: string, details?: Record<string, unknown>): never => {
    throw new InvalidInput(`refused ${show(raw)}: ${why}; nothing was stored`, { path: show(raw), ...details });
  };
  if (raw === '') refuse('the name is empty');
  if (!raw.isWellFormed()) refuse('the name is not valid Unicode');
  if (CONTROL.test(raw)) refuse('names may not hold NUL or control characters');
  if (raw.includes('\\')) refuse('names may not hold backslashes (use / between folders)');
  if (raw.startsWith('/')) refuse('absolute paths are not allowed; give paths relative to the submission folder');
  if (/^[A-Za-z]:/.test(raw)) refuse('drive paths are not allowed; give paths relative to the submission folder');

  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) refuse('`..` is not allowed in paths');
  if (segments.length === 0) refuse('the name names no file');
  for (const segment of segments) {
    const bytes = Buffer.byteLength(segment);
    if (bytes > limits.maxSegmentBytes) refuse(`a file or folder name is ${bytes} bytes long, more than the ${limits.maxSegmentBytes} allowed`, { limit: limits.maxSegmentBytes });
  }
  const path = segments.join('/');
  const bytes = Buffer.byteLength(path);
  if (bytes > limits.maxPathBytes) refuse(`the path is ${bytes} bytes long, more than the ${limits.maxPathBytes} allowed`, { limit: limits.maxPathBytes });
  if (segments.length - 1 > limits.maxDepth) refuse(`folders are nested ${segments.length - 1} deep, more than the ${limits.maxDepth} allowed`, { limit: limits.maxDepth });
  return path;
}

/** A name as shown in messages: JSON-quoted (so control characters are visible), at most ~100 characters. */
export function show(name: string): string {
  const cut = name.length > 100 ? `${name.slice(0, 100)}…` : name;
  return JSON.stringify(cut);
}

/** True for an archive's entry for the archive's own top folder (`.`, `./`), which names nothing to store. */
export function isTopFolder(raw: string): boolean {
  return /^\.(\/\.?)*\/*$/.test(raw);
}
