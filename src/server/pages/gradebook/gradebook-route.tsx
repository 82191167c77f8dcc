/**
 * `/courses/:course/gradebook` (every student's final grades, and its CSV) and
 * `/courses/:course/assignments/:assignment/gradebook` (students × parts, statistics, overrides,
 * extensions, release, the grade log, and its CSV). Every read and write goes through the same
 * Platform methods as the JSON API (src/server/api/gradebook.ts, grades.ts, release.ts,
 * late-rules.ts); the CSV is the API's export (`exportGrades` + `exportCsv`), with a session.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InvalidInput } from '../../../platform/errors.ts';
import { exportCsv } from '../../../platform/grade-export.ts';
import type { Actor, Assignment } from '../../../platform/model.ts';
import type { Platform } from '../../../platform/platform.ts';
import { staffPaths } from '../../web/staff-nav.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { AssignmentGradebookPage, DONE_NOTICES, type DoneNotice } from './assignment-gradebook-page.tsx';
import { CourseGradebookPage } from './course-gradebook-page.tsx';

type CourseParams = { course: string };
type AssignmentParams = { course: string; assignment: string };
const ROUTE = { config: WEB_ROUTE, schema: { hide: true } } as const;

/** A form field as one string ('' when absent); a repeated field is refused. */
export function formField(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new InvalidInput(`${name}: send it once, as text`, { field: name });
  return value;
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

/** Points as typed: a decimal number (the sign and range are Platform's rule, with its message). */
export function formPoints(text: string): number {
  const trimmed = text.trim();
  if (!NUMBER.test(trimmed)) throw new InvalidInput(`points: ${JSON.stringify(text)} is not a number (write e.g. 7.5)`, { field: 'points' });
  return Number(trimmed);
}

/** A `datetime-local` value is a UTC time (the form says so); anything else goes to Platform as typed. */
export function formUntil(text: string): string {
  const trimmed = text.trim();
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(trimmed) ? `${trimmed}${trimmed.length === 16 ? ':00' : ''}Z` : trimmed;
}

/** The log page asked for (`?log=`), 1 when absent. */
function logPage(query: unknown): number {
  const raw = (query as Record<string, unknown>).log;
  if (raw === undefined) return 1;
  if (typeof raw !== 'string' || !/^[1-9]\d{0,5}$/.test(raw)) throw new InvalidInput('log: a page number (1, 2, …)', { field: 'log' });
  return Number(raw);
}

function doneNotice(query: unknown): DoneNotice | null {
  const raw = (query as Record<string, unknown>).done;
  return typeof raw === 'string' && Object.hasOwn(DONE_NOTICES, raw) ? (raw as DoneNotice) : null;
}

/** The login typed into a form, which must name a student of the course (else 400, naming it). */
async function formStudent(platform: Platform, actor: Actor, courseId: string, body: unknown): Promise<string> {
  const login = formField(body, 'login').trim();
  if (login === '') throw new InvalidInput('login: say which student (their login)', { field: 'login' });
  const members = await platform.listMembers(actor, courseId);
  if (!members.some((m) => m.login === login && m.role === 'student')) throw new InvalidInput(`login: there is no student '${login}' in ${courseId}`, { field: 'login' });
  return login;
}

/** The part chosen in a form: '' is the assignment grade (null); else one of the assignment's parts (else 400). */
function formPart(assignment: Assignment, body: unknown): string | null {
  const part = formField(body, 'part');
  if (part === '') return null;
  if (!assignment.parts.some((p) => p.id === part)) throw new InvalidInput(`part: ${assignment.id} has no part '${part}'`, { field: 'part' });
  return part;
}

async function sendCsv(reply: FastifyReply, platform: Platform, actor: Actor, courseId: string, assignmentId?: string): Promise<FastifyReply> {
  const data = await platform.exportGrades(actor, courseId, assignmentId === undefined ? {} : { assignmentId });
  const name = `${courseId}${assignmentId === undefined ? '' : `-${assignmentId}`}-grades`;
  return reply
    .type('text/csv; charset=utf-8; header=present')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(Readable.from(exportCsv(data)));
}

export function gradebookPages(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const COURSE = '/courses/:course/gradebook';
  const ASSIGNMENT = '/courses/:course/assignments/:assignment/gradebook';

  app.get(COURSE, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId } = request.params as CourseParams;
    const course = await platform.getCourse(actor, courseId);
    const book = await platform.getCourseGradebook(actor, courseId);
    const page = <CourseGradebookPage ctx={pageContext(request, deps.assets)} course={course} book={book} exportUrl={`${staffPaths.gradebook(courseId)}/export.csv`} />;
    return sendPage(reply, page);
  });

  app.get(`${COURSE}/export.csv`, ROUTE, async (request, reply) => {
    const { course } = request.params as CourseParams;
    return sendCsv(reply, platform, pageActor(request), course);
  });

  app.get(ASSIGNMENT, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId, assignment: assignmentId } = request.params as AssignmentParams;
    const page = logPage(request.query);
    const course = await platform.getCourse(actor, courseId);
    const assignment = await platform.getAssignment(actor, courseId, assignmentId);
    // Staff only: listMembers refuses students (403) before any grade is read.
    const members = await platform.listMembers(actor, courseId);
    const [grades, extensions, log] = await Promise.all([
      platform.listGrades(actor, courseId, assignmentId),
      platform.listExtensions(actor, courseId, assignmentId),
      platform.listGradeLog(actor, courseId, { assignmentId }),
    ]);
    const view = (
      <AssignmentGradebookPage
        ctx={pageContext(request, deps.assets)}
        course={course}
        assignment={assignment}
        grades={grades}
        names={new Map(members.map((m) => [m.login, m.displayName]))}
        extensions={new Map(extensions.map((e) => [e.login, e]))}
        log={log.reverse()}
        logPage={page}
        done={doneNotice(request.query)}
      />
    );
    return sendPage(reply, view);
  });

  app.get(`${ASSIGNMENT}/export.csv`, ROUTE, async (request, reply) => {
    const { course, assignment } = request.params as AssignmentParams;
    return sendCsv(reply, platform, pageActor(request), course, assignment);
  });

  const back = (reply: FastifyReply, courseId: string, assignmentId: string, done: DoneNotice, anchor = 'log'): FastifyReply =>
    reply.redirect(`${staffPaths.assignmentGradebook(courseId, assignmentId)}?done=${done}#${anchor}`, 303);

  app.post(`${ASSIGNMENT}/override`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment: assignmentId } = request.params as AssignmentParams;
    const assignment = await platform.getAssignment(actor, course, assignmentId);
    const login = await formStudent(platform, actor, course, request.body);
    const partId = formPart(assignment, request.body);
    const value = formPoints(formField(request.body, 'points'));
    const outcome = await platform.setGradeOverride(actor, course, assignmentId, login, { partId, value, reason: formField(request.body, 'reason') });
    return back(reply, course, assignmentId, outcome.warnings.length > 0 ? 'override-extra' : 'override');
  });

  app.post(`${ASSIGNMENT}/override/remove`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment: assignmentId } = request.params as AssignmentParams;
    const assignment = await platform.getAssignment(actor, course, assignmentId);
    const login = await formStudent(platform, actor, course, request.body);
    const partId = formPart(assignment, request.body);
    const reason = formField(request.body, 'reason');
    await platform.removeGradeOverride(actor, course, assignmentId, login, { partId, reason: reason.trim() === '' ? undefined : reason });
    return back(reply, course, assignmentId, 'override-removed');
  });

  app.post(`${ASSIGNMENT}/extension`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment } = request.params as AssignmentParams;
    const login = await formStudent(platform, actor, course, request.body);
    const until = formField(request.body, 'until');
    if (until.trim() === '') throw new InvalidInput('until: choose the new due date', { field: 'until' });
    await platform.grantExtension(actor, course, assignment, login, formUntil(until));
    return back(reply, course, assignment, 'extension');
  });

  app.post(`${ASSIGNMENT}/extension/remove`, ROUTE, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment } = request.params as AssignmentParams;
    const login = await formStudent(platform, actor, course, request.body);
    await platform.revokeExtension(actor, course, assignment, login);
    return back(reply, course, assignment, 'extension-removed');
  });

  app.post(`${ASSIGNMENT}/release`, ROUTE, async (request, reply) => {
    const { course, assignment } = request.params as AssignmentParams;
    await platform.releaseGrades(pageActor(request), course, assignment);
    return back(reply, course, assignment, 'released', 'main');
  });

  app.post(`${ASSIGNMENT}/withdraw`, ROUTE, async (request, reply) => {
    const { course, assignment } = request.params as AssignmentParams;
    await platform.withdrawGrades(pageActor(request), course, assignment);
    return back(reply, course, assignment, 'withdrawn', 'main');
  });
}
