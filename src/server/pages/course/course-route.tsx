/** `/courses/:course`: the course's assignments with deadline, late rule now, completion and grade. */
import type { FastifyInstance } from 'fastify';
import type { Actor, Assignment, AssignmentGrade, Completion, Course, LateStatus } from '../../../platform/model.ts';
import type { Platform } from '../../../platform/platform.ts';
import { Countdown, Layout, Time, type PageContext } from '../../web/layout.tsx';
import { CourseStaffNav, isStaffView } from '../../web/staff-nav.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';

/** What a student sees of one assignment on the course page. */
export interface AssignmentSummary {
  assignment: Assignment;
  /** Students only (staff have no own late status). */
  late: LateStatus | null;
  completion: Completion | null;
  grade: AssignmentGrade | null;
}

/** The course page's reads, all through Platform (and its permission rules). */
export async function summarizeAssignment(platform: Platform, actor: Actor, course: Course, assignment: Assignment): Promise<AssignmentSummary> {
  if (course.myRole !== 'student') return { assignment, late: null, completion: null, grade: null };
  const [late, completions, grades] = await Promise.all([
    platform.getLateStatus(actor, course.id, assignment.id),
    platform.listCompletions(actor, course.id, assignment.id),
    platform.listGrades(actor, course.id, assignment.id),
  ]);
  return { assignment, late, completion: completions[0] ?? null, grade: grades[0] ?? null };
}

export function gradeText(grade: AssignmentGrade | null): string {
  if (!grade) return '—';
  if (grade.finalGrade !== null) return `${grade.finalGrade} / 100`;
  const words: Record<AssignmentGrade['status'], string> = {
    'not-submitted': 'nothing submitted yet',
    'not-completed': 'not completed yet',
    pending: 'being graded',
    graded: 'graded',
    'no-submission': '0 (completed without a submission)',
    error: 'could not be graded: ask your instructor',
  };
  return words[grade.status];
}

export function Deadline(props: { late: LateStatus | null; assignment: Assignment; now: Date }): JSX.Element {
  const due = props.late?.dueAt ?? props.assignment.deadline;
  if (due === null) return <span>no deadline</span>;
  return (
    <>
      <Time iso={due} /> (<Countdown iso={due} now={props.now} />)
      {props.late?.extendedTo != null && <span> — extended for you</span>}
    </>
  );
}

function CoursePage(props: { ctx: PageContext; course: Course; summaries: AssignmentSummary[]; now: Date }): JSX.Element {
  const student = props.course.myRole === 'student';
  return (
    <Layout ctx={props.ctx} title={props.course.title}>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a>
      </nav>
      <h1 safe>{props.course.title}</h1>
      {isStaffView(props.course, props.ctx.user?.isAdmin === true) && <CourseStaffNav course={props.course.id} current="course" />}
      {!student && <p class="muted">Students see this page with their own deadlines, late rule, completion and grade.</p>}
      {props.summaries.length === 0 ? (
        <p>No assignments yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Assignments</caption>
            <thead>
              <tr>
                <th scope="col">Assignment</th>
                <th scope="col">Due</th>
                {student && <th scope="col">If you submit now</th>}
                {student && <th scope="col">Completed</th>}
                {student && <th scope="col">Grade</th>}
              </tr>
            </thead>
            <tbody>
              {props.summaries.map(({ assignment, late, completion, grade }) => (
                <tr>
                  <th scope="row">
                    <a href={`/courses/${encodeURIComponent(assignment.courseId)}/assignments/${encodeURIComponent(assignment.id)}`} safe>
                      {assignment.title}
                    </a>
                  </th>
                  <td>
                    <Deadline late={late} assignment={assignment} now={props.now} />
                  </td>
                  {student && <td safe>{late === null ? '' : late.refused ? 'refused: past the cutoff' : late.rule}</td>}
                  {student && <td>{completion ? <Time iso={completion.completedAt} /> : assignment.trigger === 'completion' ? 'not yet' : 'not needed'}</td>}
                  {student && <td safe>{gradeText(grade)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

export function coursePage(app: FastifyInstance, deps: WebDeps): void {
  app.get('/courses/:course', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId } = request.params as { course: string };
    const course = await deps.platform.getCourse(actor, courseId);
    const assignments = await deps.platform.listAssignments(actor, courseId);
    const summaries = await Promise.all(assignments.map((a) => summarizeAssignment(deps.platform, actor, course, a)));
    return sendPage(reply, <CoursePage ctx={pageContext(request, deps.assets)} course={course} summaries={summaries} now={new Date()} />);
  });
}
