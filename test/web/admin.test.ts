/**
 * The administrator's page over real HTTP against a real server: users, passwords and new
 * courses; everyone else is refused by Platform's rules (403 pages), bad forms get 400 pages and
 * change nothing, and form values come back escaped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { WebClient } from './web-client.ts';

let t: TestServer;
const PASSWORD = 'a long enough passphrase';
let admin: WebClient;

async function signedIn(login: string, password = PASSWORD): Promise<WebClient> {
  const web = new WebClient(t.url);
  expect((await web.signIn(login, password)).status).toBe(303);
  return web;
}

/** Posts a form of `page` (its CSRF token) to `path`. */
async function post(web: WebClient, path: string, form: Record<string, string>, page = '/admin') {
  const csrf = WebClient.hidden((await web.get(page)).text, '_csrf');
  return web.request('POST', path, { form: { _csrf: csrf, ...form } });
}

async function users(): Promise<Array<{ login: string; displayName: string; isAdmin: boolean }>> {
  return ((await t.admin<{ users: Array<{ login: string; displayName: string; isAdmin: boolean }> }>('GET', '/api/users')).body).users;
}

beforeAll(async () => {
  t = await startTestServer();
  const course = { course: { id: 'cs101', title: 'Intro' }, members: [{ login: 'ines', role: 'instructor' }, { login: 'sam', role: 'student' }] };
  expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
  for (const login of ['admin', 'ines', 'sam']) expect((await t.admin('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);
  admin = await signedIn('admin');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the administration page', () => {
  it('lists users and courses, linked from the header for administrators only', async () => {
    const page = await admin.get('/admin');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<a href="/admin">Administration</a>');
    expect(page.text).toMatch(/<th scope="row">ines<\/th>/);
    expect(page.text).toContain('href="/courses/cs101/setup"');
    const student = await signedIn('sam');
    expect((await student.get('/')).text).not.toContain('href="/admin"');
  });

  it('refuses instructors and students with a 403 page, for reading and for every form', async () => {
    for (const login of ['ines', 'sam']) {
      const web = await signedIn(login);
      const page = await web.get('/admin');
      expect(page.status, login).toBe(403);
      expect(page.text).toContain('Not allowed');
      expect(page.text).not.toContain('<th scope="row">admin</th>');
      expect((await web.get('/admin/users/sam/password')).status).toBe(403);
      expect((await post(web, '/admin/users', { login: `by-${login}` }, '/')).status).toBe(403);
      expect((await post(web, '/admin/courses', { id: `c-${login}`, title: 'x', instructor: login }, '/')).status).toBe(403);
      expect((await post(web, '/admin/users/sam/password', { password: 'x'.repeat(12), confirm: 'x'.repeat(12) }, '/')).status).toBe(403);
    }
    expect((await users()).map((u) => u.login)).not.toContain('by-ines');
    expect((await t.admin('GET', '/api/courses/c-ines')).status).toBe(404);
    // sam's password is unchanged.
    await signedIn('sam');
  });

  it('adds a user; a taken or malformed login is a 400/409 page that changes nothing', async () => {
    const added = await post(admin, '/admin/users', { login: 'grace', displayName: 'Grace <Hopper>', isAdmin: 'yes' });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe('/admin?done=user-added&login=grace');
    const after = await admin.get(added.headers.get('location')!);
    expect(after.text).toContain('User grace added.');
    expect(after.text).toContain('Grace &lt;Hopper>');
    expect((await users()).find((u) => u.login === 'grace')).toMatchObject({ displayName: 'Grace <Hopper>', isAdmin: true });

    const taken = await post(admin, '/admin/users', { login: 'grace' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('already exists');
    const malformed = await post(admin, '/admin/users', { login: 'Bad Login!' });
    expect(malformed.status).toBe(400);
    expect((await users()).map((u) => u.login)).not.toContain('Bad Login!');
  });

  it('refuses a form without its CSRF token, and a notice in the address is only text', async () => {
    const forged = await admin.request('POST', '/admin/users', { form: { login: 'mallory' } });
    expect(forged.status).toBe(403);
    expect((await users()).map((u) => u.login)).not.toContain('mallory');
    const page = await admin.get('/admin?done=user-added&login=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).toContain('&lt;script>alert(1)');
    expect((await admin.get('/admin?done=%3Cb%3E')).text).not.toContain('notice ok');
  });

  it("sets a user's password: the new one works, a mismatch or a short one is a 400 page and changes nothing", async () => {
    expect((await admin.get('/admin/users/nobody/password')).status).toBe(404);
    const page = await admin.get('/admin/users/sam/password');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<label for="password">');
    const mismatch = await post(admin, '/admin/users/sam/password', { password: 'first passphrase', confirm: 'other passphrase' }, '/admin/users/sam/password');
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The two passwords differ.');
    const short = await post(admin, '/admin/users/sam/password', { password: 'short', confirm: 'short' }, '/admin/users/sam/password');
    expect(short.status).toBe(400);
    expect(short.text).toMatch(/10/);
    await signedIn('sam');
    const set = await post(admin, '/admin/users/sam/password', { password: 'a brand new passphrase', confirm: 'a brand new passphrase' }, '/admin/users/sam/password');
    expect(set.status).toBe(303);
    expect((await admin.get(set.headers.get('location')!)).text).toContain('The password of sam is set');
    expect((await new WebClient(t.url).signIn('sam', PASSWORD)).status).not.toBe(303);
    await signedIn('sam', 'a brand new passphrase');
  });

  it('creates a course with its first instructor and goes to its set-up; a taken id is a 409 page', async () => {
    const created = await post(admin, '/admin/courses', { id: 'cs202', title: 'Systems <2>', instructor: 'newprof' });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/courses/cs202/setup');
    const members = await t.admin<{ members: Array<{ login: string; role: string }> }>('GET', '/api/courses/cs202/members');
    expect(members.body.members).toEqual([expect.objectContaining({ login: 'newprof', role: 'instructor' })]);
    expect((await admin.get('/admin')).text).toContain('Systems &lt;2>');

    const taken = await post(admin, '/admin/courses', { id: 'cs101', title: 'Hijack', instructor: 'sam' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('exists already');
    const course = await t.admin<{ title: string }>('GET', '/api/courses/cs101');
    expect(course.body.title).toBe('Intro');
    expect((await t.admin<{ members: Array<{ login: string; role: string }> }>('GET', '/api/courses/cs101/members')).body.members.find((m) => m.login === 'sam')?.role).toBe('student');

    expect((await post(admin, '/admin/courses', { id: 'cs303', title: '', instructor: 'x' })).status).toBe(400);
    expect((await post(admin, '/admin/courses', { id: 'Not An Id', title: 'x', instructor: 'ines' })).status).toBe(400);
    expect((await t.admin('GET', '/api/courses/cs303')).status).toBe(404);
  });
});
