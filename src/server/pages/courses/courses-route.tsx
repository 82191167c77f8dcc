/** `/`: the signed-in user's courses. */
import type { FastifyInstance } from 'fastify';
import type { Course } from '../../../platform/model.ts';
import { Layout, type PageContext } from '../../web/layout.tsx';
import { pageActor, pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { WEB_ROUTE } from '../../web/web-session.ts';

function CoursesPage(props: { ctx: PageContext; courses: Course[] }): JSX.Element {
  return (
    <Layout ctx={props.ctx} title="My courses">
      <h1>My courses</h1>
      {props.courses.length === 0 ? (
        <p>You are not in any course yet. Your instructor adds you.</p>
      ) : (
        <ul class="cards">
          {props.courses.map((course) => (
            <li class="card">
              <h2>
                <a href={`/courses/${encodeURIComponent(course.id)}`} safe>
                  {course.title}
                </a>
              </h2>
              <p class="muted">
                <span safe>{course.id}</span> · <span>{course.myRole ?? 'admin'}</span>
              </p>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

export function coursesPage(app: FastifyInstance, deps: WebDeps): void {
  app.get('/', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const courses = await deps.platform.listCourses(pageActor(request));
    return sendPage(reply, <CoursesPage ctx={pageContext(request, deps.assets)} courses={courses} />);
  });
}
