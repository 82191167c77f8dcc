import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { LoginParams } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

const PasswordBody = Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
const InvitationBody = Type.Object({ expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })) }, { additionalProperties: false });

/** Web sign-in, managed through the API (docs/web.md): passwords set by admins, invitation links, sign-out everywhere. */
export function passwordRoutes(app: TypedApp, platform: Platform): void {
  app.put(
    '/api/users/:login/password',
    { schema: { tags: ['accounts'], summary: "Set a user's web password (admins); ends their web sessions", params: LoginParams, body: PasswordBody } },
    async (request, reply) => {
      await platform.setPassword(actorOf(request), request.params.login, request.body.password);
      return reply.status(204).send();
    },
  );
  app.post(
    '/api/users/:login/invitations',
    {
      schema: {
        tags: ['accounts'],
        summary: 'A one-time link to set a web password (admins; instructors for their students and TAs)',
        params: LoginParams,
        body: Type.Optional(InvitationBody),
      },
    },
    async (request, reply) => {
      const invitation = await platform.createInvitation(actorOf(request), request.params.login, request.body ?? {});
      reply.status(201);
      return { ...invitation, path: `/invitations/${invitation.token}` };
    },
  );
  app.delete(
    '/api/users/:login/sessions',
    { schema: { tags: ['accounts'], summary: 'End every web session of a user (admins, or the user)', params: LoginParams } },
    async (request) => ({ login: request.params.login, ended: await platform.signOutEverywhere(actorOf(request), request.params.login) }),
  );
}
