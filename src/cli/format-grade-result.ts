import type { GradeResult } from '../grader/grade-result.ts';
import type { CapturedOutput } from '../sandbox/sandbox.ts';
import { paint } from './terminal.ts';

/** Lines of grader stderr shown in the debug log before it is cut (the full capture is in --json). */
const DEBUG_LOG_LINES = 40;

/** Renders a GradeResult for a grader author reading a terminal. */
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
  lines.push(indent(result.feedback.text || '(empty)'));
  if (result.tests.length > 0) {
    lines.push('', paint('bold', 'Tests:'));
    for (const test of result.tests) {
      const mark = test.status === 'failed' ? paint('red', '✗') : test.status === 'passed' ? paint('green', '✓') : '•';
      const pts = test.score === null ? '' : ` ${test.score}${test.maxScore === null ? '' : `/${test.maxScore}`}`;
      const hidden = test.visibility === 'visible' ? '' : paint('dim', ` [${test.visibility}]`);
      lines.push(`  ${mark} ${test.name}${pts}${hidden}`);
    }
  }
  if (result.errors.length > 0) {
    lines.push('', paint(['bold', 'yellow'], 'Problems with the grader or its output:'));
    for (const error of result.errors) lines.push(`  - ${error}`);
  }
  lines.push('', paint('bold', 'Grader stderr (debug log, not shown to students):'));
  lines.push(indent(tail(result.output.stderr)));
  const run = result.run;
  const ended = run.signal ? `signal ${run.signal}` : `exit ${String(run.exitCode)}`;
  lines.push(
    '',
    paint('dim', `${result.protocol} protocol · ${run.reason} (${ended}) · wall ${fmtMs(run.wallMs)} · cpu ${fmtMs(run.cpuMs)}` +
      ` · peak memory ${fmtMiB(run.peakMemoryBytes)} MiB · image ${result.image.id.slice(0, 19)}`),
  );
  return lines.join('\n');
}

function tail(output: CapturedOutput): string {
  if (output.bytes === 0) return '(empty)';
  const all = output.text.replace(/\n$/, '').split('\n');
  const shown = all.slice(-DEBUG_LOG_LINES);
  const notes: string[] = [];
  if (all.length > shown.length) notes.push(`… ${all.length - shown.length} earlier lines not shown (see --json)`);
  const body = [...notes, ...shown];
  if (output.truncated) body.push(`… output cut at the cap: ${output.bytes} bytes written in all`);
  return body.join('\n');
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
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
