/** The grade log of an assignment as a table, newest first, LOG_PAGE_SIZE entries a page. */
import type { LoggedGradeChange } from '../../../platform/grade-log.ts';
import { Time } from '../../web/layout.tsx';
import { shown } from './grade-stats.ts';

export const LOG_PAGE_SIZE = 50;

const CAUSE_WORDS: Record<LoggedGradeChange['cause'], string> = {
  'grader-result': 'grader result',
  regrade: 'regrade',
  'late-policy': 'late policy',
  extension: 'extension',
  'course-file': 'course file',
  completion: 'completion',
  override: 'override',
  'override-removed': 'override removed',
  release: 'released',
  withdraw: 'withdrawn',
};

export function GradeLog(props: { log: LoggedGradeChange[]; page: number; here: string }): JSX.Element {
  const pages = Math.max(1, Math.ceil(props.log.length / LOG_PAGE_SIZE));
  const page = Math.min(props.page, pages);
  const entries = props.log.slice((page - 1) * LOG_PAGE_SIZE, page * LOG_PAGE_SIZE);
  if (entries.length === 0) return <p>No grade changes yet.</p>;
  return (
    <>
      <div class="table-wrap">
        <table class="compact">
          <caption safe>{`Grade changes, newest first (page ${page} of ${pages})`}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Student</th>
              <th scope="col">What</th>
              <th scope="col">Cause</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">By</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td>
                  <Time iso={e.at} />
                </td>
                <td safe>{e.login}</td>
                <td safe>{e.partId === null ? 'grade' : `part ${e.partId}`}</td>
                <td safe>{CAUSE_WORDS[e.cause]}</td>
                <td safe>{shown(e.oldValue)}</td>
                <td safe>{shown(e.newValue)}</td>
                <td safe>{e.actor ?? 'gradebox'}</td>
                <td safe>{e.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav aria-label="Grade log pages" class="pager">
          {page > 1 && <a href={`${props.here}?log=${page - 1}#log`}>Newer</a>}
          <span safe>{` page ${page} of ${pages} `}</span>
          {page < pages && <a href={`${props.here}?log=${page + 1}#log`}>Older</a>}
        </nav>
      )}
    </>
  );
}
