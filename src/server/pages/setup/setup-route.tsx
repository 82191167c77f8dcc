/**
 * `/courses/:course/setup` (staffPaths.setup): members and roles, assignments and parts, the
 * course file (upload → preview → apply) and invitation links. Staff read it; what each may change
 * is Platform's rule (getSetupRights; setMember, removeMember, createInvitation and the course
 * file's apply refuse everyone else with 403 whatever the form sends).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Forbidden, NotFound } from '../../../platform/errors.ts';
import type { Actor, Course } from '../../../platform/model.ts';
import { staffPaths } from '../../web/staff-nav.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { checkCourseFileFor, CourseFileProblems, readCourseFileForm } from './course-file-form.ts';
import { SetupPage } from './setup-page.tsx';
import { AppliedPage, InvitationPage, PreviewPage, ProblemsPage } from './setup-results.tsx';

const ROUTE = { config: WEB_ROUTE, schema: { hide: true } } as const;
const PATH = '/courses/:course/setup';

type CourseParams = { course: string };
type MemberParams = { course: string; login: string };

/** A form field as a string (absent or repeated: undefined, which Platform refuses with 400). */
function field(request: FastifyRequest, name: string): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function setupPage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;

  /** The course, with the caller's right to change it checked before a byte of an upload is read. */
  async function changeableCourse(actor: Actor, courseId: string): Promise<Course> {
    const course = await platform.getCourse(actor, courseId);
    const rights = await platform.getSetupRights(actor, courseId);
    if (!rights.changeSetup) throw new Forbidden(`only instructors of ${courseId} may change the course set-up`);
    return course;
  }

  const backToMembers = (course: string): string => `${staffPaths.setup(course)}#members`;

  app.get(PATH, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId } = request.params as CourseParams;
    const course = await platform.getCourse(actor, courseId);
    const rights = await platform.getSetupRights(actor, courseId);
    const [members, assignments] = await Promise.all([platform.listMembers(actor, courseId), platform.listAssignments(actor, courseId)]);
    const ctx = pageContext(request, deps.assets);
    return sendPage(reply, <SetupPage ctx={ctx} course={course} rights={rights} members={members} assignments={assignments} />);
  });

  app.post(`${PATH}/members`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course } = request.params as CourseParams;
    await platform.setMember(actor, course, { login: field(request, 'login')?.trim(), role: field(request, 'role'), displayName: field(request, 'displayName')?.trim() });
    return reply.redirect(backToMembers(course), 303);
  });

  app.post(`${PATH}/members/:login/role`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course, login } = request.params as MemberParams;
    // A member's row changes their role; it never adds someone (the add form does).
    if (!(await platform.listMembers(actor, course)).some((m) => m.login === login)) throw new NotFound(`'${login}' is not a member of ${course}`);
    await platform.setMember(actor, course, { login, role: field(request, 'role') });
    return reply.redirect(backToMembers(course), 303);
  });

  app.post(`${PATH}/members/:login/remove`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course, login } = request.params as MemberParams;
    await platform.removeMember(actor, course, login);
    return reply.redirect(backToMembers(course), 303);
  });

  // Not post/redirect/get: the link is a secret shown once, never put in a URL or a cache.
  app.post(`${PATH}/members/:login/invitation`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId, login } = request.params as MemberParams;
    const course = await platform.getCourse(actor, courseId);
    const members = await platform.listMembers(actor, courseId);
    if (!members.some((m) => m.login === login)) throw new NotFound(`'${login}' is not a member of ${courseId}`);
    const invitation = await platform.createInvitation(actor, login);
    const link = `${request.protocol}://${request.host}/invitations/${invitation.token}`;
    reply.header('cache-control', 'no-store');
    const ctx = pageContext(request, deps.assets);
    return sendPage(reply, <InvitationPage ctx={ctx} course={course} login={login} link={link} expiresAt={invitation.expiresAt} />);
  });

  // The preview is a dry run of apply (the very same code, rolled back) with its plan: the
  // confirmation carries the file back and applies it only if it still makes exactly these changes.
  app.post(`${PATH}/course-file`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId } = request.params as CourseParams;
    const course = await changeableCourse(actor, courseId);
    const ctx = pageContext(request, deps.assets);
    const form = await readCourseFileForm(request);
    try {
      const file = checkCourseFileFor(courseId, form);
      const { changes, plan } = await platform.previewCourseFile(actor, file, { prune: form.prune });
      const content = Buffer.from(form.text, 'utf8').toString('base64');
      return sendPage(reply, <PreviewPage ctx={ctx} course={course} name={form.name} content={content} prune={form.prune} plan={plan} changes={changes} />);
    } catch (error) {
      if (!(error instanceof CourseFileProblems)) throw error;
      return sendPage(reply, <ProblemsPage ctx={ctx} course={course} file={error.file} issues={error.issues} />, 400);
    }
  });

  app.post(`${PATH}/course-file/apply`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId } = request.params as CourseParams;
    const course = await changeableCourse(actor, courseId);
    const ctx = pageContext(request, deps.assets);
    const form = await readCourseFileForm(request);
    try {
      const file = checkCourseFileFor(courseId, form);
      const changes = await platform.applyPreviewedCourseFile(actor, file, { prune: form.prune, plan: form.plan ?? '' });
      const applied = await platform.getCourse(actor, courseId);
      return sendPage(reply, <AppliedPage ctx={ctx} course={applied} name={form.name} changes={changes} />);
    } catch (error) {
      if (!(error instanceof CourseFileProblems)) throw error;
      return sendPage(reply, <ProblemsPage ctx={ctx} course={course} file={error.file} issues={error.issues} />, 400);
    }
  });
}
