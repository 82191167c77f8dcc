/**
 * The course gradebook: students (rows) × assignments (columns) of final grades. Built for a
 * course of 1,000 students and 20 assignments within 2 MB: a cell is its grade and one relative
 * link (to the student's row in the assignment gradebook), no forms, no per-cell attributes but
 * a sort key where the text is not the number.
 */
import { escapeHtml } from '@kitajs/html';
import type { CourseGradebook, CourseGradebookCell } from '../../../platform/course-gradebook.ts';
import type { Course } from '../../../platform/model.ts';
import { Layout, type PageContext } from '../../web/layout.tsx';
import { CourseStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { round2, shown, summarize } from './grade-stats.ts';

/** What a cell without a final grade says, briefly (the legend explains). */
const NO_GRADE: Record<CourseGradebookCell['status'], string> = {
  'not-submitted': '—',
  'not-completed': '—',
  pending: '…',
  graded: '—',
  'no-submission': '0',
  error: 'error',
};

export const rowAnchor = (login: string): string => `g-${login}`;

export function CourseGradebookPage(props: { ctx: PageContext; course: Course; book: CourseGradebook; exportUrl: string }): JSX.Element {
  const { course, book } = props;
  const base = `${staffPaths.course(course.id)}/`;
  // Relative to this page's folder (/courses/C/): the same path staffPaths gives, 20,000 times shorter.
  const hrefs = book.assignments.map((a) => `${staffPaths.assignmentGradebook(course.id, a.id).slice(base.length)}#`);
  const finals = book.cells.map((column) => column.flatMap((cell) => (cell.finalGrade === null ? [] : [cell.finalGrade])));
  const summaries = finals.map((values) => summarize(values));
  const safeRows = gradeRows(book, hrefs);
  return (
    <Layout ctx={props.ctx} title={`Gradebook: ${course.title}`} wide scripts={['tables.js']}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={staffPaths.course(course.id)} safe>{course.title}</a>
      </nav>
      <h1 safe>{`Gradebook: ${course.title}`}</h1>
      <CourseStaffNav course={course.id} current="gradebook" />
      <p>
        Final grades (0–100) of {book.students.length} students on {book.assignments.length} assignments. A grade marked * was set by hand; — nothing
        to grade yet, … being graded. Each grade leads to the student's row in the assignment's gradebook. <a href={props.exportUrl}>Download the grades as CSV</a>.
      </p>
      <h2>Assignments</h2>
      <ul class="inline-list">
        {book.assignments.map((a) => (
          <li>
            <a href={staffPaths.assignmentGradebook(course.id, a.id)} safe>
              {a.title}
            </a>{' '}
            <span class="muted">{a.released ? '(released)' : '(not released)'}</span>
          </li>
        ))}
      </ul>
      <h2>Grades</h2>
      {book.students.length === 0 ? (
        <p>No students in this course yet.</p>
      ) : (
        <>
          <div class="filters">
            <label for="gradebook-filter" hidden>
              Filter students
            </label>
            <input type="search" id="gradebook-filter" data-filter="gradebook" hidden />
            <span data-filter-count="gradebook" aria-live="polite"></span>
          </div>
          <div class="table-wrap">
            <table id="gradebook" class="gradebook" data-sortable>
              <caption>Final grades by student and assignment (select a column header to sort)</caption>
              <thead>
                <tr>
                  <th scope="col">Student</th>
                  {book.assignments.map((a) => (
                    <th scope="col" safe>
                      {a.released ? a.title : `${a.title} (hidden)`}
                    </th>
                  ))}
                  <th scope="col">Mean</th>
                </tr>
              </thead>
              <tbody>{safeRows}</tbody>
              <tfoot>
                <tr>
                  <th scope="row">Mean</th>
                  {summaries.map((s) => (
                    <td safe>{shown(s.mean)}</td>
                  ))}
                  <td></td>
                </tr>
                <tr>
                  <th scope="row">Median</th>
                  {summaries.map((s) => (
                    <td safe>{shown(s.median)}</td>
                  ))}
                  <td></td>
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
    </Layout>
  );
}

/**
 * The table's rows as one string: 20,000 cells through JSX components cost more than the whole
 * derivation, so they are joined by hand here, every value from data escaped.
 */
function gradeRows(book: CourseGradebook, hrefs: readonly string[]): string {
  const out: string[] = [];
  book.students.forEach((student, s) => {
    const login = escapeHtml(student.login);
    const anchor = escapeHtml(rowAnchor(student.login));
    out.push(`<tr><th scope="row">${login} <span class="muted">${escapeHtml(student.displayName)}</span></th>`);
    let sum = 0;
    let count = 0;
    book.cells.forEach((column, a) => {
      const cell = column[s]!;
      if (cell.finalGrade !== null) {
        sum += cell.finalGrade;
        count++;
      }
      const text = cell.finalGrade === null ? NO_GRADE[cell.status] : String(cell.finalGrade);
      const sortKey = cell.finalGrade === null ? ' data-sort="-1"' : cell.overridden ? ` data-sort="${cell.finalGrade}"` : '';
      out.push(`<td${sortKey}><a href="${escapeHtml(hrefs[a]!)}${anchor}">${cell.overridden ? `${text}*` : text}</a></td>`);
    });
    out.push(`<td>${count === 0 ? '—' : String(round2(sum / count))}</td></tr>`);
  });
  return out.join('');
}
