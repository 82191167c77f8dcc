import type { GradeResult, TestResult } from '../grader/grade-result.ts';
import type { CapturedOutput } from '../sandbox/sandbox.ts';
import { excerptLines, type ExcerptLimits } from './output-excerpt.ts';
import { paint } from './terminal.ts';
import { safeLine, safeText } from './untrusted-text.ts';

/**
 * How much of the grader's stdout and stderr is shown: the first lines hold the first error (the
 * cause), the last ones how the run ended; the whole capture is in --json.
 */
const LOG_EXCERPT: ExcerptLimits = { head: 20, tail: 20, lineChars: 500 };
/** A test's output under its name: shorter, there may be many tests. */
const TEST_OUTPUT_EXCERPT: ExcerptLimits = { head: 5, tail: 5, lineChars: 300 };

/**
 * Renders a GradeResult for a grader author reading a terminal. Everything the grader or the
 * submission wrote (feedback, tests, messages quoting its output, stdout, stderr) goes through
 * untrusted-text.ts, so no control sequence of theirs reaches the terminal.
 */
export function formatGradeResult(result: GradeResult): string {
  const lines: string[] = [];
  const ok = result.status === 'graded';
  const score = result.score === null ? '—' : `${roundPercent(result.score)}%`;
  const points = result.points === null ? ''
    : result.points.possible === null ? ` (${result.points.earned} points of an unknown total: give the part's points with --points N)`
    : ` (${result.points.earned}/${result.points.possible} points)`;
  lines.push(`${paint(ok ? 'green' : 'red', paint('bold', result.status))}  score ${paint('bold', score)}${points}`);
  lines.push('');
  lines.push(paint('bold', `Feedback (${result.feedback.format}):`));
  lines.push(indent(safeText(result.feedback.text) || '(empty)', 2));
  if (result.tests.length > 0) {
    lines.push('', paint('bold', 'Tests:'));
    for (const test of result.tests) lines.push(...testLines(test));
  }
  if (result.errors.length > 0) {
    lines.push('', paint(['bold', 'yellow'], 'Problems with the grader or its output:'));
    for (const error of result.errors) lines.push(bullet(error));
  }
  if (result.warnings.length > 0) {
    lines.push('', paint('bold', 'Warnings (the grading went on; fix them in the grader):'));
    for (const warning of result.warnings) lines.push(bullet(warning));
  }
  const stdoutShown = result.output.visibleToStudents ? 'shown to students: stdout_visibility is visible' : 'debug log, not shown to students';
  lines.push('', paint('bold', `Grader stdout (${stdoutShown}):`));
  lines.push(...logLines(result.output.stdout));
  lines.push('', paint('bold', 'Grader stderr (debug log, not shown to students):'));
  lines.push(...logLines(result.output.stderr));
  const run = result.run;
  const ended = run.signal ? `signal ${run.signal}` : `exit ${String(run.exitCode)}`;
  const user = run.user ? ` · uid ${run.user.uid}` : '';
  lines.push(
    '',
    paint('dim', `${result.protocol} protocol · ${run.reason} (${ended})${user} · wall ${fmtMs(run.wallMs)} · cpu ${fmtMs(run.cpuMs)}` +
      ` · peak memory ${fmtMiB(run.peakMemoryBytes)} MiB · image ${result.image.id.slice(0, 19)}`),
  );
  return lines.join('\n');
}

/** `✓ name 1/1 [hidden]`, then the test's output (an excerpt) below it. */
function testLines(test: TestResult): string[] {
  const mark = test.status === 'failed' ? paint('red', '✗') : test.status === 'passed' ? paint('green', '✓') : '•';
  const pts = test.score === null ? '' : ` ${test.score}${test.maxScore === null ? '' : `/${test.maxScore}`}`;
  const hidden = test.visibility === 'visible' ? '' : paint('dim', ` [${test.visibility}]`);
  const head = `  ${mark} ${safeLine(test.name)}${pts}${hidden}`;
  if (test.output.trim() === '') return [head];
  return [head, ...excerptLines(test.output, TEST_OUTPUT_EXCERPT).map((line) => `      ${line}`)];
}

/** `  - message`, a message of several lines indented under its dash. */
function bullet(message: string): string {
  return `  - ${indent(safeText(message), 4).slice(4)}`;
}

function logLines(output: CapturedOutput): string[] {
  if (output.bytes === 0) return ['  (empty)'];
  const body = excerptLines(output.text, LOG_EXCERPT);
  if (output.truncated) body.push(`… output cut at the cap: ${output.bytes} bytes written in all`);
  return body.map((line) => `  ${line}`);
}

function indent(text: string, by: number): string {
  const pad = ' '.repeat(by);
  return text.split('\n').map((line) => `${pad}${line}`).join('\n');
}

function roundPercent(score: number): string {
  return (Math.round(score * 1000) / 10).toString();
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function fmtMiB(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
