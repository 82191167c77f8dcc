/**
 * What an author should try next when a grading went wrong, read from the result and the command
 * line that asked for it: the causes that a long log or a plain "grader-error" hide best. Each hint
 * is one sentence saying what was seen and what to do. The CLI prints them after the result (on
 * stderr, so `--json` keeps stdout one GradeResult); they are never stored or shown to students.
 */
import type { GradeResult } from '../grader/grade-result.ts';

export interface HintContext {
  /** `--part-id` was given (for `grade remote`, the server's part is always given). */
  partIdGiven: boolean;
  /** The extra arguments the entrypoint got (`grade local IMAGE DIR -- ARGS`). */
  args: readonly string[];
}

/** Words of a denied system call, as shells, compilers, Python and Node.js print them. */
const DENIED = /Permission denied|Operation not permitted|\bEACCES\b|\bEPERM\b/;
/** A grader asking for its part id: `KeyError: 'partId'`, "No partId", "missing part id", `PART_ID`. */
const ASKS_FOR_PART_ID = /\bpart[ _-]?id\b/i;
/** What a Coursera part id looks like (letters, digits, `.`, `_`, `-`), so not an option or a path. */
const PART_ID_LIKE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Hints for `result`; empty when the grading went well or nothing points at a cause. */
export function gradeHints(result: GradeResult, context: HintContext): string[] {
  // Nothing ran (not-gradable), or the grader gave full marks: nothing to explain.
  if (result.status === 'not-gradable' || (result.status === 'graded' && result.score === 1)) return [];
  const said = graderText(result);
  const hints: string[] = [];
  const denied = DENIED.exec(said);
  if (denied) hints.push(permissionHint(denied[0], result));
  const partId = partIdHint(result, context, ASKS_FOR_PART_ID.test(said));
  if (partId) hints.push(partId);
  return hints;
}

/** Everything the grader wrote that an author would read for a cause. */
function graderText(result: GradeResult): string {
  return [
    result.output.stdout.text, result.output.stderr.text, result.feedback.text,
    ...result.tests.flatMap((t) => [t.name, t.output]), ...result.errors, ...result.warnings,
  ].join('\n');
}

function permissionHint(seen: string, result: GradeResult): string {
  const user = result.run.user;
  const note = (protocol: string): string => (result.protocol === protocol ? ` (the default for ${protocol} graders)` : '');
  if (user?.uid === 0) {
    return `"${seen}" in the grader's output: it ran as root (uid 0) inside the sandbox's own user namespace${note('gradescope')}, ` +
      "with a container root's usual capabilities that count only there: it cannot mount, load kernel modules, set the clock " +
      'or write /proc/sys and /sys. Do such steps when the image is built (in the Dockerfile), not while grading';
  }
  const who = user ? `uid ${user.uid} inside the sandbox${user.uid === 1000 ? note('coursera') : ''}` : 'a user other than root inside the sandbox';
  return `"${seen}" in the grader's output: the grader ran as ${who}, and the image's files and folders owned by root are read-only to it. ` +
    'If the grader needs root, grade with --user root (grade local), and upload it with --user root so the server runs it the same way';
}

function partIdHint(result: GradeResult, context: HintContext, asked: boolean): string | undefined {
  if (result.protocol !== 'coursera' || context.partIdGiven) return undefined;
  const [only, ...more] = context.args;
  const positional = only !== undefined && more.length === 0 && PART_ID_LIKE.test(only) ? only : undefined;
  const env = 'Coursera graders read the part id from the environment variable partId, which --part-id sets';
  if (positional !== undefined) {
    const passed = `"${positional}" went to the grader's entrypoint as an argument (as the old courseraprogramming SDK passed part ids)`;
    return asked
      ? `the grader asks for a part id and got none: ${passed}. ${env}: grade with --part-id ${positional}`
      : `${passed}, and partId was not set. ${env}: if "${positional}" is the part id, grade with --part-id ${positional}`;
  }
  if (asked) return `the grader asks for a part id and got none. ${env}: grade with --part-id ID`;
  return undefined;
}
