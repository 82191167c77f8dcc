import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, ExtensionParams, GrantExtensionBody, LateStatusQuery } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Extensions and the late status of an assignment (docs/course-workflow.md, "Late policy"). */
export function lateRuleRoutes(app: TypedApp, platform: Platform): void {
  app.get(
    '/api/courses/:course/assignments/:assignment/extensions',
    { schema: { tags: ['late rules'], summary: 'Extensions (staff: all; students: their own)', params: AssignmentParams } },
    async (request) => ({ extensions: await platform.listExtensions(actorOf(request), request.params.course, request.params.assignment) }),
  );
  app.put(
    '/api/courses/:course/assignments/:assignment/extensions/:login',
    { schema: { tags: ['late rules'], summary: "Grant or move a student's extension (staff, `manage`)", params: ExtensionParams, body: GrantExtensionBody } },
    (request) => {
      const { course, assignment, login } = request.params;
      return platform.grantExtension(actorOf(request), course, assignment, login, request.body.until);
    },
  );
  app.delete(
    '/api/courses/:course/assignments/:assignment/extensions/:login',
    { schema: { tags: ['late rules'], summary: "Revoke a student's extension (staff, `manage`)", params: ExtensionParams } },
    (request) => {
      const { course, assignment, login } = request.params;
      return platform.revokeExtension(actorOf(request), course, assignment, login);
    },
  );
  app.get(
    '/api/courses/:course/assignments/:assignment/late-status',
    {
      schema: {
        tags: ['late rules'],
        summary: 'The penalty a submission now would get, and whether it would be refused (yours; staff: any member with ?login=)',
        params: AssignmentParams,
        querystring: LateStatusQuery,
      },
    },
    (request) => platform.getLateStatus(actorOf(request), request.params.course, request.params.assignment, request.query.login),
  );
}
