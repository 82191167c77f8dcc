/** `/courses/:course/queue` (the course's staff) and `/queue` (administrators: every course, with the workers). */
import type { FastifyInstance } from 'fastify';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';
import { QueuePage } from './queue-page.tsx';

export function queuePage(app: FastifyInstance, deps: WebDeps): void {
  const { platform } = deps;

  app.get('/courses/:course/queue', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const { course: courseId } = request.params as { course: string };
    // 404 for a course one is not in, 403 for its students: Platform's rules.
    const course = await platform.getCourse(actor, courseId);
    const overview = await platform.getQueueOverview(actor, course.id);
    return sendPage(reply, <QueuePage ctx={pageContext(request, deps.assets)} overview={overview} course={course} courses={[]} />);
  });

  app.get('/queue', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const actor = pageActor(request);
    const overview = await platform.getQueueOverview(actor);
    const courses = await platform.listCourses(actor);
    return sendPage(reply, <QueuePage ctx={pageContext(request, deps.assets)} overview={overview} course={null} courses={courses} />);
  });
}
