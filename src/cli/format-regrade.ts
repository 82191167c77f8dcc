/** How `gradebox regrade` and `gradebox regrades` print a regrade, its progress and a dry run's preview. */
import type { PreviewRow, Regrade, RegradePreview } from '../platform/regrade-model.ts';
import { formatTime, table } from './format-server.ts';
import { paint } from './terminal.ts';
import { safeLine } from './untrusted-text.ts';

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

/** One line: id, kind, state and counts. */
export function regradeLine(r: Regrade): string {
  const kind = r.dryRun ? 'dry run' : 'regrade';
  const p = r.progress;
  const counts = `${p.done}/${p.total} done${p.failed > 0 ? `, ${p.failed} failed` : ''}${p.cancelled > 0 ? `, ${p.cancelled} cancelled` : ''}`;
  const eta = p.etaSeconds === null ? '' : `, about ${p.etaSeconds} s left`;
  return `${r.id}  ${kind} of ${r.courseId}/${r.assignmentId}: ${r.state} (${counts}${eta}), by ${r.createdBy} ${formatTime(r.createdAt)}`;
}

function side(points: number | undefined, status: string | undefined): string {
  if (points === undefined || status === undefined) return '—';
  return status === 'graded' ? String(points) : `${points} (${status})`;
}

function flips(row: PreviewRow): string {
  if (row.flippedTests.length === 0) return '';
  const shown = row.flippedTests.slice(0, 3).map((t) => `${safeLine(t.name)}: ${t.from}→${t.to}`);
  return shown.join('; ') + (row.flippedTests.length > 3 ? `; +${row.flippedTests.length - 3} more` : '');
}

/** The preview as a table (rows whose points or tests changed, unless `all`) and its summary. */
export function formatPreview(preview: RegradePreview, options: { all?: boolean } = {}): string {
  const rows = preview.rows.filter((r) => options.all === true || r.delta === null || r.delta !== 0 || r.flippedTests.length > 0 || r.current?.status !== r.next?.status);
  const header = ['STUDENT', 'PART', 'NOW', 'NEW', 'DELTA', 'NOTE', 'TESTS FLIPPED'].map((h) => paint('bold', h));
  const lines = rows.map((r) => [
    safeLine(r.login),
    safeLine(r.partId),
    side(r.current?.points, r.current?.status),
    side(r.next?.points, r.next?.status),
    r.delta === null ? 'pending' : signed(r.delta),
    [r.override === null ? '' : `${r.override.partId === '' ? 'grade' : 'part'} ${r.override.value} (kept)`, r.superseded ? 'superseded' : ''].filter((x) => x !== '').join(', '),
    flips(r),
  ]);
  const s = preview.summary;
  const failures = Object.entries(s.newFailures.byStatus).map(([status, n]) => `${n} ${status}`).join(', ');
  const summary = [
    `${s.students.total} students: ${s.students.up} up, ${s.students.down} down, ${s.students.same} unchanged; mean change ${signed(s.meanChange)} points`,
    `${s.parts.total} parts: ${s.parts.up} up, ${s.parts.down} down, ${s.parts.same} unchanged${s.parts.pending > 0 ? `, ${s.parts.pending} pending` : ''}`,
    `new failures: ${s.newFailures.total === 0 ? 'none' : `${s.newFailures.total} (${failures})`}`,
    ...(s.superseded > 0 ? [`${s.superseded} rows are of submissions that no longer count (newer work since): applying them changes no grade`] : []),
    ...(s.overridden.parts > 0 ? [`manual overrides kept as they are: ${s.overridden.parts} parts of ${s.overridden.students} students (the table shows what the grader would give)`] : []),
  ];
  const body = rows.length === 0 ? 'no score or test changed\n' : table([header, ...lines]);
  const hidden = preview.rows.length - rows.length;
  return `${body}${hidden > 0 ? `(${hidden} unchanged rows not shown: --all shows them)\n` : ''}\n${summary.join('\n')}\n`;
}
