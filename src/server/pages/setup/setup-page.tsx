/** The set-up page's template: members and roles, assignments and parts, the course file's upload form. */
import { describeLatePolicy } from '../../../platform/late-policy.ts';
import type { Assignment, Course, Member, Role } from '../../../platform/model.ts';
import { ROLES } from '../../../platform/model.ts';
import type { SetupRights } from '../../../platform/course-members.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { assignmentStaffLinks, CourseStaffNav, staffPaths } from '../../web/staff-nav.tsx';
import { MAX_COURSE_FILE_BYTES } from './course-file-form.ts';

export interface SetupView {
  ctx: PageContext;
  course: Course;
  rights: SetupRights;
  members: Member[];
  assignments: Assignment[];
}

const ROLE_NAMES: Record<Role, string> = { instructor: 'instructor', ta: 'TA', student: 'student' };

/** The form paths of the page, beside staffPaths.setup (the page itself). */
export const setupForms = {
  members: (course: string) => `${staffPaths.setup(course)}/members`,
  role: (course: string, login: string) => `${staffPaths.setup(course)}/members/${encodeURIComponent(login)}/role`,
  remove: (course: string, login: string) => `${staffPaths.setup(course)}/members/${encodeURIComponent(login)}/remove`,
  invite: (course: string, login: string) => `${staffPaths.setup(course)}/members/${encodeURIComponent(login)}/invitation`,
  preview: (course: string) => `${staffPaths.setup(course)}/course-file`,
  apply: (course: string) => `${staffPaths.setup(course)}/course-file/apply`,
};

export function Csrf(props: { ctx: PageContext }): JSX.Element {
  return <input type="hidden" name="_csrf" value={props.ctx.csrfToken ?? ''} />;
}

function RoleSelect(props: { id: string; selected: Role; label?: string }): JSX.Element {
  return (
    <select id={props.id} name="role" aria-label={props.label}>
      {ROLES.map((role) => (
        <option value={role} selected={role === props.selected} safe>
          {ROLE_NAMES[role]}
        </option>
      ))}
    </select>
  );
}

function MemberActions(props: { view: SetupView; member: Member }): JSX.Element {
  const { view, member } = props;
  const course = view.course.id;
  const self = member.login === view.ctx.user?.login;
  return (
    <div class="setup-actions">
      {view.rights.changeSetup && (
        <form method="post" action={setupForms.role(course, member.login)}>
          <Csrf ctx={view.ctx} />
          <RoleSelect id={`role-${member.login}`} selected={member.role} label={`Role of ${member.login}`} />
          <button type="submit" class="secondary" aria-label={`Change role of ${member.login}`}>
            Change role
          </button>
        </form>
      )}
      {view.rights.changeSetup && !self && (
        <form method="post" action={setupForms.remove(course, member.login)}>
          <Csrf ctx={view.ctx} />
          <button type="submit" class="secondary" aria-label={`Remove ${member.login} from the course`}>
            Remove
          </button>
        </form>
      )}
      {view.rights.inviteRoles.includes(member.role) && !self && (
        <form method="post" action={setupForms.invite(course, member.login)}>
          <Csrf ctx={view.ctx} />
          <button type="submit" aria-label={`Invite ${member.login}: create a one-time sign-in link`}>
            Invite
          </button>
        </form>
      )}
    </div>
  );
}

