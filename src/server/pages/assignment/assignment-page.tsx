import { describeLatePolicy } from '../../../platform/late-policy.ts';
import type { Assignment, AssignmentGrade, Completion, Course, LateStatus, Submission } from '../../../platform/model.ts';
import { Deadline, gradeText } from '../course/course-route.tsx';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { AssignmentStaffNav, isStaffView } from '../../web/staff-nav.tsx';
import { UploadFields } from '../../web/upload-form.tsx';

export interface AssignmentView {
  ctx: PageContext;
  course: Course;
  assignment: Assignment;
  late: LateStatus | null;
  completion: Completion | null;
  grade: AssignmentGrade | null;
  submissions: Submission[];
  now: Date;
}

export function submissionScore(submission: Submission): string {
  if (submission.status === 'awaiting-completion') return 'graded on completion';
  const earned = submission.parts.map((p) => p.result?.points ?? null);
  if (submission.status === 'grading' || earned.some((p) => p === null)) return submission.status === 'grading' ? 'being graded' : '—';
  const possible = submission.parts.reduce((sum, p) => sum + p.points, 0);
  return `${earned.reduce<number>((sum, p) => sum + (p ?? 0), 0)} / ${possible}`;
}

function SubmitForm(props: { view: AssignmentView; base: string }): JSX.Element {
  const { view } = props;
  if (view.late?.refused === true) return <p class="notice error">The cutoff has passed: submissions are closed.</p>;
  if (view.completion !== null) return <p class="notice">Your work is completed: it is final. Ask the staff if you must submit again.</p>;
  const csrf = view.ctx.csrfToken ?? '';
  return (
    <form method="post" enctype="multipart/form-data" action={`${props.base}/submissions?csrf=${encodeURIComponent(csrf)}`} class="card" data-upload>
      <UploadFields />
      <p>
        <button type="submit">Submit</button>
      </p>
    </form>
  );
}

function GradeDerivation(props: { grade: AssignmentGrade }): JSX.Element {
  const { grade } = props;
  return (
    <div class="card">
      <dl class="facts">
        <dt>Status</dt>
        <dd>{grade.status}</dd>
        <dt>Points from the parts</dt>
        <dd safe>{grade.pointsEarned === null ? '—' : `${grade.pointsEarned} of ${grade.pointsPossible}`}</dd>
        <dt>Method</dt>
        <dd safe>{grade.method}</dd>
        <dt>Raw grade</dt>
        <dd safe>{grade.rawGrade === null ? '—' : `${grade.rawGrade} / 100`}</dd>
        <dt>Late adjustment</dt>
        <dd safe>{grade.late === null ? '—' : `${grade.late.rule} (×${grade.late.factor})`}</dd>
        {grade.override !== null && (
          <>
            <dt>Set by hand</dt>
            <dd safe>{`${grade.override.value} / 100 by ${grade.override.setBy}: ${grade.override.reason}`}</dd>
          </>
        )}
        <dt>Final grade</dt>
        <dd>
          <strong safe>{gradeText(grade)}</strong>
        </dd>
      </dl>
      {grade.detail !== null && <p safe>{grade.detail}</p>}
      <div class="table-wrap">
        <table>
          <caption>Parts</caption>
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">Earned</th>
              <th scope="col">Possible</th>
            </tr>
          </thead>
          <tbody>
            {grade.parts.map((part) => (
              <tr>
                <th scope="row" safe>
                  {part.partId}
                </th>
                <td safe>
                  {part.earned === null ? '—' : String(part.earned)}
                  {part.override !== undefined && ` (set by hand by ${part.override.setBy}: ${part.override.reason}; the grader gave ${part.override.graderEarned ?? 'nothing'})`}
                </td>
                <td safe>{String(part.points)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function AssignmentPage(view: AssignmentView): JSX.Element {
  const { assignment, course } = view;
  const base = `/courses/${encodeURIComponent(course.id)}/assignments/${encodeURIComponent(assignment.id)}`;
  const student = course.myRole === 'student';
  return (
    <Layout ctx={view.ctx} title={assignment.title}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={`/courses/${encodeURIComponent(course.id)}`} safe>{course.title}</a>
      </nav>
      <h1 safe>{assignment.title}</h1>
      {isStaffView(course, view.ctx.user?.isAdmin === true) && <AssignmentStaffNav course={course.id} assignment={assignment.id} current="assignment" />}
      <dl class="facts">
        <dt>Due</dt>
        <dd>
          <Deadline late={view.late} assignment={assignment} now={view.now} />
        </dd>
        <dt>Late policy</dt>
        <dd safe>{describeLatePolicy(assignment.latePolicy)}</dd>
        {assignment.cutoff !== null && (
          <>
            <dt>Cutoff</dt>
            <dd>
              <Time iso={view.late?.cutoff ?? assignment.cutoff} />
            </dd>
          </>
        )}
        {view.late !== null && (
          <>
            <dt>If you submit now</dt>
            <dd safe>{view.late.refused ? 'refused: past the cutoff' : `${view.late.rule} (grade ×${view.late.factor})`}</dd>
          </>
        )}
        <dt>Parts</dt>
        <dd safe>{assignment.parts.map((p) => `${p.title} (${p.points} points)`).join(', ') || 'none'}</dd>
      </dl>

      {student && (
        <section aria-labelledby="submit-heading">
          <h2 id="submit-heading">Submit your work</h2>
          <SubmitForm view={view} base={base} />
        </section>
      )}

      {student && assignment.trigger === 'completion' && (
        <section aria-labelledby="complete-heading">
          <h2 id="complete-heading">Completion</h2>
          {view.completion !== null ? (
            <p>
              Completed <Time iso={view.completion.completedAt} /> (by <span safe>{view.completion.completedBy}</span>): your newest submission then is the one graded.
            </p>
          ) : (
            <form method="post" action={`${base}/complete`} class="card">
              <input type="hidden" name="_csrf" value={view.ctx.csrfToken ?? ''} />
              <p>When your work is final, mark it complete: your newest submission is then graded, and you cannot submit again.</p>
              <button type="submit">Mark complete</button>
            </form>
          )}
        </section>
      )}

      {student && (
        <section aria-labelledby="history-heading">
          <h2 id="history-heading">Your submissions</h2>
          {view.submissions.length === 0 ? (
            <p>None yet.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <caption>Attempts, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Submitted</th>
                    <th scope="col">Status</th>
                    <th scope="col">Score</th>
                  </tr>
                </thead>
                <tbody>
                  {view.submissions.map((s) => (
                    <tr>
                      <td>
                        <a href={`/submissions/${encodeURIComponent(s.id)}`}>
                          <Time iso={s.submittedAt} />
                        </a>
                      </td>
                      <td>{s.status}</td>
                      <td safe>{submissionScore(s)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}

      {view.grade !== null && (
        <section aria-labelledby="grade-heading">
          <h2 id="grade-heading">Your grade</h2>
          <GradeDerivation grade={view.grade} />
        </section>
      )}
    </Layout>
  );
}
