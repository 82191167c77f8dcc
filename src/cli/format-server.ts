/** Renders the grading service's objects (model.ts) for a terminal: tables, part results, dates. */
import type { GraderVersion, PartOutcome, PartResult, Submission } from '../platform/model.ts';
import { paint } from './terminal.ts';
import { safeLine, safeText } from './untrusted-text.ts';

/** Rows as left-aligned columns two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)))).join('  ').trimEnd())
    .map((line) => `${line}\n`)
    .join('');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex -- colour escapes take no room on screen
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** `2026-03-01 23:59 UTC`. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `v3 (draft)`. */
export function versionLabel(version: GraderVersion): string {
  return `v${version.number} (${version.status})`;
}

export function percent(score: number | null): string {
  return score === null ? '—' : `${Math.round(score * 1000) / 10}%`;
}

/** `graded 80% (8/10 points)`, coloured by status. */
export function resultSummary(result: PartResult, points: number): string {
  const ok = result.status === 'graded';
  const earned = result.points === null ? '' : ` (${result.points}/${points} points)`;
  return `${paint(ok ? 'green' : 'red', result.status)} ${ok ? percent(result.score) : ''}${earned}`.replace(/\s+$/, '');
}

/**
 * One part of a submission: status (or the job's phase while grading), score, then the feedback
 * indented. The feedback and test names are the grader's (and may quote the submission): they go
 * through untrusted-text.ts.
 */
export function formatPartOutcome(outcome: PartOutcome): string {
  const head = paint('bold', safeLine(outcome.partId));
  if (outcome.result === null) return `${head}  ${outcome.job ? outcome.job.phase : 'waiting'}\n`;
  // Older servers send no `notReleased`; the feedback then says it.
  if (outcome.result.notReleased === true) return `${head}  ${paint('yellow', `${outcome.result.status}, not released yet`)}\n`;
  const lines = [`${head}  ${resultSummary(outcome.result, outcome.points)}`];
  const feedback = safeText(outcome.result.feedback.text).trimEnd();
  lines.push(...(feedback === '' ? ['  (no feedback)'] : feedback.split('\n').map((line) => `  ${line}`)));
  for (const test of outcome.result.tests) {
    const mark = test.status === 'failed' ? paint('red', '✗') : test.status === 'passed' ? paint('green', '✓') : '•';
    const pts = test.score === null ? '' : ` ${test.score}${test.maxScore === null ? '' : `/${test.maxScore}`}`;
    lines.push(`  ${mark} ${safeLine(test.name)}${pts}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every part of a submission. */
export function formatSubmission(submission: Submission): string {
  return submission.parts.map(formatPartOutcome).join('');
}

/** `p1 running, p2 queued` for a progress line. */
export function gradingPhases(submission: Submission): string {
  return submission.parts.map((p) => `${safeLine(p.partId)} ${p.result ? p.result.status : (p.job?.phase ?? 'queued')}`).join(', ');
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