function Members(props: { view: SetupView }): JSX.Element {
  const { view } = props;
  const actions = view.rights.changeSetup || view.rights.inviteRoles.length > 0;
  return (
    <section aria-labelledby="members">
      <h2 id="members">Members and roles</h2>
      <div class="filters">
        <label for="members-search" hidden>
          Search members
        </label>
        <input type="search" id="members-search" data-filter="members-table" hidden />
        <label for="members-role" hidden>
          Show role
        </label>
        <select id="members-role" data-filter="members-table" data-filter-attr="role" hidden>
          <option value="">every role</option>
          {ROLES.map((role) => (
            <option value={role} safe>
              {ROLE_NAMES[role]}
            </option>
          ))}
        </select>
        <span data-filter-count="members-table" class="muted"></span>
      </div>
      <div class="table-wrap">
        <table id="members-table" data-sortable>
          <caption>Members of the course ({view.members.length})</caption>
          <thead>
            <tr>
              <th scope="col">Login</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              {actions && (
                <th scope="col" data-nosort>
                  Actions
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {view.members.map((member) => (
              <tr data-role={member.role}>
                <td safe>{member.login}</td>
                <td safe>{member.displayName}</td>
                <td safe>{ROLE_NAMES[member.role]}</td>
                {actions && (
                  <td>
                    <MemberActions view={view} member={member} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {view.rights.changeSetup && (
        <form method="post" action={setupForms.members(view.course.id)} class="card">
          <h3>Add a member, or change a role</h3>
          <Csrf ctx={view.ctx} />
          <label for="new-login">Login</label>
          <input type="text" id="new-login" name="login" required maxlength="64" autocomplete="off" aria-describedby="new-login-help" />
          <p id="new-login-help" class="muted">
            Lower-case letters, digits, ".", "_" or "-". A login that is no user yet becomes one.
          </p>
          <label for="new-name">Display name (for a new user; optional)</label>
          <input type="text" id="new-name" name="displayName" maxlength="200" autocomplete="off" />
          <label for="new-role">Role</label>
          <RoleSelect id="new-role" selected="student" />
          <p>
            <button type="submit">Add member</button>
          </p>
        </form>
      )}
      {view.rights.inviteRoles.length > 0 && (
        <p class="muted">
          "Invite" creates a one-time link with which the member chooses their web password; it is shown once and works for 72 hours.
        </p>
      )}
    </section>
  );
}

function partsTotal(assignment: Assignment): number {
  return assignment.parts.reduce((sum, part) => sum + part.points, 0);
}

function Assignments(props: { view: SetupView }): JSX.Element {
  const { view } = props;
  const course = view.course.id;
  return (
    <section aria-labelledby="assignments">
      <h2 id="assignments">Assignments and parts</h2>
      {view.assignments.length === 0 ? (
        <p>No assignments yet: add them with a course file (below).</p>
      ) : (
        <>
          <div class="filters">
            <label for="assignments-search" hidden>
              Search assignments
            </label>
            <input type="search" id="assignments-search" data-filter="assignments-table" hidden />
            <span data-filter-count="assignments-table" class="muted"></span>
          </div>
          <div class="table-wrap">
            <table id="assignments-table" data-sortable>
              <caption>Assignments of the course ({view.assignments.length})</caption>
              <thead>
                <tr>
                  <th scope="col">Assignment</th>
                  <th scope="col" data-nosort>
                    Parts (points)
                  </th>
                  <th scope="col">Points</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Autograde</th>
                  <th scope="col">Deadline</th>
                  <th scope="col">Late policy</th>
                  <th scope="col" data-nosort>
                    Staff pages
                  </th>
                </tr>
              </thead>
              <tbody>
                {view.assignments.map((a) => (
                  <tr>
                    <td data-sort={a.id}>
                      <a href={staffPaths.assignment(course, a.id)} safe>
                        {a.title}
                      </a>{' '}
                      <span class="muted" safe>
                        ({a.id})
                      </span>
                    </td>
                    <td>
                      <ul class="setup-parts">
                        {a.parts.map((part) => (
                          <li>
                            <span safe>{`${part.id}: ${part.title} (${part.points})`}</span>
                            {part.published === null && <span class="muted"> no grader</span>}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td safe>{String(partsTotal(a))}</td>
                    <td>{a.trigger === 'completion' ? `on completion${a.completeAt === null ? '' : ' (automatic)'}` : 'every submission'}</td>
                    <td safe>{a.autograde}</td>
                    <td data-sort={a.deadline ?? ''}>{a.deadline === null ? 'none' : <Time iso={a.deadline} />}</td>
                    <td>
                      <span safe>{describeLatePolicy(a.latePolicy)}</span>
                      {a.cutoff !== null && (
                        <>
                          ; cutoff <Time iso={a.cutoff} />
                        </>
                      )}
                    </td>
                    <td>
                      <ul class="setup-links">
                        {assignmentStaffLinks(course, a.id)
                          .filter(([name]) => name !== 'assignment')
                          .map(([, text, href]) => (
                            <li>
                              <a href={href} safe>
                                {text}
                              </a>
                            </li>
                          ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function CourseFileUpload(props: { view: SetupView }): JSX.Element {
  const { view } = props;
  const csrf = encodeURIComponent(view.ctx.csrfToken ?? '');
  return (
    <section aria-labelledby="course-file">
      <h2 id="course-file">The course file</h2>
      <p>
        Upload a course file (YAML or JSON, the format of <code>gradebox apply</code>; see <code>examples/course.yaml</code>). You see what it would
        change first, and apply it only after that.
      </p>
      <form method="post" enctype="multipart/form-data" action={`${setupForms.preview(view.course.id)}?csrf=${csrf}`} class="card">
        <label for="course-file-input">Course file (at most {MAX_COURSE_FILE_BYTES / 1024} KiB)</label>
        <input type="file" id="course-file-input" name="file" accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml" required />
        <p>
          <input type="checkbox" id="prune" name="prune" />{' '}
          <label for="prune" class="setup-inline">
            Also remove members, assignments and parts the file does not list (refused for ones with submissions)
          </label>
        </p>
        <p>
          <button type="submit">Preview the changes</button>
        </p>
      </form>
    </section>
  );
}

export function SetupPage(props: SetupView): JSX.Element {
  const { course, rights } = props;
  return (
    <Layout ctx={props.ctx} title={`Set-up: ${course.title}`} scripts={['tables.js']} wide>
      <nav aria-label="Breadcrumb">
        <a href="/">My courses</a> › <a href={staffPaths.course(course.id)} safe>{course.title}</a>
      </nav>
      <h1 safe>{`Set-up of ${course.title}`}</h1>
      <CourseStaffNav course={course.id} current="setup" />
      {!rights.changeSetup && <p class="notice">You can see the course's set-up; only its instructors change it.</p>}
      <Members view={props} />
      <Assignments view={props} />
      {rights.changeSetup && <CourseFileUpload view={props} />}
    </Layout>
  );
}
