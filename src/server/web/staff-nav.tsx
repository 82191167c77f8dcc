/**
 * The staff pages of a course and of an assignment, and the one place their paths are written:
 * pages link to each other through these functions, so a path changes in one place.
 * Shown to instructors, TAs and administrators; what each may do there is Platform's rule.
 */
import type { Course } from '../../platform/model.ts';

const enc = encodeURIComponent;

export const staffPaths = {
  course: (course: string) => `/courses/${enc(course)}`,
  setup: (course: string) => `/courses/${enc(course)}/setup`,
  gradebook: (course: string) => `/courses/${enc(course)}/gradebook`,
  courseQueue: (course: string) => `/courses/${enc(course)}/queue`,
  assignment: (course: string, assignment: string) => `/courses/${enc(course)}/assignments/${enc(assignment)}`,
  graders: (course: string, assignment: string) => `/courses/${enc(course)}/assignments/${enc(assignment)}/graders`,
  graderTests: (course: string, assignment: string) => `/courses/${enc(course)}/assignments/${enc(assignment)}/testing`,
  regrade: (course: string, assignment: string) => `/courses/${enc(course)}/assignments/${enc(assignment)}/regrade`,
  assignmentGradebook: (course: string, assignment: string) => `/courses/${enc(course)}/assignments/${enc(assignment)}/gradebook`,
  submission: (submission: string) => `/submissions/${enc(submission)}`,
  queue: () => '/queue',
  admin: () => '/admin',
} as const;

/** Staff of the course (an administrator counts, member or not). */
export function isStaffView(course: Course, isAdmin: boolean): boolean {
  return course.myRole === 'instructor' || course.myRole === 'ta' || (course.myRole === null && isAdmin);
}

type CoursePageName = 'course' | 'setup' | 'gradebook' | 'queue';

export function CourseStaffNav(props: { course: string; current: CoursePageName }): JSX.Element {
  const links: Array<[CoursePageName, string, string]> = [
    ['course', 'Assignments', staffPaths.course(props.course)],
    ['setup', 'Set-up', staffPaths.setup(props.course)],
    ['gradebook', 'Gradebook', staffPaths.gradebook(props.course)],
    ['queue', 'Queue', staffPaths.courseQueue(props.course)],
  ];
  return <StaffLinks label="Course staff pages" links={links} current={props.current} />;
}

type AssignmentPageName = 'assignment' | 'graders' | 'testing' | 'regrade' | 'gradebook';

/** An assignment's staff pages as [name, link text, path], in the order pages show them. */
export function assignmentStaffLinks(course: string, assignment: string): Array<[AssignmentPageName, string, string]> {
  return [
    ['assignment', 'Assignment', staffPaths.assignment(course, assignment)],
    ['graders', 'Graders', staffPaths.graders(course, assignment)],
    ['testing', 'Testing', staffPaths.graderTests(course, assignment)],
    ['regrade', 'Regrade', staffPaths.regrade(course, assignment)],
    ['gradebook', 'Grades', staffPaths.assignmentGradebook(course, assignment)],
  ];
}

export function AssignmentStaffNav(props: { course: string; assignment: string; current: AssignmentPageName }): JSX.Element {
  return <StaffLinks label="Assignment staff pages" links={assignmentStaffLinks(props.course, props.assignment)} current={props.current} />;
}

function StaffLinks<Name extends string>(props: { label: string; links: Array<[Name, string, string]>; current: Name }): JSX.Element {
  return (
    <nav class="staff" aria-label={props.label}>
      <ul>
        {props.links.map(([name, text, href]) => (
          <li>
            <a href={href} aria-current={name === props.current ? 'page' : undefined} safe>
              {text}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
