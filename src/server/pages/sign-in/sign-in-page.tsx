import { Layout, type PageContext } from '../../web/layout.tsx';

export function SignInForm(props: { ctx: PageContext; token: string; next: string; login?: string; error?: string; notice?: string }): JSX.Element {
  return (
    <Layout ctx={props.ctx} title="Sign in">
      <h1>Sign in</h1>
      {props.notice !== undefined && (
        <div class="notice ok" role="status">
          <p safe>{props.notice}</p>
        </div>
      )}
      {props.error !== undefined && (
        <div class="notice error" role="alert" id="sign-in-error">
          <p safe>{props.error}</p>
        </div>
      )}
      <form method="post" action="/sign-in" class="card">
        <input type="hidden" name="_csrf" value={props.token} />
        <input type="hidden" name="next" value={props.next} />
        <label for="login">Login</label>
        <input type="text" id="login" name="login" autocomplete="username" required value={props.login ?? ''} autofocus />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
      <p class="muted">
        No password yet? Your administrator sets one for you, or sends you an invitation link to choose your own.
      </p>
    </Layout>
  );
}
