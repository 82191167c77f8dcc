/** The frame of every page: landmarks, the header with sign-out, the stylesheet and scripts (all external). */
import type { Children } from '@kitajs/html';
import type { Assets } from './assets.ts';

export interface PageUser {
  login: string;
  displayName: string;
  isAdmin: boolean;
}

/** What every page template gets. */
export interface PageContext {
  assets: Assets;
  /** Null when signed out. */
  user: PageUser | null;
  /** The session's CSRF token for the header's sign-out forms. */
  csrfToken: string | null;
}

/**
 * `scripts`: page scripts of assets/web/ by file name (`tables.js`), for the pages that need them.
 * `wide`: tables wider than the reading column (the gradebook).
 */
export function Layout(props: { ctx: PageContext; title: string; children?: Children; htmx?: boolean; scripts?: string[]; wide?: boolean }): JSX.Element {
  const { ctx } = props;
  const pageScripts = (props.scripts ?? []).map((name) => {
    const asset = ctx.assets.pageScripts[name];
    if (!asset) throw new Error(`no page script assets/web/${name}`);
    return asset.url;
  });
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {/* htmx must not inject its indicator styles: the CSP allows no inline style. */}
          <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}' />
          <title safe>{`${props.title} · gradebox`}</title>
          <link rel="stylesheet" href={ctx.assets.css.url} />
          <script src={ctx.assets.app.url} defer></script>
          {props.htmx === true && (
            <>
              <script src={ctx.assets.htmx.url} defer></script>
              <script src={ctx.assets.htmxSse.url} defer></script>
            </>
          )}
          {pageScripts.map((url) => (
            <script src={url} defer></script>
          ))}
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="site">
            <a class="brand" href="/">
              gradebox
            </a>
            {ctx.user !== null && ctx.csrfToken !== null && (
              <nav aria-label="Account">
                <ul>
                  <li>
                    <a href="/">My courses</a>
                  </li>
                  {ctx.user.isAdmin && (
                    <>
                      <li>
                        <a href="/admin">Administration</a>
                      </li>
                      <li>
                        <a href="/queue">Queue</a>
                      </li>
                    </>
                  )}
                  <li class="muted">
                    Signed in as <strong safe>{ctx.user.displayName}</strong> (<span safe>{ctx.user.login}</span>)
                  </li>
                  <li>
                    <form method="post" action="/sign-out">
                      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                      <button type="submit" class="secondary">
                        Sign out
                      </button>
                    </form>
                  </li>
                  <li>
                    <form method="post" action="/sign-out-everywhere">
                      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                      <button type="submit" class="link">
                        Sign out everywhere
                      </button>
                    </form>
                  </li>
                </ul>
              </nav>
            )}
          </header>
          <main id="main" tabindex="-1" class={props.wide === true ? 'wide' : undefined}>
            {props.children}
          </main>
          <footer class="site">
            <p>gradebox. Times are shown in your time zone; hover over one for UTC.</p>
          </footer>
        </body>
      </html>
    </>
  );
}

/** A time: UTC text without JavaScript, localized by app.js. */
export function Time(props: { iso: string }): JSX.Element {
  const utc = `${props.iso.slice(0, 16).replace('T', ' ')} UTC`;
  return (
    <time datetime={props.iso} safe>
      {utc}
    </time>
  );
}

/** "in 2 d 3 h" kept current by app.js; without it, the time itself says when. */
export function Countdown(props: { iso: string; now: Date }): JSX.Element {
  const seconds = Math.round((Date.parse(props.iso) - props.now.getTime()) / 1000);
  return (
    <span data-countdown={props.iso} safe>
      {describeSpan(seconds)}
    </span>
  );
}

export function describeSpan(seconds: number): string {
  const s = Math.abs(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

export function ErrorPage(props: { ctx: PageContext; status: number; title: string; message: string; signIn?: boolean }): JSX.Element {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <h1 safe>{props.title}</h1>
      <div class="notice error" role="alert">
        <p safe>{props.message}</p>
      </div>
      <p>
        {props.signIn === true ? <a href="/sign-in">Sign in</a> : <a href="/">Back to your courses</a>}
      </p>
    </Layout>
  );
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface HtmlInputTag {
      /** Chrome, Firefox and Safari: choose a whole folder (the files keep their relative paths). */
      webkitdirectory?: boolean;
    }
  }
}
