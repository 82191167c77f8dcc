import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, CourseParams, GradeEventsQuery } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Releasing and withdrawing grades, and the feed of released grade events (docs/course-workflow.md "Release and visibility"). */
export function releaseRoutes(app: TypedApp, platform: Platform): void {
  app.post(
    '/api/courses/:course/assignments/:assignment/release',
    {
      schema: {
        tags: ['grades'],
        summary: 'Release the assignment’s grades to students (instructors, `manage`); 409 `already-released` when they are',
        params: AssignmentParams,
      },
    },
    async (request) => platform.releaseGrades(actorOf(request), request.params.course, request.params.assignment),
  );
  app.post(
    '/api/courses/:course/assignments/:assignment/withdraw',
    {
      schema: {
        tags: ['grades'],
        summary: 'Hide the assignment’s scores from students again (instructors, `manage`); 409 `not-released` when they are hidden',
        params: AssignmentParams,
      },
    },
    async (request) => platform.withdrawGrades(actorOf(request), request.params.course, request.params.assignment),
  );
  app.get(
    '/api/courses/:course/grade-events',
    {
      schema: {
        tags: ['grades'],
        summary: 'Released grade events after a seq, in seq order (staff): releases, withdrawals and changes of released grades',
        params: CourseParams,
        querystring: GradeEventsQuery,
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const events = await platform.listGradeEvents(actorOf(request), request.params.course, {
        ...(after === undefined ? {} : { after: Number(after) }),
        ...(limit === undefined ? {} : { limit: Number(limit) }),
      });
      return { events, next: events.at(-1)?.seq ?? Number(after ?? 0) };
    },
  );
}
