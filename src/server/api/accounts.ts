import type { Platform } from '../../platform/platform.ts';
import { actorOf } from '../auth.ts';
import { IdParams, LoginParams, NewTokenBody, NewUserBody } from '../schemas.ts';
import type { TypedApp } from '../typed-app.ts';

/** Who am I, users and API tokens. */
export function accountRoutes(app: TypedApp, platform: Platform): void {
  app.get('/api/whoami', { schema: { tags: ['accounts'], summary: 'The caller, their scopes and courses' } }, (request) =>
    platform.whoami(actorOf(request)),
  );
  app.get('/api/limits', { schema: { tags: ['graders'], summary: 'Grader limits this server allows' } }, () => platform.limits);
  app.get('/api/users', { schema: { tags: ['accounts'], summary: 'All users (admins)' } }, async (request) => ({
    users: await platform.listUsers(actorOf(request)),
  }));
  app.post('/api/users', { schema: { tags: ['accounts'], summary: 'Create a user (admins)', body: NewUserBody } }, async (request, reply) => {
    reply.status(201);
    return platform.createUser(actorOf(request), request.body);
  });
  app.post(
    '/api/users/:login/tokens',
    { schema: { tags: ['accounts'], summary: 'Issue an API token (shown once)', params: LoginParams, body: NewTokenBody } },
    async (request, reply) => {
      reply.status(201);
      return platform.issueToken(actorOf(request), { login: request.params.login, ...request.body });
    },
  );
  app.get('/api/users/:login/tokens', { schema: { tags: ['accounts'], summary: "A user's tokens (never their values)", params: LoginParams } }, async (request) => ({
    tokens: await platform.listTokens(actorOf(request), request.params.login),
  }));
  app.delete(
    '/api/users/:login/tokens',
    { schema: { tags: ['accounts'], summary: 'Revoke every token of a user (admins, or the user)', params: LoginParams } },
    async (request) => ({ login: request.params.login, revoked: await platform.revokeUserTokens(actorOf(request), request.params.login) }),
  );
  app.delete('/api/tokens/:id', { schema: { tags: ['accounts'], summary: 'Revoke a token and the tokens minted from it', params: IdParams } }, async (request, reply) => {
    await platform.revokeToken(actorOf(request), request.params.id);
    return reply.status(204).send();
  });
}

