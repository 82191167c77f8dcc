/**
 * The assignment gradebook: students × parts with the grade's derivation, score histograms and
 * summary statistics, the forms that change grades (override, extension, release), and the grade
 * log. One override form and one extension form for all students (login and part chosen in the
 * form), so 1,000 rows carry no forms.
 */
import type { LoggedGradeChange } from '../../../platform/grade-log.ts';
import { ChangeForms } from './gradebook-forms.tsx';
import { GradeLog } from './grade-log-table.tsx';
import type { Assignment, AssignmentGrade, Course, Extension } from '../../../platform/model.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { AssignmentStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { rowAnchor } from './course-gradebook-page.tsx';
import { histogram, shown, summarize } from './grade-stats.ts';
import { Histogram, SummaryRow } from './histogram.tsx';

/** What a successful form leads back to (`?done=`): a fixed sentence, never text from the URL. */
export const DONE_NOTICES = {
  override: 'The override is saved and logged.',
  'override-extra': 'The override is saved and logged. It is above the maximum: it counts as extra credit.',
  'override-removed': 'The override is removed; the grade is derived again.',
  extension: 'The extension is saved; the student’s grade uses the new due date.',
  'extension-removed': 'The extension is removed.',
  released: 'The grades are released: students see their scores.',
  withdrawn: 'The grades are withdrawn: students no longer see their scores.',
} as const;
export type DoneNotice = keyof typeof DONE_NOTICES;

export interface AssignmentGradebookProps {
  ctx: PageContext;
  course: Course;
  assignment: Assignment;
  grades: AssignmentGrade[];
  names: ReadonlyMap<string, string>;
  extensions: ReadonlyMap<string, Extension>;
  /** The grade log, newest first, the whole of it (paged here). */
  log: LoggedGradeChange[];
  logPage: number;
  done: DoneNotice | null;
}

const STATUS_WORDS: Record<AssignmentGrade['status'], string> = {
  'not-submitted': 'not submitted',
  'not-completed': 'not completed',
  pending: 'being graded',
  graded: 'graded',
  'no-submission': 'no submission',
  error: 'error',
};

