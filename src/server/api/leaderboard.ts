import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { AssignmentParams, CourseParams, PseudonymBody } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Pseudonyms and leaderboards (docs/course-workflow.md, "Leaderboard"). */
export function leaderboardRoutes(app: TypedApp, platform: Platform): void {
  app.get(
    '/api/courses/:course/pseudonym',
    { schema: { tags: ['leaderboard'], summary: 'Your pseudonym in the course (generated until you choose one)', params: CourseParams } },
    (request) => platform.getPseudonym(actorOf(request), request.params.course),
  );
  app.put(
    '/api/courses/:course/pseudonym',
    { schema: { tags: ['leaderboard'], summary: 'Choose your pseudonym (`submit`); null: back to a generated one', params: CourseParams, body: PseudonymBody } },
    (request) => platform.setPseudonym(actorOf(request), request.params.course, request.body.pseudonym),
  );
  app.get(
    '/api/courses/:course/assignments/:assignment/leaderboard',
    { schema: { tags: ['leaderboard'], summary: "The assignment's leaderboard (students: pseudonyms only)", params: AssignmentParams } },
    (request) => platform.getLeaderboard(actorOf(request), request.params.course, request.params.assignment),
  );
}
