/**
 * Reads a course file (`gradebox apply`): YAML or JSON (JSON is read as YAML, which it is), checked
 * with the platform's own checker (src/platform/course-file.ts, the rules `apply` enforces on the
 * server), each problem placed at its line and column, so mistakes show before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { parseCourseFile as checkCourseFile } from '../platform/course-file.ts';
import { InvalidInput } from '../platform/errors.ts';
import type { CourseFile } from '../platform/model.ts';
import { CourseFileError, type CourseFileIssue } from './course-file-error.ts';

/** Reads and checks `file`; errors from reading it (ENOENT, EISDIR) are the caller's to word. */
export async function loadCourseFile(file: string): Promise<CourseFile> {
  return parseCourseFile(await readFile(file, 'utf8'), file);
}

const MAX_ISSUES = 50;

type Segment = string | number;
type Position = Pick<CourseFileIssue, 'line' | 'column'>;

/** Parses and checks a course file's text; CourseFileError with every problem found, in file order. */
export function parseCourseFile(text: string, name: string): CourseFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (node: Node | undefined): Position => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 0, column: 0 };
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new CourseFileError(name, doc.errors.slice(0, MAX_ISSUES).map((error) => ({
      ...(error.linePos ? { line: error.linePos[0].line, column: error.linePos[0].col } : { line: 0, column: 0 }),
      path: '',
      message: `${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')} (YAML syntax)`,
    })));
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) throw new CourseFileError(name, [{ line: 0, column: 0, path: '', message: 'the file is empty; see examples/course.yaml' }]);
  try {
    checkCourseFile(value);
  } catch (error) {
    const problems = error instanceof InvalidInput ? error.details?.problems : undefined;
    if (!Array.isArray(problems)) throw error;
    const issues = problems.map((problem) => locate(String(problem), doc, value, at));
    throw new CourseFileError(name, issues.sort((a, b) => a.line - b.line || a.column - b.column).slice(0, MAX_ISSUES));
  }
  return value as CourseFile;
}

/** Places one of the checker's `path: message` problems in the file. */
function locate(problem: string, doc: Document, value: unknown, at: (node: Node | undefined) => Position): CourseFileIssue {
  const colon = problem.indexOf(': ');
  const shown = colon < 0 ? '' : problem.slice(0, colon);
  const message = colon < 0 ? problem : problem.slice(colon + 2);
  const path = parsePath(shown);
  if (message.startsWith('unknown key')) {
    const key = path.at(-1);
    const map = nodeAt(doc, path.slice(0, -1));
    return { ...at(typeof key === 'string' ? (keyNode(map, key) ?? map) : map), path: showPath(path), message };
  }
  // `assignments: assignment 'hw1' is listed twice`: point at the second one.
  const twice = /'(.*)' is listed twice$/.exec(message);
  if (twice) {
    const list = valueAt(value, path);
    const key = path.at(-1) === 'members' ? 'login' : 'id';
    const index = Array.isArray(list) ? list.findLastIndex((item) => (item as Record<string, unknown> | null)?.[key] === twice[1]) : -1;
    if (index >= 0) return { ...at(nodeAt(doc, [...path, index, key])), path: showPath([...path, index, key]), message };
  }
  return { ...at(nodeAt(doc, path)), path: showPath(path), message };
}

/** `assignments[1].parts[0].points` → segments; the checker names the whole file `file`. */
function parsePath(shown: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of shown.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segments.push(match[2] === undefined ? (match[1] ?? '') : Number(match[2]));
  return segments[0] === 'file' ? segments.slice(1) : segments;
}

function showPath(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** The YAML node at a path, or the deepest one that exists on the way (for a missing key: its map). */
function nodeAt(doc: Document, path: readonly Segment[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isScalar(node) || isMap(node) || isSeq(node)) return node;
  }
  return undefined;
}

function keyNode(node: Node | undefined, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === key);
  return isScalar(pair?.key) ? pair.key : undefined;
}

function valueAt(value: unknown, path: readonly Segment[]): unknown {
  let current = value;
  for (const segment of path) current = (current as Record<string | number, unknown> | null | undefined)?.[segment];
  return current;
}
