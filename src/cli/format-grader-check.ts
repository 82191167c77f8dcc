/**
 * `gradebox check-grader`'s human output: one line per case with its verdict and what the student
 * got, the reasons under a bad or skipped case, and a summary. The result's feedback and errors
 * are the grader's (and may quote the hostile submission): they go through untrusted-text.ts.
 */
import type { CaseReport, CheckSummary } from '../grader-check/check-report.ts';
import { percent } from './format-server.ts';
import { paint } from './terminal.ts';
import { safeLine } from './untrusted-text.ts';

const ID_WIDTH = 15;

/** One case: `✓ good     empty-files     graded 0%: Your main.sh is empty.`, reasons indented below. */
export function formatCase(report: CaseReport): string {
  const mark = report.verdict === 'good' ? paint('green', '✓ good   ') : report.verdict === 'bad' ? paint('red', '✗ bad    ') : paint('dim', '- skipped');
  const lines = [`${mark} ${report.id.padEnd(ID_WIDTH)} ${outcome(report)}`.trimEnd()];
  for (const reason of report.reasons) lines.push(`    ${report.verdict === 'bad' ? paint('red', '-') : '-'} ${safeLine(reason)}`);
  if (report.verdict === 'bad') lines.push(paint('dim', `    (the case: ${report.title}. Expected: ${report.expect})`));
  return `${lines.join('\n')}\n`;
}

/** What the student got: status, score and the feedback's first line; the submission id for --remote. */
function outcome(report: CaseReport): string {
  const result = report.result;
  if (result === null) return paint('dim', report.submissionId ?? '');
  const score = result.status === 'graded' ? ` ${percent(result.score)}` : '';
  const first = safeLine(result.feedback.text.trim().split(/\r?\n/)[0] ?? '');
  const passed = result.tests.filter((test) => test.status === 'passed').length;
  const tests = result.tests.length === 0 ? '(no feedback)' : `(no feedback) ${result.tests.length} tests, ${passed} passed`;
  const feedback = first === '' ? tests : first.length > 70 ? `${first.slice(0, 69)}…` : first;
  const id = report.submissionId ? paint('dim', ` [${report.submissionId}]`) : '';
  return `${result.status}${score}: ${feedback}${id}`;
}

/** `13 cases: 11 good, 2 bad, 0 skipped` and what it means. */
export function formatSummary(summary: CheckSummary): string {
  const total = summary.good + summary.bad + summary.skipped;
  const counts = `${total} cases: ${summary.good} good, ${summary.bad} bad, ${summary.skipped} skipped`;
  const verdict = summary.allHandled
    ? paint('green', 'the grader handled every case')
    : paint('red', `${summary.bad} ${summary.bad === 1 ? 'case needs' : 'cases need'} the grader's attention (the full results: --json; the submissions: --save-cases DIR)`);
  return `\n${paint('bold', counts)}: ${verdict}\n`;
}
