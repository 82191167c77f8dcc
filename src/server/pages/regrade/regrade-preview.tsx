/**
 * A finished dry run's preview on the regrade page: the summary, the table per student and part
 * (sortable and filterable by tables.js; whole without it), then Apply and Discard.
 */
import { FAILURE_STATUSES } from '../../../platform/regrade-state.ts';
import type { PreviewRow, PreviewSide, RegradePreview } from '../../../platform/regrade-model.ts';
import { Time } from '../../web/layout.tsx';
import { renderAnsi } from '../../web/render-feedback.ts';

/** Flipped tests shown in a row; the rest are counted. */
const SHOWN_FLIPS = 5;
/** Characters of a test's name (grader-written) shown. */
const NAME_CHARS = 120;

export type ChangeKind = 'up' | 'down' | 'same' | 'failed' | 'pending';

/** How a row changed, for the change filter: a new result that is a grading failure counts as `failed` whatever its points. */
export function changeKind(row: PreviewRow): ChangeKind {
  if (row.next === null || row.delta === null) return 'pending';
  if (FAILURE_STATUSES.includes(row.next.status)) return 'failed';
  return row.delta > 0.004 ? 'up' : row.delta < -0.004 ? 'down' : 'same';
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

function sideText(side: PreviewSide | null, possible: number): string {
  if (side === null) return '—';
  const points = `${side.points} / ${possible}`;
  return side.status === 'graded' ? points : `${points} (${side.status})`;
}

function Flips(props: { row: PreviewRow }): JSX.Element {
  const flips = props.row.flippedTests;
  if (flips.length === 0) return <></>;
  return (
    <ul class="flips">
      {flips.slice(0, SHOWN_FLIPS).map((flip) => {
        // Test names are the grader's text: through render-feedback (escaped, no control codes).
        const safeName = renderAnsi(flip.name.length > NAME_CHARS ? `${flip.name.slice(0, NAME_CHARS)}…` : flip.name);
        return (
          <li>
            {safeName}: <span safe>{`${flip.from} → ${flip.to}`}</span>
          </li>
        );
      })}
      {flips.length > SHOWN_FLIPS && <li class="muted" safe>{`and ${flips.length - SHOWN_FLIPS} more`}</li>}
    </ul>
  );
}

function Summary(props: { preview: RegradePreview }): JSX.Element {
  const s = props.preview.summary;
  const failures = Object.entries(s.newFailures.byStatus)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  return (
    <dl class="facts" id="regrade-summary">
      <dt>Students</dt>
      <dd safe>{`${s.students.total}: ${s.students.up} up, ${s.students.down} down, ${s.students.same} unchanged; mean change ${signed(s.meanChange)} points`}</dd>
      <dt>Parts</dt>
      <dd safe>{`${s.parts.total}: ${s.parts.up} up, ${s.parts.down} down, ${s.parts.same} unchanged${s.parts.pending > 0 ? `, ${s.parts.pending} without a result` : ''}`}</dd>
      <dt>New failures</dt>
      <dd safe>{s.newFailures.total === 0 ? 'none' : `${s.newFailures.total} (${failures})`}</dd>
      <dt>Overrides</dt>
      <dd safe>{s.overridden.parts === 0 ? 'none' : `${s.overridden.parts} parts of ${s.overridden.students} students keep their manual override (the table shows what the grader would give)`}</dd>
      <dt>Superseded</dt>
      <dd safe>{s.superseded === 0 ? 'none' : `${s.superseded} rows are of submissions that no longer count (newer work since): applying them changes no grade`}</dd>
    </dl>
  );
}

function Row(props: { row: PreviewRow }): JSX.Element {
  const { row } = props;
  const kind = changeKind(row);
  const override = row.override === null ? '' : `${row.override.partId === '' ? 'grade' : 'part'} ${row.override.value}, by ${row.override.setBy} (kept)`;
  return (
    <tr data-kind={kind}>
      <th scope="row" safe>
        {row.login}
      </th>
      <td safe>{row.partId}</td>
      <td data-sort={String(row.current?.points ?? -1)} safe>
        {sideText(row.current, row.possible)}
      </td>
      <td data-sort={String(row.next?.points ?? -1)} class={row.next !== null && row.next.status !== 'graded' ? `status ${row.next.status}` : undefined} safe>
        {sideText(row.next, row.possible)}
      </td>
      <td data-sort={row.delta === null ? '' : String(row.delta)} class={`delta ${kind}`} safe>
        {row.delta === null ? 'pending' : signed(row.delta)}
      </td>
      <td>
        <Flips row={row} />
      </td>
      <td safe>{override}</td>
      <td>{row.superseded ? 'superseded' : ''}</td>
    </tr>
  );
}

export interface PreviewProps {
  preview: RegradePreview;
  csrfToken: string;
  /** The regrade's form actions: `${base}/apply`, `${base}/discard`. */
  actionBase: string;
  /** Why the viewer may not apply (Platform's rule); null when they may. */
  applyRefusal: string | null;
}

export function PreviewSection(props: PreviewProps): JSX.Element {
  const { preview } = props;
  const regrade = preview.regrade;
  return (
    <section aria-labelledby="preview-heading" class="regrade-preview">
      <h2 id="preview-heading">Preview</h2>
      <p>
        Nothing has changed for students yet. Apply makes these results official in one step
        {regrade.grader.kind === 'draft' ? ' and publishes the draft' : ''}; discard drops them.
        {regrade.expiresAt !== null && (
          <>
            {' '}It can be applied until <Time iso={regrade.expiresAt} />, while the graders stay as they are.
          </>
        )}
      </p>
      <h3>Summary</h3>
      <Summary preview={preview} />
      <h3>Changes per student and part</h3>
      <div class="filters">
        <label for="preview-search" hidden>
          Filter rows
        </label>
        <input type="search" id="preview-search" data-filter="preview" hidden />
        <label for="preview-kind" hidden>
          Change
        </label>
        <select id="preview-kind" data-filter="preview" data-filter-attr="kind" hidden>
          <option value="">all</option>
          <option value="up">up</option>
          <option value="down">down</option>
          <option value="same">same</option>
          <option value="failed">failed</option>
          <option value="pending">no result</option>
        </select>
        <span data-filter-count="preview" aria-live="polite" safe>
          {`${preview.rows.length} rows`}
        </span>
      </div>
      <div class="table-wrap">
        <table id="preview" data-sortable>
          <caption>Current and new points of each regraded student and part</caption>
          <thead>
            <tr>
              <th scope="col">Student</th>
              <th scope="col">Part</th>
              <th scope="col">Current</th>
              <th scope="col">New</th>
              <th scope="col">Delta</th>
              <th scope="col">Flipped tests</th>
              <th scope="col">Override</th>
              <th scope="col">Superseded</th>
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row) => (
              <Row row={row} />
            ))}
          </tbody>
        </table>
      </div>
      <div class="regrade-actions">
        {props.applyRefusal === null ? (
          <form method="post" action={`${props.actionBase}/apply`}>
            <input type="hidden" name="_csrf" value={props.csrfToken} />
            <button type="submit">Apply</button>
          </form>
        ) : (
          <p class="notice warn" id="apply-refusal">
            Not yours to apply: <span safe>{props.applyRefusal}</span>.
          </p>
        )}
        <form method="post" action={`${props.actionBase}/discard`}>
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <button type="submit" class="secondary">
            Discard
          </button>
        </form>
      </div>
    </section>
  );
}
