/**
 * `/courses/:course/assignments/:assignment`: deadline and late rule now, the upload form, the
 * attempts, completion and the grade's derivation. The upload goes through the same intake and
 * the same Platform checks as the API's submission route (src/server/api/submissions.ts).
 */
import type { FastifyInstance } from 'fastify';
import { receiveSubmission } from '../../../intake/receive-submission.ts';
import { InvalidInput } from '../../../platform/errors.ts';
import { summarizeAssignment } from '../course/course-route.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { formFiles } from '../../web/upload-form.tsx';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { AssignmentPage } from './assignment-page.tsx';

export function assignmentPage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;
  const PATH = '/courses/:course/assignments/:assignment';

  app.get(PATH, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId, assignment: assignmentId } = request.params as { course: string; assignment: string };
    const course = await platform.getCourse(actor, courseId);
    const assignment = await platform.getAssignment(actor, courseId, assignmentId);
    const summary = await summarizeAssignment(platform, actor, course, assignment);
    const submissions = course.myRole === 'student' ? await platform.listSubmissions(actor, courseId, assignmentId, { login: actor.login }) : [];
    const page = (
      <AssignmentPage
        ctx={pageContext(request, deps.assets)}
        course={course}
        assignment={assignment}
        late={summary.late}
        completion={summary.completion}
        grade={summary.grade}
        submissions={submissions}
        now={new Date()}
      />
    );
    return sendPage(reply, page);
  });

  app.post(`${PATH}/submissions`, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment } = request.params as { course: string; assignment: string };
    // Refuse before a byte of the files is stored, as the API does.
    await platform.assertCanSubmit(actor, course, assignment);
    if (!request.isMultipart()) throw new InvalidInput('send the files with the form (multipart/form-data)');
    const files = await receiveSubmission(formFiles(request.parts()), deps.blobs, deps.intakeLimits);
    const submission = await platform.submit(actor, { courseId: course, assignmentId: assignment, files }, 'student');
    return reply.redirect(`/submissions/${encodeURIComponent(submission.id)}`, 303);
  });

  app.post(`${PATH}/complete`, { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course, assignment } = request.params as { course: string; assignment: string };
    await platform.complete(actor, course, assignment);
    return reply.redirect(`/courses/${encodeURIComponent(course)}/assignments/${encodeURIComponent(assignment)}`, 303);
  });
}
