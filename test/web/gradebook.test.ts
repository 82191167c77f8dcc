/**
 * The gradebook pages over real HTTP against a real server (SQLite, no workers): what staff see,
 * the forms' happy paths, and every hostile input — no reason, bad points, unknown student or
 * part, a bad date, no CSRF token, a student, unknown ids — answered with an HTML page of the
 * right status that names the problem, with nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { WebClient } from './web-client.ts';

let t: TestServer;
let ines: WebClient;
let sam: WebClient;
const PASSWORD = 'a long enough passphrase';
const BOOK = '/courses/cs101/gradebook';
const HW1 = '/courses/cs101/assignments/hw1/gradebook';

const COURSE = {
  course: { id: 'cs101', title: 'Intro <to> Programming' },
  members: [
    { login: 'ines', role: 'instructor' },
    { login: 'sam', displayName: 'Sam <b>Student</b>', role: 'student' },
    { login: 'sue', role: 'student' },
  ],
  assignments: [
    { id: 'hw1', title: 'Homework 1', deadline: '2030-01-01T00:00:00Z', release: 'manual', parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }] },
    { id: 'hw2', title: 'Homework 2', parts: [{ id: 'p1', points: 10 }] },
  ],
};

async function signedIn(login: string): Promise<WebClient> {
  const web = new WebClient(t.url);
  expect((await web.signIn(login, PASSWORD)).status).toBe(303);
  return web;
}

async function csrf(web: WebClient): Promise<string> {
  return WebClient.hidden((await web.get('/')).text, '_csrf');
}

async function post(web: WebClient, path: string, form: Record<string, string>, withCsrf = true): Promise<{ status: number; headers: Headers; text: string }> {
  return web.request('POST', path, { form: withCsrf ? { _csrf: await csrf(web), ...form } : form, headers: { origin: t.url } });
}

/** The grade log's length and hw1's extensions, to show that a refused form changed nothing. */
async function state(): Promise<string> {
  const log = (await t.admin<{ entries: unknown[] }>('GET', '/api/courses/cs101/assignments/hw1/grade-log')).body.entries.length;
  const extensions = (await t.admin<unknown>('GET', '/api/courses/cs101/assignments/hw1/extensions')).body;
  const release = (await t.admin<{ release: unknown }>('GET', '/api/courses/cs101/assignments/hw1')).body.release;
  return JSON.stringify({ log, extensions, release });
}

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.admin('POST', '/api/apply', COURSE)).status).toBe(200);
  for (const login of ['ines', 'sam']) expect((await t.admin('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);
  ines = await signedIn('ines');
  sam = await signedIn('sam');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the course gradebook', () => {
  it('shows every student × assignment, each grade linking to the assignment gradebook row, escaped, without inline script or style', async () => {
    const page = await ines.get(BOOK);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<table id="gradebook" class="gradebook" data-sortable>');
    expect(page.text).toContain('href="assignments/hw1/gradebook#g-sam"');
    expect(page.text).toContain('href="assignments/hw2/gradebook#g-sue"');
    expect(page.text).toContain('Sam &lt;b>Student&lt;/b>');
    expect(page.text).not.toContain('<b>Student</b>');
    expect(page.text).toContain(`href="${BOOK}/export.csv"`);
    expect(page.text).toContain('<th scope="row">Median</th>');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page.text).not.toMatch(/\sstyle=/);
  });

  it('serves the same CSV as the API export, as a download', async () => {
    const csv = await ines.get(`${BOOK}/export.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="cs101-grades.csv"');
    const api = await t.admin<string>('GET', '/api/courses/cs101/grades/export');
    expect(csv.text).toBe(api.body);
    const one = await ines.get(`${HW1}/export.csv`);
    expect(one.headers.get('content-disposition')).toBe('attachment; filename="cs101-hw1-grades.csv"');
    expect(one.text).toBe((await t.admin<string>('GET', '/api/courses/cs101/grades/export?assignment=hw1')).body);
  });

  it('is refused to students (403 pages), to the signed-out (sign in first) and 404 for unknown courses', async () => {
    for (const path of [BOOK, `${BOOK}/export.csv`, HW1, `${HW1}/export.csv`]) {
      const answer = await sam.get(path);
      expect(answer.status, path).toBe(403);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.text).toContain('Not allowed');
    }
    const anonymous = await new WebClient(t.url).get(BOOK);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe(`/sign-in?next=${encodeURIComponent(BOOK)}`);
    expect((await ines.get('/courses/nope/gradebook')).status).toBe(404);
    expect((await ines.get('/courses/cs101/assignments/nope/gradebook')).status).toBe(404);
    expect((await ines.get('/courses/cs101/assignments/nope/gradebook/export.csv')).status).toBe(404);
  });
});

describe('the assignment gradebook', () => {
  it('shows the parts, statistics with an accessible histogram, the forms and the log', async () => {
    const page = await ines.get(HW1);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<tr id="g-sam" data-status="not-submitted">');
    expect(page.text).toMatch(/<svg [^>]*role="img" aria-label="Final grades: 0–10: 0;/);
    expect(page.text).toContain('Summary statistics');
    expect(page.text).toContain(`action="${HW1}/override"`);
    expect(page.text).toContain(`action="${HW1}/extension"`);
    expect(page.text).not.toMatch(/\sstyle=/);
    expect((await ines.get(`${HW1}?log=abc`)).status).toBe(400);
    expect((await ines.get(`${HW1}?log=0`)).status).toBe(400);
  });

  it('refuses bad overrides with a 400 page naming the problem, changing nothing', async () => {
    const before = await state();
    const cases: Array<[Record<string, string>, string]> = [
      [{ login: 'sam', part: 'p1', points: '7', reason: '' }, 'reason'],
      [{ login: 'sam', part: 'p1', points: '7', reason: '   ' }, 'reason'],
      [{ login: 'sam', part: 'p1', points: 'seven', reason: 'r' }, 'points: &#34;seven&#34; is not a number'],
      [{ login: 'sam', part: 'p1', points: '', reason: 'r' }, 'points'],
      [{ login: 'sam', part: 'p1', points: '-2', reason: 'r' }, 'must not be negative'],
      [{ login: 'sam', part: 'p1', points: '1e999', reason: 'r' }, 'points'],
      [{ login: 'nobody', part: 'p1', points: '7', reason: 'r' }, 'no student &#39;nobody&#39;'],
      [{ login: 'ines', part: 'p1', points: '7', reason: 'r' }, 'no student &#39;ines&#39;'],
      [{ login: '', part: 'p1', points: '7', reason: 'r' }, 'login'],
      [{ login: 'sam', part: 'p9', points: '7', reason: 'r' }, 'no part &#39;p9&#39;'],
      [{ login: 'sam', part: 'p1', points: '7', reason: 'x'.repeat(1001) }, 'at most 1000'],
    ];
    for (const [form, message] of cases) {
      const answer = await post(ines, `${HW1}/override`, form);
      expect(answer.status, JSON.stringify(form)).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.text, JSON.stringify(form)).toContain(message);
    }
    expect((await post(ines, `${HW1}/override/remove`, { login: 'zed', part: '' })).status).toBe(400);
    expect(await state()).toBe(before);
  });

  it('refuses a form without the CSRF token (403) and students (403), changing nothing', async () => {
    const before = await state();
    const noToken = await post(ines, `${HW1}/override`, { login: 'sam', part: 'p1', points: '7', reason: 'r' }, false);
    expect(noToken.status).toBe(403);
    const forged = await ines.request('POST', `${HW1}/release`, { form: { _csrf: 'guess' }, headers: { origin: t.url } });
    expect(forged.status).toBe(403);
    for (const [path, form] of [
      [`${HW1}/override`, { login: 'sam', part: 'p1', points: '10', reason: 'mine' }],
      [`${HW1}/override/remove`, { login: 'sam', part: 'p1' }],
      [`${HW1}/extension`, { login: 'sam', until: '2031-01-01T00:00' }],
      [`${HW1}/extension/remove`, { login: 'sam' }],
      [`${HW1}/release`, {}],
      [`${HW1}/withdraw`, {}],
    ] as const) {
      const answer = await post(sam, path, form);
      expect(answer.status, path).toBe(403);
      expect(answer.text).toContain('Not allowed');
    }
    expect(await state()).toBe(before);
  });

  it('overrides with a reason: the table marks it, the log shows it; then removes it', async () => {
    const saved = await post(ines, `${HW1}/override`, { login: 'sam', part: 'p1', points: '7.5', reason: 'regraded <by hand>' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`${HW1}?done=override#log`);
    const page = await ines.get(`${HW1}?done=override`);
    expect(page.text).toContain('The override is saved and logged.');
    expect(page.text).toContain('>7.5*</td>');
    expect(page.text).toContain('regraded &lt;by hand>');
    const grade = await post(ines, `${HW1}/override`, { login: 'sue', part: '', points: '120', reason: 'bonus' });
    expect(grade.headers.get('location')).toBe(`${HW1}?done=override-extra#log`);
    expect((await ines.get(BOOK)).text).toContain('>120*</a>');
    expect((await post(ines, `${HW1}/override/remove`, { login: 'sam', part: 'p1', reason: '' })).status).toBe(303);
    expect((await ines.get(HW1)).text).not.toContain('>7.5*</td>');
    // Nothing to remove: the Platform's 404, as a page.
    expect((await post(ines, `${HW1}/override/remove`, { login: 'sam', part: 'p1' })).status).toBe(404);
  });

  it('grants, changes and removes an extension; a bad date is a 400 page', async () => {
    const before = await state();
    for (const until of ['', 'tomorrow', '2031-13-45T99:99', '2020-01-01T00:00']) {
      const answer = await post(ines, `${HW1}/extension`, { login: 'sam', until });
      expect(answer.status, until).toBe(400);
      expect(answer.text).toContain('until');
    }
    expect((await post(ines, '/courses/cs101/assignments/hw2/gradebook/extension', { login: 'sam', until: '2031-01-01T00:00' })).status).toBe(400);
    expect(await state()).toBe(before);
    expect((await post(ines, `${HW1}/extension`, { login: 'sam', until: '2031-01-01T12:30' })).status).toBe(303);
    expect((await ines.get(HW1)).text).toContain('<time datetime="2031-01-01T12:30:00.000Z">');
    expect((await post(ines, `${HW1}/extension`, { login: 'sam', until: '2032-02-02T00:00:00+01:00' })).status).toBe(303);
    expect((await ines.get(HW1)).text).toContain('<time datetime="2032-02-01T23:00:00.000Z">');
    expect((await post(ines, `${HW1}/extension/remove`, { login: 'sam' })).status).toBe(303);
    expect((await ines.get(HW1)).text).not.toContain('2032-02-01T23:00');
  });

  it('releases and withdraws; doing it twice is a 409 page that says nothing changed', async () => {
    expect((await post(ines, `${HW1}/release`, {})).headers.get('location')).toBe(`${HW1}?done=released#main`);
    expect((await ines.get(HW1)).text).toContain('Students see their scores.');
    const again = await post(ines, `${HW1}/release`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain('already released');
    expect(again.text).toContain('nothing changed');
    expect((await post(ines, `${HW1}/withdraw`, {})).status).toBe(303);
    const twice = await post(ines, `${HW1}/withdraw`, {});
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('nothing to withdraw');
  });

  it("shows a student their released grade's derivation with the override and its reason, and nothing before release", async () => {
    expect((await post(ines, `${HW1}/override`, { login: 'sam', part: 'p2', points: '4', reason: 'fixed <by> hand' })).status).toBe(303);
    expect((await post(ines, `${HW1}/override`, { login: 'sam', part: '', points: '77', reason: 'curve' })).status).toBe(303);
    const hidden = (await sam.get('/courses/cs101/assignments/hw1')).text;
    expect(hidden).not.toContain('fixed &lt;by> hand');
    expect(hidden).not.toContain('77 / 100');
    expect((await post(ines, `${HW1}/release`, {})).status).toBe(303);
    const shown = (await sam.get('/courses/cs101/assignments/hw1')).text;
    expect(shown).toContain('set by hand by ines: fixed &lt;by> hand');
    expect(shown).toContain('<dt>Set by hand</dt>');
    expect(shown).toContain('77 / 100 by ines: curve');
    expect((await post(ines, `${HW1}/withdraw`, {})).status).toBe(303);
  });
});
