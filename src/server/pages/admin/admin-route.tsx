/**
 * `/admin`: users and courses, for administrators (Platform refuses everyone else: `listUsers`,
 * `createUser`, `setPassword` and `createCourse` are administrators').
 * With it and a course's set-up page, a course is started without a terminal.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidInput, NotFound } from '../../../platform/errors.ts';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { staffPaths } from '../../web/staff-nav.tsx';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { AdminPage, PasswordPage } from './admin-page.tsx';

/** A form field as one trimmed string ('' when absent; a repeated field is refused). */
function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new InvalidInput(`send "${name}" once, as text`);
  return value.trim();
}

export function adminPage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const notices: Record<string, (name: string) => string> = {
    'user-added': (login) => `User ${login} added. Set their password, or invite them from a course's set-up page.`,
    'password-set': (login) => `The password of ${login} is set; their browser sessions ended.`,
  };

  app.get('/admin', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const users = await platform.listUsers(actor);
    const courses = await platform.listCourses(actor);
    const query = request.query as Record<string, unknown>;
    const kind = typeof query.done === 'string' ? query.done : '';
    const who = typeof query.login === 'string' ? query.login : '';
    const notice = notices[kind]?.(who) ?? null;
    return sendPage(reply, <AdminPage ctx={pageContext(request, deps.assets)} users={users} courses={courses} notice={notice} />);
  });

  app.post('/admin/users', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const login = field(request.body, 'login');
    const displayName = field(request.body, 'displayName');
    const isAdmin = field(request.body, 'isAdmin') === 'yes';
    const user = await platform.createUser(actor, { login, ...(displayName === '' ? {} : { displayName }), isAdmin });
    return reply.redirect(`/admin?done=user-added&login=${encodeURIComponent(user.login)}`, 303);
  });

  const userOf = async (request: Parameters<typeof pageActor>[0]) => {
    const actor = pageActor(request);
    const { login } = request.params as { login: string };
    const user = (await platform.listUsers(actor)).find((u) => u.login === login);
    if (!user) throw new NotFound(`there is no user ${login}`);
    return { actor, user };
  };

  app.get('/admin/users/:login/password', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const { user } = await userOf(request);
    return sendPage(reply, <PasswordPage ctx={pageContext(request, deps.assets)} user={user} />);
  });

  app.post('/admin/users/:login/password', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const { actor, user } = await userOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    // Not trimmed: spaces may belong to a password.
    const password = typeof body.password === 'string' ? body.password : '';
    const again = (error: string) => sendPage(reply, <PasswordPage ctx={pageContext(request, deps.assets)} user={user} error={error} />, 400);
    if (password !== body.confirm) return again('The two passwords differ.');
    try {
      await platform.setPassword(actor, user.login, password);
    } catch (error) {
      if (error instanceof InvalidInput) return again(error.message);
      throw error;
    }
    return reply.redirect(`/admin?done=password-set&login=${encodeURIComponent(user.login)}`, 303);
  });

  app.post('/admin/courses', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const id = field(request.body, 'id');
    const title = field(request.body, 'title');
    const instructor = field(request.body, 'instructor');
    if (id === '' || title === '' || instructor === '') throw new InvalidInput('a course needs an id, a title and its first instructor');
    await platform.createCourse(actor, { id, title, instructor });
    return reply.redirect(staffPaths.setup(id), 303);
  });
}
