/** What `grade local` and `grade remote` say on stderr after a result: why it was not graded, and hints. */
import type { GradeResult } from '../grader/grade-result.ts';
import { gradeHints, type HintContext } from '../toolkit/grade-hints.ts';
import { paint } from './terminal.ts';
import { safeLine } from './untrusted-text.ts';

/**
 * `error: not graded (STATUS): FIRST ERROR (and N more)` when the status is not `graded`, then one
 * `hint:` line per hint. On stderr in both output modes: it shows when stdout goes to a file or to
 * jq, and `--json` keeps stdout one GradeResult. `prefix` names the part for `grade remote`.
 */
export function gradingNotes(result: GradeResult, context: HintContext, prefix = ''): string {
  const lines: string[] = [];
  if (result.status !== 'graded') {
    const [first, ...more] = result.errors;
    const why = first === undefined ? '' : `: ${safeLine(first)}${more.length > 0 ? ` (and ${more.length} more)` : ''}`;
    lines.push(`${paint('red', 'error:', process.stderr)} ${prefix}not graded (${result.status})${why}`);
  }
  for (const hint of gradeHints(result, context)) lines.push(`hint: ${prefix}${hint}`);
  return lines.map((line) => `${line}\n`).join('');
}