export function AssignmentGradebookPage(props: AssignmentGradebookProps): JSX.Element {
  const { course, assignment, grades } = props;
  const here = staffPaths.assignmentGradebook(course.id, assignment.id);
  const csrf = props.ctx.csrfToken ?? '';
  const finals = grades.flatMap((g) => (g.finalGrade === null ? [] : [g.finalGrade]));
  const partValues = assignment.parts.map((_part, i) => grades.flatMap((g) => { const earned = g.parts[i]?.earned; return earned === null || earned === undefined ? [] : [earned]; }));
  const released = assignment.release.scoresVisible;
  return (
    <Layout ctx={props.ctx} title={`Grades: ${assignment.title}`} wide scripts={['tables.js']}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={staffPaths.course(course.id)} safe>{course.title}</a> ›{' '}
        <a href={staffPaths.gradebook(course.id)}>Gradebook</a>
      </nav>
      <h1 safe>{`Grades: ${assignment.title}`}</h1>
      <AssignmentStaffNav course={course.id} assignment={assignment.id} current="gradebook" />
      {props.done !== null && (
        <div class="notice ok" role="status">
          <p>{DONE_NOTICES[props.done]}</p>
        </div>
      )}

      <h2>Release</h2>
      <p>
        {released ? 'Students see their scores.' : 'Students do not see their scores yet.'}
        {assignment.release.releasedAt !== null && (
          <>
            {' '}
            Released <Time iso={assignment.release.releasedAt} />
            {assignment.release.releasedBy !== null && <span safe>{` by ${assignment.release.releasedBy}`}</span>}.
          </>
        )}
        {assignment.release.releaseAt !== null && !released && (
          <>
            {' '}
            Automatic release at <Time iso={assignment.release.releaseAt} />.
          </>
        )}
      </p>
      <div class="actions">
        <form method="post" action={`${here}/release`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit">Release grades</button>
        </form>
        <form method="post" action={`${here}/withdraw`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit" class="secondary">
            Withdraw grades
          </button>
        </form>
      </div>
      <p>
        <a href={`${here}/export.csv`}>Download this assignment's grades as CSV</a>
      </p>

      <h2>Statistics</h2>
      <div class="table-wrap">
        <table class="compact">
          <caption>Summary statistics of the students with a score</caption>
          <thead>
            <tr>
              <th scope="col">Score</th>
              <th scope="col">n</th>
              <th scope="col">Mean</th>
              <th scope="col">Median</th>
              <th scope="col">Min</th>
              <th scope="col">Max</th>
              <th scope="col">Std. dev.</th>
            </tr>
          </thead>
          <tbody>
            <SummaryRow name="Final grade (0–100)" summary={summarize(finals)} />
            {assignment.parts.map((part, i) => (
              <SummaryRow name={`Part ${part.id} (of ${part.points})`} summary={summarize(partValues[i]!)} />
            ))}
          </tbody>
        </table>
      </div>
      <div class="histograms">
        <Histogram id="hist-final" title="Final grades" bins={histogram(finals, 100)} />
        {assignment.parts.map((part, i) => (
          <Histogram id={`hist-${i}`} title={`Part ${part.id} points`} bins={histogram(partValues[i]!, part.points)} />
        ))}
      </div>

      <h2>Students</h2>
      <GradeTable {...props} />

      <h2>Change a grade</h2>
      <ChangeForms assignment={assignment} grades={grades} here={here} csrf={csrf} />

      <h2 id="log">Grade log</h2>
      <GradeLog log={props.log} page={props.logPage} here={here} />
    </Layout>
  );
}

function GradeTable(props: AssignmentGradebookProps): JSX.Element {
  const { assignment, grades } = props;
  if (grades.length === 0) return <p>No students in this course yet.</p>;
  const statuses = [...new Set(grades.map((g) => g.status))].sort();
  return (
    <>
      <div class="filters">
        <label for="grades-filter" hidden>
          Filter students
        </label>
        <input type="search" id="grades-filter" data-filter="grades" hidden />
        <label for="grades-status" hidden>
          Status
        </label>
        <select id="grades-status" data-filter="grades" data-filter-attr="status" hidden>
          <option value="">any status</option>
          {statuses.map((s) => (
            <option value={s} safe>
              {STATUS_WORDS[s]}
            </option>
          ))}
        </select>
        <span data-filter-count="grades" aria-live="polite"></span>
      </div>
      <p class="muted">* set by hand (the grader's points in the cell's title).</p>
      <div class="table-wrap">
        <table id="grades" data-sortable>
          <caption>Grades by student (select a column header to sort)</caption>
          <thead>
            <tr>
              <th scope="col">Student</th>
              {assignment.parts.map((p) => (
                <th scope="col" safe>{`${p.id} (/${p.points})`}</th>
              ))}
              <th scope="col">Raw</th>
              <th scope="col">Late</th>
              <th scope="col">Final</th>
              <th scope="col">Status</th>
              <th scope="col">Released</th>
              <th scope="col">Extension</th>
              <th scope="col">Submission</th>
            </tr>
          </thead>
          <tbody>
            {grades.map((g) => {
              const extension = props.extensions.get(g.login);
              return (
                <tr id={rowAnchor(g.login)} data-status={g.status}>
                  <th scope="row">
                    <span safe>{g.login}</span> <span class="muted" safe>{props.names.get(g.login) ?? ''}</span>
                  </th>
                  {g.parts.map((p) => (
                    <td data-sort={p.earned === null ? '-1' : String(p.earned)} title={p.override ? `set by hand; the grader gave ${shown(p.override.graderEarned)}` : undefined} safe>
                      {p.earned === null ? '—' : p.override ? `${p.earned}*` : String(p.earned)}
                    </td>
                  ))}
                  <td safe>{shown(g.rawGrade)}</td>
                  <td safe>{g.late === null || g.late.factor === 1 ? '—' : `×${g.late.factor}`}</td>
                  <td data-sort={g.finalGrade === null ? '-1' : String(g.finalGrade)} title={g.override ? `set by hand: ${g.override.reason}` : undefined} safe>
                    {g.finalGrade === null ? '—' : g.override ? `${g.finalGrade}*` : String(g.finalGrade)}
                  </td>
                  <td safe>{STATUS_WORDS[g.status]}</td>
                  <td>{g.released ? 'yes' : 'no'}</td>
                  <td>{extension ? <Time iso={extension.until} /> : ''}</td>
                  <td>{g.submissionId === null ? '' : <a href={staffPaths.submission(g.submissionId)}>counting submission</a>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
