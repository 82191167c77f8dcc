/** The administrator's page: every user and every course, with forms to add users, set passwords and create courses. */
import type { Course, User } from '../../../platform/model.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { staffPaths } from '../../web/staff-nav.tsx';

export interface AdminView {
  ctx: PageContext;
  users: User[];
  courses: Course[];
  /** A one-line outcome of the last form (post/redirect/get), from the query string. */
  notice: string | null;
}

function Csrf(props: { ctx: PageContext }): JSX.Element {
  return <input type="hidden" name="_csrf" value={props.ctx.csrfToken ?? ''} />;
}

export function AdminPage(view: AdminView): JSX.Element {
  const { ctx } = view;
  return (
    <Layout ctx={ctx} title="Administration" scripts={['tables.js']}>
      <h1>Administration</h1>
      {view.notice !== null && (
        <div class="notice ok" role="status">
          <p safe>{view.notice}</p>
        </div>
      )}

      <section aria-labelledby="courses-heading">
        <h2 id="courses-heading">Courses</h2>
        {view.courses.length === 0 ? (
          <p>No courses yet.</p>
        ) : (
          <ul>
            {view.courses.map((course) => (
              <li>
                <a href={staffPaths.course(course.id)} safe>
                  {course.title}
                </a>{' '}
                (<code safe>{course.id}</code>) · <a href={staffPaths.setup(course.id)}>set-up</a>
              </li>
            ))}
          </ul>
        )}
        <form method="post" action="/admin/courses" class="card">
          <Csrf ctx={ctx} />
          <h3>Create a course</h3>
          <label for="course-id">Course id (lower-case letters, digits, dots, dashes and underscores; e.g. cs101-2027)</label>
          <input type="text" id="course-id" name="id" required maxlength="64" pattern="[a-z0-9][a-z0-9._\-]*" />
          <label for="course-title">Title</label>
          <input type="text" id="course-title" name="title" required maxlength="200" />
          <label for="course-instructor">Its first instructor's login (made a user if new)</label>
          <input type="text" id="course-instructor" name="instructor" required maxlength="64" />
          <p class="muted">Then add members, assignments and parts on the course's set-up page, or apply a course file.</p>
          <button type="submit">Create the course</button>
        </form>
      </section>

      <section aria-labelledby="users-heading">
        <h2 id="users-heading">Users</h2>
        <div class="filters">
          <label for="users-filter" hidden>
            Filter users
          </label>
          <input type="search" id="users-filter" data-filter="users" hidden />
          <span data-filter-count="users" aria-live="polite"></span>
        </div>
        <div class="table-wrap">
          <table id="users" data-sortable>
            <caption>Every user</caption>
            <thead>
              <tr>
                <th scope="col">Login</th>
                <th scope="col">Name</th>
                <th scope="col">Administrator</th>
                <th scope="col">Since</th>
                <th scope="col" data-nosort>
                  Password
                </th>
              </tr>
            </thead>
            <tbody>
              {view.users.map((user) => (
                <tr>
                  <th scope="row" safe>
                    {user.login}
                  </th>
                  <td safe>{user.displayName}</td>
                  <td>{user.isAdmin ? 'yes' : 'no'}</td>
                  <td data-sort={user.createdAt}>
                    <Time iso={user.createdAt} />
                  </td>
                  <td>
                    <a href={`/admin/users/${encodeURIComponent(user.login)}/password`}>
                      Set password<span class="visually-hidden" safe>{` of ${user.login}`}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form method="post" action="/admin/users" class="card">
          <Csrf ctx={ctx} />
          <h3>Add a user</h3>
          <label for="user-login">Login</label>
          <input type="text" id="user-login" name="login" required maxlength="64" autocomplete="off" />
          <label for="user-name">Display name (default: the login)</label>
          <input type="text" id="user-name" name="displayName" maxlength="200" autocomplete="off" />
          <p>
            <input type="checkbox" id="user-admin" name="isAdmin" value="yes" /> <label for="user-admin" class="inline">Administrator</label>
          </p>
          <p class="muted">A new user signs in once they have a password: set one here, or invite them from a course's set-up page.</p>
          <button type="submit">Add the user</button>
        </form>
      </section>
    </Layout>
  );
}

export function PasswordPage(props: { ctx: PageContext; user: User; error?: string }): JSX.Element {
  const { ctx, user } = props;
  return (
    <Layout ctx={ctx} title={`Password of ${user.login}`}>
      <nav aria-label="Breadcrumb">
        <a href="/admin">Administration</a>
      </nav>
      <h1 safe>{`Password of ${user.displayName} (${user.login})`}</h1>
      {props.error !== undefined && (
        <div class="notice error" role="alert">
          <p safe>{props.error}</p>
        </div>
      )}
      <form method="post" action={`/admin/users/${encodeURIComponent(user.login)}/password`} class="card">
        <Csrf ctx={ctx} />
        <input type="text" name="username" value={user.login} autocomplete="username" readonly hidden />
        <label for="password">New password (10 to 1024 characters)</label>
        <input type="password" id="password" name="password" autocomplete="new-password" minlength="10" maxlength="1024" required />
        <label for="confirm">The same password again</label>
        <input type="password" id="confirm" name="confirm" autocomplete="new-password" minlength="10" maxlength="1024" required />
        <p class="muted">Setting a password ends all of the user's browser sessions.</p>
        <button type="submit">Set the password</button>
      </form>
    </Layout>
  );
}
