/**
 * The regrade page in a real browser against a real `gradebox serve` with real graders: two
 * students' work graded by the published grader (gradescope-sh), a new draft (run-submission: a
 * different verdict, a few seconds a job); the instructor starts a dry run with the draft, watches
 * the progress bar reach the end without a reload, sorts and filters the preview and applies it.
 * Hostile input over HTTP (WebClient): bad form values (400, nothing started), a second open
 * regrade (409), a TA's direct regrade and a student (403), unknown or foreign regrades (404),
 * apply of an applied or expired dry run (409), no CSRF token (403).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startWebWorld, type WebWorld } from './browser-harness.ts';
import { WebClient } from './web-client.ts';

let world: WebWorld;
const PAGE = '/courses/rg101/assignments/sums/regrade';

async function signedIn(login: string): Promise<WebClient> {
  const web = new WebClient(world.served.url);
  expect((await web.signIn(login, PASSWORD)).status).toBe(303);
  return web;
}

/** The session's CSRF token, from a page that has a form. */
async function csrfOf(web: WebClient, path = '/'): Promise<string> {
  return WebClient.hidden((await web.get(path)).text, '_csrf');
}

async function submitAs(login: string, files: Record<string, string>): Promise<string> {
  const web = await signedIn(login);
  const csrf = await csrfOf(web, '/courses/rg101/assignments/sums');
  const body = new FormData();
  for (const [name, text] of Object.entries(files)) body.append('file', new Blob([text], { type: 'text/plain' }), name);
  const answer = await web.request('POST', `/courses/rg101/assignments/sums/submissions?csrf=${encodeURIComponent(csrf)}`, { body });
  expect(answer.status, answer.text).toBe(303);
  return answer.headers.get('location')!.split('/').pop()!;
}

