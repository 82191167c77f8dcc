/** A small browser stand-in for page tests over HTTP: a cookie jar, forms, no redirects followed. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, path: string, init: { form?: Record<string, string>; body?: FormData; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | FormData | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.body) body = init.body;
    const response = await fetch(this.base + path, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request('GET', path, { headers });
  }

  /** The value of a hidden input `name` in a page. */
  static hidden(html: string, name: string): string {
    const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
    if (!match) throw new Error(`no hidden input ${name} in the page`);
    return match[1]!;
  }

  /** Signs in through the form; returns the page answer to the POST. */
  async signIn(login: string, password: string): Promise<{ status: number; headers: Headers; text: string }> {
    const form = await this.get('/sign-in');
    return this.request('POST', '/sign-in', { form: { _csrf: WebClient.hidden(form.text, '_csrf'), login, password, next: '/' } });
  }
}
