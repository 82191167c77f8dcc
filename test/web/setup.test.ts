/**
 * The course set-up page over real HTTP against a real server: who sees and changes what (TAs
 * read-only, students 403, strangers 404), members one at a time, invitation links, and the
 * course file's upload → preview → apply with every hostile input we could think of.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { WebClient } from './web-client.ts';

let t: TestServer;
const PASSWORD = 'a long enough passphrase';
const SETUP = '/courses/cs101/setup';

const COURSE = {
  course: { id: 'cs101', title: 'Intro <to> Programming' },
  members: [
    { login: 'alice', role: 'instructor' },
    { login: 'tom', role: 'ta' },
    { login: 'sam', role: 'student' },
  ],
  assignments: [{ id: 'hw1', title: 'Homework 1', deadline: '2030-01-01T00:00:00Z', latePolicy: { percent: 10, per: 'day' }, parts: [{ id: 'p1', points: 10 }] }],
};
const OTHER = { course: { id: 'cs202', title: 'Other' }, members: [{ login: 'bob', role: 'instructor' }] };

async function signedIn(login: string): Promise<WebClient> {
  const web = new WebClient(t.url);
  expect((await web.signIn(login, PASSWORD)).status).toBe(303);
  return web;
}

async function csrfOf(web: WebClient, path = SETUP): Promise<string> {
  return WebClient.hidden((await web.get(path)).text, '_csrf');
}

function upload(text: string | Uint8Array, extra: Record<string, string> = {}, name = 'course.yaml'): FormData {
  const body = new FormData();
  body.append('file', new Blob([text], { type: 'application/yaml' }), name);
  for (const [key, value] of Object.entries(extra)) body.append(key, value);
  return body;
}

async function members(): Promise<Array<{ login: string; role: string }>> {
  return (await t.admin<{ members: Array<{ login: string; role: string }> }>('GET', '/api/courses/cs101/members')).body.members;
}

async function courseTitle(): Promise<string> {
  return (await t.admin<{ title: string }>('GET', '/api/courses/cs101')).body.title;
}

/** The preview form's fields, as the browser would send them back. */
function confirmation(html: string, csrf: string): FormData {
  const body = new FormData();
  for (const name of ['name', 'content', 'plan']) body.append(name, WebClient.hidden(html, name));
  body.append('_csrf', csrf);
  return body;
}

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  expect((await t.admin('POST', '/api/apply', OTHER)).status).toBe(200);
  for (const login of ['alice', 'tom', 'sam', 'bob']) expect((await t.admin('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('who sees the set-up page', () => {
  it('shows an instructor the members, the assignments and every form', async () => {
    const page = await (await signedIn('alice')).get(SETUP);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Set-up of Intro &lt;to> Programming');
    expect(page.text).toContain('<table id="members-table" data-sortable>');
    expect(page.text).toContain('<td>tom</td>');
    expect(page.text).toContain('href="/courses/cs101/assignments/hw1"');
    expect(page.text).toContain('href="/courses/cs101/assignments/hw1/graders"');
    expect(page.text).toContain('10% off per day late');
    expect(page.text).toContain(`action="${SETUP}/members"`);
    expect(page.text).toContain(`action="${SETUP}/members/sam/invitation"`);
    expect(page.text).toMatch(new RegExp(`action="${SETUP}/course-file\\?csrf=`));
    expect(page.text).not.toMatch(/\sstyle=/);
  });

  it('shows a TA the page without a single form that changes it, and Platform refuses their posts', async () => {
    const web = await signedIn('tom');
    const page = await web.get(SETUP);
    expect(page.status).toBe(200);
    expect(page.text).toContain('only its instructors change it');
    expect(page.text).toContain('<td>sam</td>');
    expect(page.text).not.toContain(`action="${SETUP}`);
    const csrf = WebClient.hidden(page.text, '_csrf');
    const add = await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'mallory', role: 'instructor' } });
    expect(add.status).toBe(403);
    expect(add.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await web.request('POST', `${SETUP}/members/sam/role`, { form: { _csrf: csrf, role: 'ta' } })).status).toBe(403);
    expect((await web.request('POST', `${SETUP}/members/sam/remove`, { form: { _csrf: csrf } })).status).toBe(403);
    expect((await web.request('POST', `${SETUP}/members/sam/invitation`, { form: { _csrf: csrf } })).status).toBe(403);
    expect((await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload('course: {id: cs101, title: Mine}\n') })).status).toBe(403);
    expect(await members()).toEqual(COURSE.members.map(({ login, role }) => ({ login, role, displayName: login })));
    expect(await courseTitle()).toBe(COURSE.course.title);
  });

  it('gives a student a 403 page, and a stranger or an unknown course a 404 page', async () => {
    const sam = await signedIn('sam');
    const page = await sam.get(SETUP);
    expect(page.status).toBe(403);
    expect(page.text).toContain('Not allowed');
    expect(page.text).not.toContain('members-table');
    const csrf = await csrfOf(sam, '/');
    expect((await sam.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'sam', role: 'instructor' } })).status).toBe(403);
    expect((await sam.request('POST', `${SETUP}/members/sam/invitation`, { form: { _csrf: csrf } })).status).toBe(403);
    const bob = await signedIn('bob');
    const stranger = await bob.get(SETUP);
    expect(stranger.status).toBe(404);
    expect(stranger.text).toContain('Not found');
    expect((await bob.get('/courses/no-such-course/setup')).status).toBe(404);
    expect((await bob.request('POST', `${SETUP}/members`, { form: { _csrf: await csrfOf(bob, '/'), login: 'bob', role: 'instructor' } })).status).toBe(404);
    expect(await members()).toHaveLength(3);
  });

  it('sends a signed-out visitor to sign in', async () => {
    const answer = await new WebClient(t.url).get(SETUP);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`/sign-in?next=${encodeURIComponent(SETUP)}`);
  });
});

