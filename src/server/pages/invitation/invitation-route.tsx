/** An invitation link: the invitee chooses their password (docs/web.md). */
import type { FastifyInstance } from 'fastify';
import { InvalidInput } from '../../../platform/errors.ts';
import { Layout, Time, type PageContext } from '../../web/layout.tsx';
import { pageContext, sendPage, type WebDeps } from '../../web/web-context.ts';
import { isSecure, sameToken, signInCookieName, signInToken, WEB_ROUTE } from '../../web/web-session.ts';

function InvitationForm(props: { ctx: PageContext; login: string; expiresAt: string; action: string; token: string; error?: string }): JSX.Element {
  return (
    <Layout ctx={props.ctx} title="Choose your password">
      <h1>Choose your password</h1>
      <p>
        This invitation is for <strong safe>{props.login}</strong>; it works once, until <Time iso={props.expiresAt} />.
      </p>
      {props.error !== undefined && (
        <div class="notice error" role="alert">
          <p safe>{props.error}</p>
        </div>
      )}
      <form method="post" action={props.action} class="card">
        <input type="hidden" name="_csrf" value={props.token} />
        <input type="text" name="username" value={props.login} autocomplete="username" readonly hidden />
        <label for="password">New password (at least 10 characters)</label>
        <input type="password" id="password" name="password" autocomplete="new-password" minlength="10" required />
        <label for="confirm">The same password again</label>
        <input type="password" id="confirm" name="confirm" autocomplete="new-password" minlength="10" required />
        <p>
          <button type="submit">Set my password</button>
        </p>
      </form>
    </Layout>
  );
}

export function invitationPage(app: FastifyInstance, deps: WebDeps): void {
  app.get('/invitations/:token', { config: WEB_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const invitation = await deps.platform.describeInvitation(token);
    const csrf = signInToken(request, reply, isSecure(request, deps.options));
    const action = `/invitations/${encodeURIComponent(token)}`;
    return sendPage(reply, <InvitationForm ctx={pageContext(request, deps.assets)} login={invitation.login} expiresAt={invitation.expiresAt} action={action} token={csrf} />);
  });

  app.post('/invitations/:token', { config: { ...WEB_ROUTE, signInForm: true }, schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const body = (request.body ?? {}) as Record<string, unknown>;
    const secure = isSecure(request, deps.options);
    const invitation = await deps.platform.describeInvitation(token);
    const again = async (error: string, status: number) => {
      const csrf = signInToken(request, reply, secure);
      const page = <InvitationForm ctx={pageContext(request, deps.assets)} login={invitation.login} expiresAt={invitation.expiresAt} action={`/invitations/${encodeURIComponent(token)}`} token={csrf} error={error} />;
      return sendPage(reply, page, status);
    };
    if (!sameToken(typeof body._csrf === 'string' ? body._csrf : undefined, request.cookies[signInCookieName(secure)])) {
      return again('This form expired or was not sent by gradebox. Please try again.', 403);
    }
    const password = typeof body.password === 'string' ? body.password : '';
    if (password !== body.confirm) return again('The two passwords differ.', 400);
    try {
      await deps.platform.acceptInvitation(token, password);
    } catch (error) {
      if (error instanceof InvalidInput) return again(error.message, 400);
      throw error;
    }
    return reply.redirect('/sign-in?password-set', 303);
  });
}
