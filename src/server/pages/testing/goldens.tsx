/** The golden submissions' table: expectation, the newest drafts' results against it, and the unpin forms. */
import type { GoldenDraftCheck, GoldenOutcome, GoldenSubmission } from '../../../platform/model.ts';
import { staffPaths } from '../../web/staff-nav.tsx';

/** A golden's status over its parts' drafts: ok (all match), changed, grading, or not graded. */
export function goldenStatus(golden: GoldenSubmission): 'ok' | 'changed' | 'grading' | 'not-graded' | 'no-draft' {
  const states = golden.drafts.map((d) => d.state);
  if (states.length === 0) return 'no-draft';
  if (states.includes('changed')) return 'changed';
  if (states.includes('grading')) return 'grading';
  if (states.includes('not-run')) return 'not-graded';
  return 'ok';
}

const STATUS_WORDS = { ok: 'ok', changed: 'changed', grading: 'being graded', 'not-graded': 'not graded', 'no-draft': 'no draft to check' } as const;

function outcomeText(outcome: GoldenOutcome | null): string {
  if (outcome === null) return '—';
  return outcome.points === null ? outcome.status : `${outcome.status}, ${outcome.points} points`;
}

function DraftLine(props: { check: GoldenDraftCheck }): JSX.Element {
  const { check } = props;
  const changed = check.changedTests.length > 0 ? `; tests changed: ${check.changedTests.join(', ')}` : '';
  return (
    <li>
      <span safe>{`${check.partId} v${check.graderNumber}: `}</span>
      <span class={`golden-state ${check.state}`}>
        {check.state}
      </span>
      <span safe>{` — expected ${outcomeText(check.expected)}, got ${outcomeText(check.got)}${changed}`}</span>
      {check.runSubmissionId !== null && (
        <>
          {' '}
          <a href={staffPaths.submission(check.runSubmissionId)} aria-label={`the run of ${check.label} on ${check.partId}`}>
            run
          </a>
        </>
      )}
    </li>
  );
}

/** The part of the goldens section that changes while goldens are graded (swapped in live). */
export function GoldenTable(props: { base: string; csrf: string; goldens: GoldenSubmission[] }): JSX.Element {
  if (props.goldens.length === 0) return <p class="muted">No golden submission is pinned yet.</p>;
  return (
    <div class="table-wrap">
      <table id="golden-table">
        <caption>Golden submissions and the newest drafts</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Submission</th>
            <th scope="col">Expected</th>
            <th scope="col">Drafts' results</th>
            <th scope="col">Status</th>
            <th scope="col">Unpin</th>
          </tr>
        </thead>
        <tbody>
          {props.goldens.map((golden) => {
            const status = goldenStatus(golden);
            return (
              <tr>
                <td safe>{golden.label}</td>
                <td>
                  <a href={staffPaths.submission(golden.submissionId)}>
                    <code safe>{golden.submissionId}</code>
                  </a>
                  <br />
                  <span class="muted" safe>{`${golden.source.kind === 'student' ? 'student' : 'test sample'} ${golden.source.login}`}</span>
                </td>
                <td>
                  <ul class="plain">
                    {golden.expected.map((e) => (
                      <li safe>{`${e.partId}: ${outcomeText(e)}${e.how === 'accepted' ? ' (accepted)' : ''}`}</li>
                    ))}
                  </ul>
                </td>
                <td>
                  {golden.drafts.length === 0 ? (
                    <span class="muted">no draft</span>
                  ) : (
                    <ul class="plain">
                      {golden.drafts.map((check) => (
                        <DraftLine check={check} />
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  <strong class={`golden-state ${status}`}>
                    {STATUS_WORDS[status]}
                  </strong>
                </td>
                <td>
                  <form method="post" action={`${props.base}/goldens/${encodeURIComponent(golden.id)}/unpin`}>
                    <input type="hidden" name="_csrf" value={props.csrf} />
                    <button type="submit" class="secondary" aria-label={`Unpin ${golden.label}`}>
                      Unpin
                    </button>
                  </form>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
