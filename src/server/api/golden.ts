import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, GoldenParams, NewGoldenBody } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Golden submissions (docs/course-workflow.md "Golden submissions"); publish checks them (src/server/api/graders.ts). */
export function goldenRoutes(app: TypedApp, platform: Platform): void {
  app.get(
    '/api/courses/:course/assignments/:assignment/goldens',
    { schema: { tags: ['goldens'], summary: "The assignment's golden submissions, each with its state against the newest drafts (staff)", params: AssignmentParams } },
    async (request) => ({ goldens: await platform.listGoldens(actorOf(request), request.params.course, request.params.assignment) }),
  );
  app.post(
    '/api/courses/:course/assignments/:assignment/goldens',
    { schema: { tags: ['goldens'], summary: 'Pin a submission as golden with its expected per-part results (staff, `author`)', params: AssignmentParams, body: NewGoldenBody } },
    async (request, reply) => {
      const { course, assignment } = request.params;
      const golden = await platform.pinGolden(actorOf(request), { courseId: course, assignmentId: assignment, ...request.body });
      reply.status(201);
      return golden;
    },
  );
  app.delete(
    '/api/courses/:course/assignments/:assignment/goldens/:golden',
    { schema: { tags: ['goldens'], summary: 'Unpin a golden submission (staff, `author`)', params: GoldenParams } },
    (request) => platform.unpinGolden(actorOf(request), request.params.course, request.params.assignment, request.params.golden),
  );
  app.post(
    '/api/courses/:course/assignments/:assignment/golden-runs',
    { schema: { tags: ['goldens'], summary: 'Grade copies of the goldens with the newest drafts they were not graded by (staff, `author`)', params: AssignmentParams } },
    (request) => platform.runGoldens(actorOf(request), request.params.course, request.params.assignment),
  );
}