/** Polls `read` until it gives `want` (expect.poll works only inside a test; this also in beforeAll). */
async function until<T>(read: () => Promise<T>, want: T, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let seen: T | undefined;
  while (Date.now() < end) {
    seen = await read();
    if (seen === want) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: still ${String(seen)} after ${timeoutMs} ms, not ${String(want)}`);
}

async function waitGraded(submissionId: string): Promise<void> {
  await until(async () => ((await (await world.api('GET', `/api/submissions/${submissionId}`)).json()) as { status: string }).status, 'graded', `submission ${submissionId}`);
}

interface ListedRegrade {
  id: string;
  state: string;
}

async function regrades(): Promise<ListedRegrade[]> {
  const answer = await world.api('GET', '/api/courses/rg101/assignments/sums/regrades');
  return ((await answer.json()) as { regrades: ListedRegrade[] }).regrades;
}

async function waitState(id: string, state: string): Promise<void> {
  await until(async () => ((await (await world.api('GET', `/api/regrades/${id}`)).json()) as ListedRegrade).state, state, `regrade ${id}`);
}

/** Posts the start form (`part` may repeat: the body is written by hand). */
async function postStart(web: WebClient, fields: Array<[string, string]>, csrf?: string): Promise<{ status: number; text: string }> {
  const token = csrf ?? (await csrfOf(web));
  const body = new URLSearchParams([...(token === '' ? [] : [['_csrf', token] as [string, string]]), ...fields]).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (web.cookies.size > 0) headers.cookie = [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const response = await fetch(world.served.url + PAGE, { method: 'POST', headers, body, redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  const course = {
    course: { id: 'rg101', title: 'Regrades 101' },
    members: [
      { login: 'ines', role: 'instructor' },
      { login: 'tara', role: 'ta' },
      { login: 'sam', role: 'student' },
      { login: 'sue', role: 'student' },
    ],
    assignments: [
      { id: 'sums', title: 'Sums', parts: [{ id: 'p1', points: 10 }] },
      { id: 'other', title: 'Other', parts: [{ id: 'p1', points: 1 }] },
    ],
  };
  world = await startWebWorld({ courseFile: course, passwords: ['ines', 'tara', 'sam', 'sue'] });
  await world.publish('rg101', 'sums', 'gradescope-sh');
  // gradescope-sh grades answer.txt; the draft (run-submission) runs main.sh: sam goes down, sue up.
  const sam = await submitAs('sam', { 'answer.txt': '55\n385\n', 'main.sh': 'sleep 3\nexit 1\n' });
  const sue = await submitAs('sue', { 'answer.txt': '1\n2\n', 'main.sh': 'sleep 3\nexit 0\n' });
  await waitGraded(sam);
  await waitGraded(sue);
  await world.uploadGrader('rg101', 'sums', 'run-submission');
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe('the regrade page', () => {
  it('runs a dry run with the draft live, previews it sortable and filterable, and applies it', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(world.served.url + PAGE);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Regrade Sums');
    expect(await page.textContent('#history-heading + p')).toContain('No regrade');
    await world.audit(page, 'regrade');

    await page.getByLabel('Grader', { exact: true }).selectOption('draft');
    expect(await page.getByRole('checkbox', { name: /Dry run/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForURL(world.served.url + PAGE);
    // Two jobs of a few seconds each on one worker: the page opens while they run.
    await page.locator('#regrade-bar').waitFor();
    expect(await page.textContent('#regrade-counts')).toMatch(/^[01] of 2 jobs done/);
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await page.locator('#regrade-ended').waitFor({ timeout: 90_000 });
    // Checked once the stream has ended: axe over a region that htmx is replacing could trip on it.
    await world.audit(page, 'regrade-progress');
    expect(navigations).toBe(0);
    expect(await page.getAttribute('#regrade-bar', 'value')).toBe('2');
    expect(await page.getAttribute('#regrade-bar', 'max')).toBe('2');
    expect(await page.textContent('#regrade-counts')).toBe('2 of 2 jobs done');

    await page.getByRole('link', { name: 'Show the preview' }).click();
    await page.locator('#preview').waitFor();
    const summary = (await page.textContent('#regrade-summary'))!;
    expect(summary).toContain('2: 1 up, 1 down, 0 unchanged');
    const logins = async (): Promise<string[]> => page.locator('#preview tbody tr:not([hidden]) th').allTextContents();
    expect(await logins()).toEqual(['sam', 'sue']);
    expect(await page.textContent('#preview tbody tr[data-kind=down]')).toContain('-10');
    expect(await page.textContent('#preview tbody tr[data-kind=up]')).toContain('+8');
    // Flipped tests by name: gradescope-sh's tests are missing from the new grader's result.
    expect(await page.textContent('#preview tbody tr[data-kind=down]')).toContain('Sum of 1 to 10: passed → missing');

    await page.getByRole('button', { name: 'Delta' }).click();
    expect(await logins()).toEqual(['sam', 'sue']);
    await page.getByRole('button', { name: 'Delta' }).click();
    expect(await logins()).toEqual(['sue', 'sam']);
    await page.getByLabel('Filter rows').fill('sam');
    expect(await logins()).toEqual(['sam']);
    expect(await page.textContent('[data-filter-count=preview]')).toBe('1 of 2 rows');
    await page.getByLabel('Filter rows').fill('');
    await page.getByLabel('Change', { exact: true }).selectOption('up');
    expect(await logins()).toEqual(['sue']);
    await page.getByLabel('Change', { exact: true }).selectOption('failed');
    expect(await logins()).toEqual([]);
    await page.getByLabel('Change', { exact: true }).selectOption('');
    await world.audit(page, 'regrade-preview');

    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\?done=rg_/);
    const notice = (await page.textContent('#regrade-notice'))!;
    expect(notice).toContain('the draft is published');
    expect(await page.getByRole('link', { name: 'See the grades' }).getAttribute('href')).toBe('/courses/rg101/assignments/sums/gradebook');
    expect(await page.textContent('#regrade-history')).toContain('applied');
    expect(await page.locator('#start-heading').count()).toBe(1);
    expect(alarms).toEqual([]);
    await context.close();

    // The grades are the draft's now.
    const grades = (await (await world.api('GET', '/api/courses/rg101/assignments/sums/grades')).json()) as { grades: Array<{ login: string; parts: Array<{ earned: number | null }> }> };
    expect(Object.fromEntries(grades.grades.map((g) => [g.login, g.parts[0]!.earned]))).toEqual({ sam: 0, sue: 10 });
  }, 240_000);

  it('shows a student a 403 page', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sam');
    const answer = await page.goto(world.served.url + PAGE);
    expect(answer!.status()).toBe(403);
    expect(await page.textContent('main')).toContain('only instructors and TAs of rg101 may see regrades');
    await world.audit(page, 'regrade-forbidden');
    // The browser logs the page's own status; nothing else.
    expect(alarms).toEqual(['console: Failed to load resource: the server responded with a status of 403 (Forbidden)']);
    await context.close();
  }, 60_000);
});

describe('refusals', () => {
  it('answers bad form values with a 400 page naming them, and starts nothing', async () => {
    const ines = await signedIn('ines');
    const before = (await regrades()).length;
    const unknown = await postStart(ines, [['who', 'some'], ['students', 'sam, ghost1\nghost2'], ['part', 'p1'], ['grader', 'published'], ['dryRun', 'on']]);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('no student &#39;ghost1&#39;, &#39;ghost2&#39; in rg101');
    const badPart = await postStart(ines, [['who', 'all'], ['part', 'p1'], ['part', 'p9'], ['dryRun', 'on']]);
    expect(badPart.status).toBe(400);
    expect(badPart.text).toContain('has no part &#39;p9&#39;');
    const badVersion = await postStart(ines, [['who', 'all'], ['part', 'p1'], ['grader', 'version-99'], ['dryRun', 'on']]);
    expect(badVersion.status).toBe(400);
    expect(badVersion.text).toContain('no part of rg101/sums has a grader version 99');
    for (const [fields, message] of [
      [[['who', 'some'], ['students', ' , '], ['part', 'p1']], 'name at least one student'],
      [[['who', 'all']], 'choose at least one part'],
      [[['who', 'everyone'], ['part', 'p1']], 'choose every student or some students'],
      [[['part', 'p1'], ['grader', '<script>']], 'choose the grader to regrade with'],
      [[['part', 'p1'], ['grader', 'published'], ['grader', 'draft']], 'must be sent once'],
    ] as Array<[Array<[string, string]>, string]>) {
      const answer = await postStart(ines, fields);
      expect(answer.status, message).toBe(400);
      expect(answer.text).toContain(message);
      expect(answer.text).not.toContain('<script>');
    }
    expect((await regrades()).length).toBe(before);
  }, 60_000);

  it('refuses a post without the CSRF token, a student, a TA’s direct regrade, and unknown or foreign regrades', async () => {
    const ines = await signedIn('ines');
    const before = (await regrades()).length;
    expect((await postStart(ines, [['part', 'p1'], ['dryRun', 'on']], '')).status).toBe(403);
    const sam = await signedIn('sam');
    expect((await sam.get(PAGE)).status).toBe(403);
    expect((await postStart(sam, [['part', 'p1'], ['dryRun', 'on']])).status).toBe(403);
    const tara = await signedIn('tara');
    const direct = await postStart(tara, [['part', 'p1'], ['grader', 'published']]);
    expect(direct.status).toBe(403);
    expect(direct.text).toContain('only instructors of rg101 may regrade without a dry run');
    expect((await regrades()).length).toBe(before);

    const applied = (await regrades()).find((r) => r.state === 'applied')!;
    expect((await sam.get(`${PAGE}/${applied.id}/live`)).status).toBe(403);
    expect((await ines.get(`${PAGE}/rg_unknown/live`)).status).toBe(404);
    expect((await ines.get(`/courses/rg101/assignments/other/regrade/${applied.id}/live`)).status).toBe(404);
    const csrf = await csrfOf(ines);
    expect((await ines.request('POST', `${PAGE}/rg_unknown/apply`, { form: { _csrf: csrf } })).status).toBe(404);
    const again = await ines.request('POST', `${PAGE}/${applied.id}/apply`, { form: { _csrf: csrf } });
    expect(again.status).toBe(409);
    expect(again.text).toContain('it is applied');
    expect((await ines.request('POST', `${PAGE}/${applied.id}/discard`, { form: {} })).status).toBe(403);
    // The stream of an ended regrade: its progress as HTML once, then `done`.
    const stream = await ines.get(`${PAGE}/${applied.id}/live`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(stream.text).toMatch(/^event: progress\ndata: <progress id="regrade-bar" max="2" value="2"/);
    expect(stream.text).toContain('event: done');
  }, 60_000);

  it('keeps one open regrade: a second is a 409 page; a TA sees why they cannot apply; an expired dry run is a 409', async () => {
    const tara = await signedIn('tara');
    expect((await postStart(tara, [['part', 'p1'], ['grader', 'published'], ['dryRun', 'on']])).status).toBe(303);
    const open = (await regrades())[0]!;
    // While it runs (jobs of a few seconds): the live region, and a refresh link for pages without JavaScript.
    const running = (await tara.get(PAGE)).text;
    expect(running).toContain(`sse-connect="${PAGE}/${open.id}/live"`);
    expect(running).toContain(`<a href="${PAGE}">Refresh</a>`);
    expect(running).toContain(`<form method="post" action="${PAGE}/${open.id}/discard">`);
    expect(running).toContain('>Stop and discard the dry run</button>');
    const second = await postStart(tara, [['part', 'p1'], ['grader', 'published'], ['dryRun', 'on']]);
    expect(second.status).toBe(409);
    expect(second.text).toContain(`already has an open dry run ${open.id}`);
    await waitState(open.id, 'finished');
    const taView = (await tara.get(PAGE)).text;
    expect(taView).toContain('Not yours to apply: <span>only instructors of rg101 may apply a dry run: it changes students’ grades</span>');
    expect(taView).not.toContain('>Apply</button>');
    expect(taView).toContain('>Discard</button>');
    // TAs may discard their dry run.
    const discarded = await tara.request('POST', `${PAGE}/${open.id}/discard`, { form: { _csrf: await csrfOf(tara) } });
    expect(discarded.status).toBe(303);
    expect((await tara.get(discarded.headers.get('location')!)).text).toContain(`Dry run ${open.id} is discarded.`);

    const ines = await signedIn('ines');
    expect((await postStart(ines, [['part', 'p1'], ['grader', 'published'], ['dryRun', 'on']])).status).toBe(303);
    const stale = (await regrades())[0]!;
    await waitState(stale.id, 'finished');
    // A new draft: the dry run no longer shows what apply would do.
    await world.uploadGrader('rg101', 'sums', 'gradescope-sh');
    const expired = await ines.request('POST', `${PAGE}/${stale.id}/apply`, { form: { _csrf: await csrfOf(ines) } });
    expect(expired.status).toBe(409);
    expect(expired.text).toContain('has expired: the grader draft of p1 changed since it started');
    // No longer open: the form is back.
    expect((await ines.get(PAGE)).text).toContain('id="start-heading"');

    // A running dry run is stopped and discarded in one step; a running regrade is cancelled.
    for (const [fields, action, state] of [
      [[['part', 'p1'], ['grader', 'published'], ['dryRun', 'on']], 'discard', 'discarded'],
      [[['part', 'p1'], ['grader', 'published']], 'cancel', 'cancelled'],
    ] as Array<[Array<[string, string]>, string, string]>) {
      expect((await postStart(ines, fields)).status).toBe(303);
      const running = (await regrades())[0]!;
      expect(running.state).toBe('running');
      const stopped = await ines.request('POST', `${PAGE}/${running.id}/${action}`, { form: { _csrf: await csrfOf(ines) } });
      expect(stopped.status).toBe(303);
      expect((await regrades())[0]).toMatchObject({ id: running.id, state });
      expect((await ines.get(stopped.headers.get('location')!)).text).toContain(`${running.id} is ${state}.`);
    }
  }, 120_000);
});
