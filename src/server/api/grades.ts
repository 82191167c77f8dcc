import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, CompletionBody, CompletionParams, GradeListQuery } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Completion (the "this is final" mark) and assignment grades with their derivation (docs/course-workflow.md). */
export function gradeRoutes(app: TypedApp, platform: Platform): void {
  app.post(
    '/api/courses/:course/assignments/:assignment/completions',
    {
      schema: {
        tags: ['grades'],
        summary: 'Complete work: your own (empty body), one student’s (`login`, staff) or every student’s (`all`, staff); it is graded',
        params: AssignmentParams,
        body: CompletionBody,
      },
    },
    async (request) => platform.complete(actorOf(request), request.params.course, request.params.assignment, request.body),
  );
  app.get(
    '/api/courses/:course/assignments/:assignment/completions',
    { schema: { tags: ['grades'], summary: 'Completions (staff: all; students: their own)', params: AssignmentParams } },
    async (request) => ({ completions: await platform.listCompletions(actorOf(request), request.params.course, request.params.assignment) }),
  );
  app.delete(
    '/api/courses/:course/assignments/:assignment/completions/:login',
    { schema: { tags: ['grades'], summary: 'Un-complete a student’s work (staff); completing again grades again', params: CompletionParams } },
    async (request) => platform.uncomplete(actorOf(request), request.params.course, request.params.assignment, request.params.login),
  );
  app.get(
    '/api/courses/:course/assignments/:assignment/grades',
    { schema: { tags: ['grades'], summary: 'Assignment grades with their derivation (staff: all students; students: their own)', params: AssignmentParams, querystring: GradeListQuery } },
    async (request) => ({
      grades: await platform.listGrades(actorOf(request), request.params.course, request.params.assignment, request.query.login === undefined ? {} : { login: request.query.login }),
    }),
  );
}
