/**
 * Sign-in, sessions, CSRF and headers of the web interface over real HTTP against a real server
 * (SQLite data directory, no workers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testImage } from '../support/test-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { WebClient } from './web-client.ts';

let t: TestServer;
const PASSWORD = 'a long enough passphrase';

const COURSE = {
  course: { id: 'cs101', title: 'Intro <to> "Programming"' },
  members: [
    { login: 'alice', role: 'instructor' },
    { login: 'sam', role: 'student' },
    { login: 'sue', role: 'student' },
    { login: 'rita', role: 'student' },
  ],
  assignments: [
    { id: 'hw1', title: 'Homework 1', deadline: '2030-01-01T00:00:00Z', parts: [{ id: 'p1', points: 10 }] },
    { id: 'final', title: 'Final project', trigger: 'completion', parts: [{ id: 'p1', points: 10 }] },
  ],
};

beforeAll(async () => {
  t = await startTestServer({ web: { signInLimits: { perLogin: 3, perAddress: 50, windowMs: 60_000 } } });
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  const alice = await t.tokenFor('alice', ['read', 'submit', 'author']);
  const imageId = await t.uploadImage(alice, 'cs101', testImage('coursera-sh'));
  expect((await t.as(alice)('POST', '/api/courses/cs101/assignments/hw1/parts/p1/graders', { imageId })).status).toBe(201);
  expect((await t.as(alice)('POST', '/api/courses/cs101/assignments/hw1/publish')).status).toBe(200);
  expect((await t.as(alice)('POST', '/api/courses/cs101/assignments/final/parts/p1/graders', { imageId })).status).toBe(201);
  expect((await t.as(alice)('POST', '/api/courses/cs101/assignments/final/publish')).status).toBe(200);
  for (const login of ['sam', 'sue', 'rita']) expect((await t.admin('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('pages and headers', () => {
  it('serves the sign-in page with a strict CSP and no inline script or style', async () => {
    const page = await new WebClient(t.url).get('/sign-in');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page.text).not.toMatch(/\sstyle=/);
    expect(page.text).toContain('<label for="login">');
  });

  it('serves assets by content hash with a long cache, htmx under 100 KB', async () => {
    const web = new WebClient(t.url);
    const page = await web.get('/sign-in');
    const urls = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) {
      expect(url).toMatch(/\.[0-9a-f]{12}\.(css|js)$/);
      const asset = await web.get(url);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await web.get('/assets/app.000000000000.css')).status).toBe(404);
    // Every script a page may load, htmx and its SSE extension included, stays under 100 KB.
    const { loadAssets } = await import('../../src/server/web/assets.ts');
    const assets = loadAssets();
    expect(assets.app.body.length + assets.htmx.body.length + assets.htmxSse.body.length).toBeLessThan(100 * 1024);
  });

  it('sends signed-out visitors to sign in, and back where they were going', async () => {
    const web = new WebClient(t.url);
    const answer = await web.get('/courses/cs101');
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/sign-in?next=%2Fcourses%2Fcs101');
    const form = await web.get('/sign-in?next=%2Fcourses%2Fcs101');
    const signIn = await web.request('POST', '/sign-in', { form: { _csrf: WebClient.hidden(form.text, '_csrf'), login: 'sam', password: PASSWORD, next: '/courses/cs101' } });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/courses/cs101');
    const course = await web.get('/courses/cs101');
    expect(course.status).toBe(200);
    // The title is escaped, never markup.
    expect(course.text).toContain('Intro &lt;to> &#34;Programming&#34;');
    expect(course.text).not.toContain('<to>');
  });

  it('answers unknown pages with a 404 page, unknown API paths as the API does', async () => {
    const web = new WebClient(t.url);
    const page = await web.get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('there is no page /no/such/page');
    const api = await web.get('/api/no-such-route');
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/json/);
    expect((await t.admin('GET', '/api/no-such-route')).status).toBe(404);
  });

  it('never redirects off the site after sign-in', async () => {
    for (const next of ['//evil.example/', '/\\evil.example', 'https://evil.example/']) {
      const web = new WebClient(t.url);
      const form = await web.get('/sign-in');
      const signIn = await web.request('POST', '/sign-in', { form: { _csrf: WebClient.hidden(form.text, '_csrf'), login: 'sam', password: PASSWORD, next } });
      expect(signIn.headers.get('location')).toBe('/');
    }
  });
});

describe('sessions', () => {
  it('sets an HttpOnly, SameSite cookie holding a new random id at each sign-in (no fixation)', async () => {
    const web = new WebClient(t.url);
    web.cookies.set('gradebox-session', 'planted-by-an-attacker');
    const answer = await web.signIn('sam', PASSWORD);
    expect(answer.status).toBe(303);
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('gradebox-session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    const id = web.cookies.get('gradebox-session')!;
    expect(id).not.toBe('planted-by-an-attacker');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const second = new WebClient(t.url);
    await second.signIn('sam', PASSWORD);
    expect(second.cookies.get('gradebox-session')).not.toBe(id);
  });

  it('a copied cookie is useless after sign-out', async () => {
    const web = new WebClient(t.url);
    await web.signIn('sue', PASSWORD);
    const stolen = web.cookies.get('gradebox-session')!;
    const home = await web.get('/');
    expect(home.status).toBe(200);
    const out = await web.request('POST', '/sign-out', { form: { _csrf: WebClient.hidden(home.text, '_csrf') } });
    expect(out.status).toBe(303);
    const thief = new WebClient(t.url);
    thief.cookies.set('gradebox-session', stolen);
    const replay = await thief.get('/');
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/sign-in/);
  });

  it('"sign out everywhere" ends every session of the user', async () => {
    const laptop = new WebClient(t.url);
    const phone = new WebClient(t.url);
    await laptop.signIn('sue', PASSWORD);
    await phone.signIn('sue', PASSWORD);
    const home = await laptop.get('/');
    expect((await laptop.request('POST', '/sign-out-everywhere', { form: { _csrf: WebClient.hidden(home.text, '_csrf') } })).status).toBe(303);
    expect((await phone.get('/')).status).toBe(303);
  });

  it('session cookies do not open the API, and API tokens keep working', async () => {
    const web = new WebClient(t.url);
    await web.signIn('sam', PASSWORD);
    expect((await web.get('/api/whoami')).status).toBe(401);
    const token = await t.tokenFor('sam');
    expect((await t.as(token)('GET', '/api/whoami')).status).toBe(200);
  });

  it('limits failed sign-ins per login, with a clear message', async () => {
    const web = new WebClient(t.url);
    for (let i = 0; i < 3; i++) expect((await web.signIn('rita', 'wrong password!!')).status).toBe(401);
    const refused = await web.signIn('rita', PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.text).toMatch(/Too many failed sign-ins for this login. Try again in 1 minute/);
    // Another login from the same address is not held back.
    expect((await new WebClient(t.url).signIn('sam', PASSWORD)).status).toBe(303);
  });

  it('says the same for a wrong password and an unknown login', async () => {
    const a = await new WebClient(t.url).signIn('sam', 'not the password');
    const b = await new WebClient(t.url).signIn('nobody-here', 'not the password');
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.text).toContain('Wrong login or password.');
    expect(b.text).toContain('Wrong login or password.');
  });
});

describe('CSRF', () => {
  it('refuses forms without the session token, from another origin or another site', async () => {
    const web = new WebClient(t.url);
    await web.signIn('sam', PASSWORD);
    const home = await web.get('/');
    const csrf = WebClient.hidden(home.text, '_csrf');
    expect((await web.request('POST', '/sign-out', { form: {} })).status).toBe(403);
    expect((await web.request('POST', '/sign-out', { form: { _csrf: 'x'.repeat(43) } })).status).toBe(403);
    expect((await web.request('POST', '/sign-out', { form: { _csrf: csrf }, headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await web.request('POST', '/sign-out', { form: { _csrf: csrf }, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    // Still signed in after all of those.
    expect((await web.get('/')).status).toBe(200);
    const refused = await web.request('POST', '/courses/cs101/assignments/hw1/submissions', { body: new FormData() });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('refuses a sign-in form without its token (login CSRF)', async () => {
    const answer = await new WebClient(t.url).request('POST', '/sign-in', { form: { login: 'sam', password: PASSWORD } });
    expect(answer.status).toBe(403);
  });
});

describe('invitations', () => {
  it('lets the invitee choose a password once', async () => {
    const alice = await t.tokenFor('alice', ['read', 'manage']);
    const created = await t.as(alice)<{ path: string; token: string }>('POST', '/api/users/sam/invitations', { expiresInHours: 1 });
    expect(created.status).toBe(201);
    const web = new WebClient(t.url);
    const form = await web.get(created.body.path);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<strong>sam</strong>');
    const csrf = WebClient.hidden(form.text, '_csrf');
    const differ = await web.request('POST', created.body.path, { form: { _csrf: csrf, password: 'new passphrase 1', confirm: 'new passphrase 2' } });
    expect(differ.status).toBe(400);
    const set = await web.request('POST', created.body.path, { form: { _csrf: csrf, password: 'new passphrase 1', confirm: 'new passphrase 1' } });
    expect(set.status).toBe(303);
    expect((await web.get(created.body.path)).status).toBe(404);
    expect((await new WebClient(t.url).signIn('sam', 'new passphrase 1')).status).toBe(303);
    expect((await t.admin('PUT', '/api/users/sam/password', { password: PASSWORD })).status).toBe(204);
  });

  it('students cannot invite, nor set passwords', async () => {
    const sue = await t.tokenFor('sue', ['read', 'submit', 'manage']);
    expect((await t.as(sue)('POST', '/api/users/sam/invitations', {})).status).toBe(403);
    expect((await t.as(sue)('PUT', '/api/users/sam/password', { password: 'x'.repeat(12) })).status).toBe(403);
  });
});

describe('permissions on pages', () => {
  it("answers another student's submission with a 403 page, a course one is not in with 404", async () => {
    const samToken = await t.tokenFor('sam');
    const form = new FormData();
    form.append('file', new Blob(['print(1)\n']), 'main.py');
    const submitted = await t.as(samToken)<{ id: string }>('POST', '/api/courses/cs101/assignments/hw1/submissions', form);
    expect(submitted.status).toBe(201);
    const sue = new WebClient(t.url);
    await sue.signIn('sue', PASSWORD);
    const theirs = await sue.get(`/submissions/${submitted.body.id}`);
    // The Platform's rule, the same as the API's: a classmate's submission is forbidden.
    expect(theirs.status).toBe(403);
    expect(theirs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(theirs.text).not.toContain('print(1)');
    expect((await sue.get('/courses/nope')).status).toBe(404);
    const sam = new WebClient(t.url);
    await sam.signIn('sam', PASSWORD);
    const own = await sam.get(`/submissions/${submitted.body.id}`);
    expect(own.status).toBe(200);
    expect(own.text).toContain('main.py');
    // Nobody grades here (no workers): the part waits, first in line.
    expect(own.text).toContain('queued: next in line');

    // The live status: HTML fragments for htmx; at most 8 streams open per user.
    const cookie = [...sam.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const streams: AbortController[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const abort = new AbortController();
        streams.push(abort);
        const stream = await fetch(`${t.url}/submissions/${submitted.body.id}/live`, { headers: { cookie }, signal: abort.signal });
        expect(stream.status).toBe(200);
        expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
        if (i === 0) {
          const reader = stream.body!.getReader();
          const first = (await reader.read()).value as Uint8Array | undefined;
          expect(new TextDecoder().decode(first)).toMatch(/^event: status\ndata: /);
        }
      }
      const refused = await sam.get(`/submissions/${submitted.body.id}/live`);
      expect(refused.status).toBe(429);
      expect(refused.text).toContain('live status pages open');
    } finally {
      for (const abort of streams) abort.abort();
    }
    expect((await sue.get(`/submissions/${submitted.body.id}/live`)).status).toBe(403);
  });
});

describe('completion and grades', () => {
  it('marks the work complete from the assignment page, with the token, once', async () => {
    const sue = new WebClient(t.url);
    await sue.signIn('sue', PASSWORD);
    const page = await sue.get('/courses/cs101/assignments/final');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Mark complete');
    const csrf = WebClient.hidden(page.text, '_csrf');
    expect((await sue.request('POST', '/courses/cs101/assignments/final/complete', { form: {} })).status).toBe(403);
    const done = await sue.request('POST', '/courses/cs101/assignments/final/complete', { form: { _csrf: csrf } });
    expect(done.status).toBe(303);
    const after = await sue.get('/courses/cs101/assignments/final');
    expect(after.text).not.toContain('Mark complete');
    expect(after.text).toContain('Your work is completed');
    expect(after.text).toContain('Your grade');
    expect(after.text).toContain('Final grade');
    const again = await sue.request('POST', '/courses/cs101/assignments/final/complete', { form: { _csrf: csrf } });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('behind an HTTPS proxy (secure cookies)', () => {
  it('names the cookies __Host- and marks them Secure', async () => {
    const secure = await startTestServer({ web: { options: { secureCookies: true } } });
    try {
      expect((await secure.admin('POST', '/api/users', { login: 'pat' })).status).toBe(201);
      expect((await secure.admin('PUT', '/api/users/pat/password', { password: PASSWORD })).status).toBe(204);
      const web = new WebClient(secure.url);
      const form = await web.get('/sign-in');
      expect(form.headers.getSetCookie().join('\n')).toMatch(/^__Host-gradebox-sign-in=[^;]+;.*Secure/m);
      const signIn = await web.request('POST', '/sign-in', { form: { _csrf: WebClient.hidden(form.text, '_csrf'), login: 'pat', password: PASSWORD, next: '/' } });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith('__Host-gradebox-session='))!;
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).not.toMatch(/Domain=/i);
      expect((await web.get('/')).status).toBe(200);
      // The plain-HTTP cookie name means nothing to this server.
      const plain = new WebClient(secure.url);
      plain.cookies.set('gradebox-session', web.cookies.get('__Host-gradebox-session')!);
      expect((await plain.get('/')).status).toBe(303);
    } finally {
      await secure.close();
    }
  });
});