describe('members one at a time', () => {
  it('adds a member, changes their role and removes them', async () => {
    const web = await signedIn('alice');
    const csrf = await csrfOf(web);
    const add = await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'newbie', displayName: 'New <b>Bie</b>', role: 'ta' } });
    expect(add.status).toBe(303);
    expect(add.headers.get('location')).toBe(`${SETUP}#members`);
    expect(await members()).toContainEqual({ login: 'newbie', displayName: 'New <b>Bie</b>', role: 'ta' });
    expect((await web.get(SETUP)).text).toContain('New &lt;b>Bie&lt;/b>');
    expect((await web.request('POST', `${SETUP}/members/newbie/role`, { form: { _csrf: csrf, role: 'student' } })).status).toBe(303);
    expect(await members()).toContainEqual({ login: 'newbie', displayName: 'New <b>Bie</b>', role: 'student' });
    expect((await web.request('POST', `${SETUP}/members/newbie/remove`, { form: { _csrf: csrf } })).status).toBe(303);
    expect((await members()).map((m) => m.login)).not.toContain('newbie');
  });

  it('refuses bad values with a 400 page and changes nothing', async () => {
    const web = await signedIn('alice');
    const csrf = await csrfOf(web);
    const badLogin = await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'Not A Login<script>', role: 'ta' } });
    expect(badLogin.status).toBe(400);
    expect(badLogin.text).toContain('is not a valid login id');
    expect(badLogin.text).not.toContain('<script>');
    const badRole = await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'eve', role: 'admin' } });
    expect(badRole.status).toBe(400);
    expect(badRole.text).toContain('role: must be one of instructor, ta, student');
    expect((await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, role: 'ta' } })).status).toBe(400);
    expect((await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'eve', role: 'ta', displayName: 'x'.repeat(201) } })).status).toBe(400);
    expect((await web.request('POST', `${SETUP}/members/nobody/remove`, { form: { _csrf: csrf } })).status).toBe(404);
    expect((await web.request('POST', `${SETUP}/members/nobody/role`, { form: { _csrf: csrf, role: 'ta' } })).status).toBe(404);
    const hostile = await web.request('POST', `${SETUP}/members/${encodeURIComponent('<img src=x onerror=alert(1)>')}/remove`, { form: { _csrf: csrf } });
    expect(hostile.status).toBe(404);
    expect(hostile.text).not.toContain('<img');
    expect(await members()).toHaveLength(3);
  });

  it('does not let an instructor take away their own role', async () => {
    const web = await signedIn('alice');
    const answer = await web.request('POST', `${SETUP}/members/alice/role`, { form: { _csrf: await csrfOf(web), role: 'student' } });
    expect(answer.status).toBe(409);
    expect(answer.text).toContain('your own instructor role');
    expect((await web.request('POST', `${SETUP}/members/alice/remove`, { form: { _csrf: await csrfOf(web) } })).status).toBe(409);
    expect(await members()).toContainEqual({ login: 'alice', displayName: 'alice', role: 'instructor' });
  });

  it('refuses posts without the CSRF token (403), and from another site', async () => {
    const web = await signedIn('alice');
    expect((await web.request('POST', `${SETUP}/members`, { form: { login: 'eve', role: 'ta' } })).status).toBe(403);
    expect((await web.request('POST', `${SETUP}/members`, { form: { _csrf: 'forged', login: 'eve', role: 'ta' } })).status).toBe(403);
    expect((await web.request('POST', `${SETUP}/course-file`, { body: upload('course: {id: cs101, title: Mine}\n') })).status).toBe(403);
    const csrf = await csrfOf(web);
    const cross = await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'eve', role: 'ta' }, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    expect((await members()).map((m) => m.login)).not.toContain('eve');
  });
});

