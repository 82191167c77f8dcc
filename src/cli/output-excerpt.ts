/**
 * A long output cut for a terminal without losing its cause: the first lines (where the first
 * error usually is, e.g. "Permission denied" before a page of compiler errors it caused) and the
 * last ones (how it ended), with a note of what was left out in between.
 */
import { safeText } from './untrusted-text.ts';

export interface ExcerptLimits {
  /** Lines kept from the start. */
  head: number;
  /** Lines kept from the end. */
  tail: number;
  /** Characters kept of one line; the rest is counted, not shown. */
  lineChars: number;
}

/**
 * The lines of `text` to show, made safe for a terminal (see untrusted-text.ts): every line when
 * there are at most `head + tail + 1` (a note would take as much room as the line it hides), else
 * the first `head`, `… K lines omitted (full output: --json)`, and the last `tail`. A final
 * newline does not make an empty last line.
 */
export function excerptLines(text: string, limits: ExcerptLimits): string[] {
  const all = safeText(text).replace(/\n$/, '').split('\n').map((line) => cutLine(line, limits.lineChars));
  if (all.length <= limits.head + limits.tail + 1) return all;
  const omitted = all.length - limits.head - limits.tail;
  return [...all.slice(0, limits.head), `… ${omitted} lines omitted (full output: --json)`, ...all.slice(all.length - limits.tail)];
}

function cutLine(line: string, max: number): string {
  if (line.length <= max) return line;
  // Do not split a surrogate pair: half of one prints as U+FFFD.
  const end = /[\uD800-\uDBFF]/.test(line.charAt(max - 1)) ? max - 1 : max;
  return `${line.slice(0, end)}… (${line.length - end} more characters)`;
}
