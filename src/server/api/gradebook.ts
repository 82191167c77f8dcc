import { Readable } from 'node:stream';
import { exportCsv, exportJson } from '../../platform/grade-export.ts';
import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, CourseParams, GradeExportQuery, GradeLogQuery, OverrideBody, OverrideParams, OverrideRemoveQuery } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Grade overrides, the grade log and grade export (docs/course-workflow.md "Overrides", "The grade log", "Export"). */
export function gradebookRoutes(app: TypedApp, platform: Platform): void {
  app.put(
    '/api/courses/:course/assignments/:assignment/overrides/:login',
    { schema: { tags: ['grades'], summary: "Set a student's part points or assignment grade by hand, with a reason (staff, `manage`)", params: OverrideParams, body: OverrideBody } },
    (request) => {
      const { course, assignment, login } = request.params;
      const { part, value, reason } = request.body;
      return platform.setGradeOverride(actorOf(request), course, assignment, login, { partId: part ?? null, value, reason });
    },
  );
  app.delete(
    '/api/courses/:course/assignments/:assignment/overrides/:login',
    { schema: { tags: ['grades'], summary: 'Remove an override (`?part=`: of a part; else of the assignment grade) (staff, `manage`)', params: OverrideParams, querystring: OverrideRemoveQuery } },
    (request) => {
      const { course, assignment, login } = request.params;
      return platform.removeGradeOverride(actorOf(request), course, assignment, login, { partId: request.query.part ?? null, reason: request.query.reason });
    },
  );
  app.get(
    '/api/courses/:course/assignments/:assignment/grade-log',
    { schema: { tags: ['grades'], summary: 'The grade log of an assignment (staff: all, or ?login=; students: their own released entries)', params: AssignmentParams, querystring: GradeLogQuery } },
    async (request) => ({
      entries: await platform.listGradeLog(actorOf(request), request.params.course, { assignmentId: request.params.assignment, ...(request.query.login === undefined ? {} : { login: request.query.login }) }),
    }),
  );
  app.get(
    '/api/courses/:course/grade-log',
    { schema: { tags: ['grades'], summary: 'The grade log of the whole course (staff: all, or ?login=; students: their own released entries)', params: CourseParams, querystring: GradeLogQuery } },
    async (request) => ({
      entries: await platform.listGradeLog(actorOf(request), request.params.course, request.query.login === undefined ? {} : { login: request.query.login }),
    }),
  );
  app.get(
    '/api/courses/:course/grades/export',
    { schema: { tags: ['grades'], summary: 'Export grades as CSV (default) or JSON, the whole course or ?assignment= (staff), streamed', params: CourseParams, querystring: GradeExportQuery } },
    async (request, reply) => {
      const { course } = request.params;
      const data = await platform.exportGrades(actorOf(request), course, request.query.assignment === undefined ? {} : { assignmentId: request.query.assignment });
      const name = `${course}${request.query.assignment === undefined ? '' : `-${request.query.assignment}`}-grades`;
      if (request.query.format === 'json') return reply.type('application/json; charset=utf-8').send(Readable.from(exportJson(data)));
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .send(Readable.from(exportCsv(data)));
    },
  );
}