describe('invitations', () => {
  it('shows a one-time link once, uncached, that works', async () => {
    const web = await signedIn('alice');
    const answer = await web.request('POST', `${SETUP}/members/sam/invitation`, { form: { _csrf: await csrfOf(web) } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const link = /value="(http:\/\/[^"]+\/invitations\/([^"]+))"/.exec(answer.text);
    expect(link).not.toBeNull();
    expect(answer.text).toContain('<time datetime=');
    const invitation = await new WebClient(t.url).get(`/invitations/${link![2]!}`);
    expect(invitation.status).toBe(200);
    expect(invitation.text).toContain('sam');
  });

  it('refuses a non-member (404), and another instructor (only admins invite those)', async () => {
    const web = await signedIn('alice');
    expect((await web.request('POST', `${SETUP}/members/bob/invitation`, { form: { _csrf: await csrfOf(web) } })).status).toBe(404);
    expect((await web.request('POST', `${SETUP}/members/alice/invitation`, { form: { _csrf: await csrfOf(web) } })).status).toBe(403);
  });
});

describe('the course file', () => {
  const NEW_FILE = [
    'course: {id: cs101, title: Intro to Programming 2026}',
    'members:',
    '  - {login: alice, role: instructor}',
    '  - {login: rita, role: student}',
    'assignments:',
    '  - id: hw2',
    '    title: Homework 2',
    '    parts: [{id: p1, points: 5}]',
    '',
  ].join('\n');

  it('previews exactly what apply would change, changes nothing, then applies it', async () => {
    const web = await signedIn('alice');
    const csrf = await csrfOf(web);
    const preview = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(NEW_FILE) });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<td>cs101/rita</td>');
    expect(preview.text).toContain('<td>cs101/hw2</td>');
    expect(preview.text).toContain('3 to create, 1 to update, 0 to remove');
    expect(await courseTitle()).toBe(COURSE.course.title);
    expect((await members()).map((m) => m.login)).not.toContain('rita');

    const applied = await web.request('POST', `${SETUP}/course-file/apply?csrf=${csrf}`, { body: confirmation(preview.text, csrf) });
    expect(applied.status).toBe(200);
    expect(applied.text).toContain('was applied: 3 created, 1 updated, 0 removed');
    expect(await courseTitle()).toBe('Intro to Programming 2026');
    expect((await members()).map((m) => m.login)).toContain('rita');
    // The same confirmation again: the course changed since its preview (it is applied now).
    const again = await web.request('POST', `${SETUP}/course-file/apply?csrf=${csrf}`, { body: confirmation(preview.text, csrf) });
    expect(again.status).toBe(409);
  });

  it('refuses to apply when the course changed since the preview, or the plan was tampered with', async () => {
    const web = await signedIn('alice');
    const csrf = await csrfOf(web);
    const file = NEW_FILE.replace('Intro to Programming 2026', 'Renamed').replace('rita', 'walt');
    const preview = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(file) });
    expect(preview.status).toBe(200);
    // Someone else adds walt between the preview and the confirmation.
    expect((await web.request('POST', `${SETUP}/members`, { form: { _csrf: csrf, login: 'walt', role: 'ta' } })).status).toBe(303);
    const stale = await web.request('POST', `${SETUP}/course-file/apply?csrf=${csrf}`, { body: confirmation(preview.text, csrf) });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('changed since its preview');
    expect(await courseTitle()).toBe('Intro to Programming 2026');
    expect(await members()).toContainEqual({ login: 'walt', displayName: 'walt', role: 'ta' });

    const fresh = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(file) });
    const tampered = confirmation(fresh.text, csrf);
    tampered.set('plan', '0'.repeat(64));
    expect((await web.request('POST', `${SETUP}/course-file/apply?csrf=${csrf}`, { body: tampered })).status).toBe(409);
    const noPlan = confirmation(fresh.text, csrf);
    noPlan.delete('plan');
    expect((await web.request('POST', `${SETUP}/course-file/apply?csrf=${csrf}`, { body: noPlan })).status).toBe(400);
    const damaged = confirmation(fresh.text, csrf);
    damaged.set('content', '<not base64>');
    expect((await web.request('POST', `${SETUP}/course-file/apply?csrf=${csrf}`, { body: damaged })).status).toBe(400);
    expect(await courseTitle()).toBe('Intro to Programming 2026');
  });

  it('lists a malformed file\'s problems at their lines (400), changing nothing', async () => {
    const web = await signedIn('alice');
    const csrf = await csrfOf(web);
    const syntax = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload('course: {id: cs101\n  title: [unclosed\n', {}, 'bad<name>.yaml') });
    expect(syntax.status).toBe(400);
    expect(syntax.text).toContain('YAML syntax');
    expect(syntax.text).toContain('bad&lt;name>.yaml');
    expect(syntax.text).not.toContain('bad<name>');
    const wrong = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, {
      body: upload('course: {id: cs101, title: T}\nassignments:\n  - id: hw9\n    parts: [{id: p1, points: -3}]\n    colour: red\n'),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('line 5, column 5');
    expect(wrong.text).toContain('unknown key');
    const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    expect((await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(laughs) })).status).toBe(400);
    expect((await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload('') })).status).toBe(400);
    expect((await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(new Uint8Array([0, 255, 254, 0, 1])) })).status).toBe(400);
    expect(await courseTitle()).toBe('Intro to Programming 2026');
  });

  it('refuses a file of another course (400), a huge one (413), and a form without a file (400)', async () => {
    const web = await signedIn('alice');
    const csrf = await csrfOf(web);
    const other = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload('course: {id: cs202, title: Taken over}\n') });
    expect(other.status).toBe(400);
    expect(other.text).toContain('is the course file of &#39;cs202&#39;, not of &#39;cs101&#39;');
    const huge = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(`course: {id: cs101, title: T}\n#${'x'.repeat(3 * 1024 * 1024)}\n`) });
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('larger than 1024 KiB');
    // Under the body's limit, over the file's: cut off by the multipart limit.
    const over = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(`course: {id: cs101, title: T}\n#${'x'.repeat(1024 * 1024 + 10)}\n`) });
    expect(over.status).toBe(413);
    const none = new FormData();
    none.append('prune', 'on');
    expect((await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: none })).status).toBe(400);
    expect((await web.request('POST', `${SETUP}/course-file`, { form: { _csrf: csrf, file: 'course: {id: cs101, title: T}' } })).status).toBe(400);
    const two = upload('course: {id: cs101, title: A}\n');
    two.append('file', new Blob(['course: {id: cs101, title: B}\n']), 'b.yaml');
    expect((await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: two })).status).toBe(400);
    expect((await t.admin<{ title: string }>('GET', '/api/courses/cs202')).body.title).toBe('Other');
    expect(await courseTitle()).toBe('Intro to Programming 2026');
  });

  it('carries "also remove what the file does not list" from the preview to the apply', async () => {
    const web = await signedIn('alice');
    const csrf = await csrfOf(web);
    const only = 'course: {id: cs101, title: Intro to Programming 2026}\nmembers:\n  - {login: alice, role: instructor}\n  - {login: tom, role: ta}\n';
    const preview = await web.request('POST', `${SETUP}/course-file?csrf=${csrf}`, { body: upload(only, { prune: 'on' }) });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<td>remove</td><td>member</td><td>cs101/sam</td>');
    expect(preview.text).toContain('<input type="hidden" name="prune" value="on"/>');
    expect((await members()).map((m) => m.login)).toContain('sam');
    const body = confirmation(preview.text, csrf);
    body.append('prune', 'on');
    const applied = await web.request('POST', `${SETUP}/course-file/apply?csrf=${csrf}`, { body });
    expect(applied.status).toBe(200);
    expect((await members()).map((m) => m.login)).toEqual(['alice', 'tom']);
  });
});
