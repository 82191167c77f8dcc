/**
 * The web interface in a real browser (Debian's chromium driven by playwright-core) against the
 * real `gradebox serve` with a real grader: a student signs in, submits, watches the status change
 * without reloading and reads the feedback; hostile grader output is shown safely; a form posted
 * from another origin is refused; a copied cookie is useless after sign-out. Every page is checked
 * with axe (no serious or critical violations) and photographed at desktop and phone width under
 * test/.artifacts/web/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebWorld, type WebWorld } from './browser-harness.ts';

let world: WebWorld;
let evil: Server;
let evilUrl: string;

beforeAll(async () => {
  const course = {
    course: { id: 'web101', title: 'Web 101' },
    members: [
      { login: 'ines', role: 'instructor' },
      { login: 'sam', role: 'student' },
      { login: 'sue', role: 'student' },
    ],
    assignments: [
      { id: 'sums', title: 'Sums', deadline: '2099-01-01T00:00:00Z', latePolicy: { percent: 10, per: 'day', floor: 0.5 }, parts: [{ id: 'p1', points: 10 }] },
      { id: 'echo', title: 'Echo', parts: [{ id: 'p1', points: 1 }] },
      { id: 'slow', title: 'Slow', parts: [{ id: 'p1', points: 1 }] },
    ],
  };
  world = await startWebWorld({ courseFile: course, passwords: ['sam', 'sue', 'admin', 'ines'] });
  await world.publish('web101', 'sums', 'gradescope-sh');
  await world.publish('web101', 'echo', 'echo-payload');
  await world.publish('web101', 'slow', 'run-submission');
  // Another origin (same host, other port) whose page posts a form to gradebox.
  evil = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(`<!doctype html><form id="f" method="post" action="${world.served.url}/sign-out-everywhere"><input name="_csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const address = evil.address();
  evilUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
}, 180_000);

afterAll(async () => {
  evil?.close();
  await world?.stop();
});

describe('a student in the browser', () => {
  it('signs in, submits, watches the status change live and reads the feedback', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await page.goto(`${world.served.url}/sign-in`);
    await world.audit(page, 'sign-in');
    await world.signIn(page, 'sam');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('My courses');
    await world.audit(page, 'courses');

    await page.getByRole('link', { name: 'Web 101' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Web 101');
    await world.audit(page, 'course');

    await page.getByRole('link', { name: 'Sums' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sums');
    expect(await page.textContent('main')).toContain('10% off per day late, at least ×0.5');
    await world.audit(page, 'assignment');

    await page.setInputFiles('#files', { name: 'answer.txt', mimeType: 'text/plain', buffer: Buffer.from('55\n385\n') });
    let navigations = 0;
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/submissions\/sub_/);
    page.on('framenavigated', () => navigations++);
    // Graded in place: the status changes through the live stream, without a reload.
    await page.getByText('Graded', { exact: true }).waitFor({ timeout: 60_000 });
    expect(navigations).toBe(0);
    const main = (await page.textContent('main'))!;
    expect(main).toContain('Sum of 1 to 10');
    expect(main).toContain('Sum of squares');
    // The grader hid this test from students.
    expect(main).not.toContain('Exactly two lines');
    expect(main).toContain('answer.txt');
    await world.audit(page, 'submission');

    // The attempt is in the history, with its score.
    await page.getByRole('link', { name: 'Sums' }).click();
    const history = (await page.textContent('main'))!;
    expect(history).toMatch(/graded\s*\d+ \/ 10/);
    // The grade with its derivation: parts, method, raw grade, late adjustment, final grade.
    expect(history).toContain('Final grade');
    expect(history).toContain('on time');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows hostile grader output safely: no script runs, no raw escape codes', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sam');
    await page.goto(`${world.served.url}/courses/web101/assignments/echo`);
    const hostile = {
      score: 1,
      output: '<script>alert("feedback")</script><img src=x onerror="alert(\'img\')"><a href="javascript:alert(\'link\')">click me</a><p onclick="alert(1)">paragraph</p><iframe src="https://example.com"></iframe><style>body{display:none}</style>',
      output_format: 'html',
      tests: [
        { name: 'colours', score: 1, max_score: 1, output: '\u001b[31mred failure\u001b[0m and \u001b]0;title\u0007 \u001b[2Jcleared', output_format: 'ansi' },
        { name: 'markdown', score: 0, max_score: 0, output: '**bold** [bad](javascript:alert("md")) <script>alert("md2")</script>', output_format: 'md' },
        { name: 'huge', score: 0, max_score: 0, output: 'x'.repeat(60_000) },
      ],
    };
    await page.setInputFiles('#files', [
      { name: 'results.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hostile)) },
      { name: 'stdout.txt', mimeType: 'text/plain', buffer: Buffer.from('<script>alert("stdout")</script>') },
      { name: 'stderr.txt', mimeType: 'text/plain', buffer: Buffer.from('') },
    ]);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/submissions\/sub_/);
    await page.getByText('Graded', { exact: true }).waitFor({ timeout: 60_000 });
    await page.reload();
    for (const summary of await page.locator('summary').all()) await summary.click();
    const main = page.locator('main');
    expect(await main.locator('script').count()).toBe(0);
    expect(await main.locator('iframe, style, img').count()).toBe(0);
    expect(await main.locator('[onclick], [onerror]').count()).toBe(0);
    expect(await main.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await main.locator('.ansi-red-fg').first().textContent()).toBe('red failure');
    const text = (await main.textContent())!;
    expect(text).not.toContain('\u001b');
    expect(text).toContain('click me');
    expect(await main.locator('strong', { hasText: 'bold' }).count()).toBe(1);
    await world.audit(page, 'submission-hostile');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('live status and no JavaScript', () => {
  it('updates the status in place while the grader runs', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sue');
    await page.goto(`${world.served.url}/courses/web101/assignments/slow`);
    // run-submission runs main.sh: this one takes a few seconds, so the page surely opens before the result.
    await page.setInputFiles('#files', { name: 'main.sh', mimeType: 'text/plain', buffer: Buffer.from('sleep 4\nexit 0\n') });
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/submissions\/sub_/);
    expect(await page.textContent('#status')).toContain('Being graded');
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await page.getByText('running', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByText('Graded', { exact: true }).waitFor({ timeout: 60_000 });
    expect(navigations).toBe(0);
    // The part's result replaced its phase in place. (Which result is the grader's business: on a
    // heavily loaded machine the sandbox may fail to start and the result is a grader-error.)
    const status = (await page.textContent('#status'))!;
    expect(status).not.toContain('running');
    expect(status).toMatch(/Part p1(graded|grader-error|timeout)/);
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('submits a whole folder: its files land at the root of the submission', async () => {
    const folder = join(world.home, 'my-project');
    await mkdir(join(folder, 'lib'), { recursive: true });
    await writeFile(join(folder, 'main.sh'), 'test -f /shared/submission/lib/helper.txt\n');
    await writeFile(join(folder, 'lib', 'helper.txt'), 'help\n');
    const { context, page } = await world.watchedContext();
    await world.signIn(page, 'sue');
    await page.goto(`${world.served.url}/courses/web101/assignments/slow`);
    await page.setInputFiles('#folder', folder);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/submissions\/sub_/);
    await page.getByText('Graded', { exact: true }).waitFor({ timeout: 60_000 });
    const files = (await page.textContent('section[aria-labelledby="files-heading"]'))!;
    expect(files).toContain('lib/helper.txt');
    expect(files).not.toContain('my-project');
    expect(await page.textContent('#status')).toContain('main.sh exited with code 0.');
    await context.close();
  }, 120_000);

  it('takes files dropped on the drop zone and sends them (by the script, with its progress bar)', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sue');
    await page.goto(`${world.served.url}/courses/web101/assignments/sums`);
    // Built in the page (a string: the DOM's types are not in this project's).
    const dataTransfer = await page.evaluateHandle(
      "(() => { const t = new DataTransfer(); t.items.add(new File(['55\\n385\\n'], 'answer.txt', { type: 'text/plain' })); return t; })()",
    );
    await page.dispatchEvent('.dropzone', 'dragover', { dataTransfer });
    await page.dispatchEvent('.dropzone', 'drop', { dataTransfer });
    expect(await page.textContent('[data-chosen]')).toBe('1 file(s) chosen');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/submissions\/sub_/);
    await page.getByText('Graded', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await page.textContent('section[aria-labelledby="files-heading"]')).toContain('answer.txt');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('signs in, submits and shows feedback without JavaScript', async () => {
    const { context, page } = await world.watchedContext({ javaScriptEnabled: false });
    await world.signIn(page, 'sue');
    await page.goto(`${world.served.url}/courses/web101/assignments/sums`);
    await page.setInputFiles('#files', { name: 'answer.txt', mimeType: 'text/plain', buffer: Buffer.from('55\n0\n') });
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/submissions\/sub_/);
    // Without the live stream: the refresh link (or a reload) shows the result.
    for (let i = 0; i < 60 && !((await page.textContent('#status')) ?? '').includes('Graded'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await page.reload();
    }
    const status = (await page.textContent('#status'))!;
    expect(status).toContain('Graded');
    expect(status).toContain('Sum of 1 to 10');
    // Times stay in UTC, readable.
    expect(await page.locator('time').first().textContent()).toMatch(/UTC$/);
    await context.close();
  }, 120_000);

  it('shows the invitation page accessibly', async () => {
    const invitation = await world.api('POST', '/api/users/ines/invitations', { expiresInHours: 1 });
    const { path } = (await invitation.json()) as { path: string };
    const { context, page } = await world.watchedContext();
    await page.goto(world.served.url + path);
    await world.audit(page, 'invitation');
    await context.close();
  }, 60_000);
});

describe('attacks from the browser', () => {
  it("refuses a form posted from another origin, and a classmate's submission", async () => {
    const { context, page } = await world.watchedContext();
    await world.signIn(page, 'sue');
    const answer = page.waitForResponse((r) => r.url().endsWith('/sign-out-everywhere'));
    await page.goto(evilUrl);
    expect((await answer).status()).toBe(403);
    await page.goto(`${world.served.url}/`);
    expect(page.url()).toBe(`${world.served.url}/`);
    await world.audit(page, 'error-csrf');

    const samsFirst = await fetch(`${world.served.url}/api/courses/web101/assignments/sums/submissions?login=sam`, { headers: { authorization: `Bearer ${world.served.adminToken}` } });
    const { submissions } = (await samsFirst.json()) as { submissions: Array<{ id: string }> };
    const theirs = await page.goto(`${world.served.url}/submissions/${submissions[0]!.id}`);
    expect(theirs!.status()).toBe(403);
    expect(await page.textContent('main')).not.toContain('answer.txt');
    await world.audit(page, 'error-forbidden');
    await context.close();
  }, 60_000);

  it('a copied session cookie is useless after sign-out', async () => {
    const { context, page } = await world.watchedContext();
    await world.signIn(page, 'sue');
    const cookies = await context.cookies();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in\?signed-out/);
    const thief = await world.browser.newContext();
    await thief.addCookies(cookies);
    const stolen = await thief.newPage();
    await stolen.goto(`${world.served.url}/`);
    expect(stolen.url()).toContain('/sign-in');
    await thief.close();
    await context.close();
  }, 60_000);
});

describe('the administrator in the browser', () => {
  it("creates a course and sets its instructor's password, on accessible pages", async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'admin');
    await page.getByRole('link', { name: 'Administration' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Administration');
    await world.audit(page, 'admin');
    await page.getByLabel('Course id').fill('web202');
    await page.getByLabel('Title').fill('Web 202');
    await page.getByLabel("Its first instructor's login").fill('wendy');
    await page.getByRole('button', { name: 'Create the course' }).click();
    await page.waitForURL(/\/courses\/web202\/setup$/);
    await page.goto(`${world.served.url}/admin`);
    await page.getByRole('link', { name: 'Set password of wendy' }).click();
    await world.audit(page, 'admin-password');
    await page.getByLabel('New password').fill('wendys passphrase');
    await page.getByLabel('The same password again').fill('wendys passphrase');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByText('The password of wendy is set').waitFor();
    const wendy = await world.watchedContext();
    await world.signIn(wendy.page, 'wendy', 'wendys passphrase');
    expect(await wendy.page.textContent('main')).toContain('Web 202');
    expect(alarms).toEqual([]);
    await wendy.context.close();
    await context.close();
  }, 60_000);
});

describe('staff in the browser', () => {
  it("finds the staff pages from the course's and an assignment's page, both accessible", async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.getByRole('link', { name: 'Web 101' }).click();
    const courseNav = page.getByRole('navigation', { name: 'Course staff pages' });
    expect(await courseNav.getByRole('link').allTextContents()).toEqual(['Assignments', 'Set-up', 'Gradebook', 'Queue']);
    await world.audit(page, 'course-staff');
    await page.getByRole('link', { name: 'Sums' }).click();
    const assignmentNav = page.getByRole('navigation', { name: 'Assignment staff pages' });
    expect(await assignmentNav.getByRole('link').allTextContents()).toEqual(['Assignment', 'Graders', 'Testing', 'Regrade', 'Grades']);
    expect(await page.textContent('main')).not.toContain('Your submissions');
    await world.audit(page, 'assignment-staff');
    // Every link of the row leads to a page that opens.
    const hrefs = await Promise.all((await assignmentNav.getByRole('link').all()).map(async (link) => (await link.getAttribute('href')) ?? ''));
    for (const href of hrefs) {
      const answer = await page.goto(world.served.url + href);
      expect(answer!.status(), href).toBe(200);
    }
    expect(alarms).toEqual([]);
    await context.close();
  }, 60_000);
});
