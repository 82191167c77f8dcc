import type { CourseFile } from '../../platform/model.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { ApplyQuery, AssignmentParams, CourseFileBody, CourseParams } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Courses, members, assignments and the declarative course file. */
export function courseRoutes(app: TypedApp, platform: Platform): void {
  app.post(
    '/api/apply',
    { schema: { tags: ['courses'], summary: 'Apply a course file (idempotent)', body: CourseFileBody, querystring: ApplyQuery } },
    async (request) => ({
      // The schema leaves the late rules to the platform's checker, which checks the whole file.
      changes: await platform.applyCourseFile(actorOf(request), request.body as CourseFile, {
        dryRun: request.query.dryRun ?? false,
        prune: request.query.prune ?? false,
      }),
    }),
  );
  app.get('/api/courses', { schema: { tags: ['courses'], summary: "The caller's courses" } }, async (request) => ({
    courses: await platform.listCourses(actorOf(request)),
  }));
  app.get('/api/courses/:course', { schema: { tags: ['courses'], summary: 'One course', params: CourseParams } }, (request) =>
    platform.getCourse(actorOf(request), request.params.course),
  );
  app.get('/api/courses/:course/members', { schema: { tags: ['courses'], summary: 'Members (staff)', params: CourseParams } }, async (request) => ({
    members: await platform.listMembers(actorOf(request), request.params.course),
  }));
  app.get('/api/courses/:course/assignments', { schema: { tags: ['courses'], summary: 'Assignments with parts', params: CourseParams } }, async (request) => ({
    assignments: await platform.listAssignments(actorOf(request), request.params.course),
  }));
  app.get(
    '/api/courses/:course/assignments/:assignment',
    { schema: { tags: ['courses'], summary: 'One assignment with parts and graders', params: AssignmentParams } },
    (request) => platform.getAssignment(actorOf(request), request.params.course, request.params.assignment),
  );
}
