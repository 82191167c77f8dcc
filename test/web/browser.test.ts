/**
 * The web interface in a real browser (Debian's chromium driven by playwright-core) against the
 * real `gradebox serve` with a real grader: a student signs in, submits, watches the status change
 * without reloading and reads the feedback; hostile grader output is shown safely; a form posted
 * from another origin is refused; a copied cookie is useless after sign-out. Every page is checked
 * with axe (no serious or critical violations) and photographed at desktop and phone width under
 * test/.artifacts/web/.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, cliEnv } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '.artifacts', 'web');
const PASSWORD = 'students passphrase';
const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

let home: string;
let served: ServedCli;
let browser: Browser;
let evil: Server;
let evilUrl: string;

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${served.adminToken}`, ...headers } };
  if (body instanceof Uint8Array) init.body = body as NonNullable<RequestInit['body']>;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  return fetch(served.url + path, init);
}

async function publish(assignment: string, image: string): Promise<void> {
  const bytes = await readFile(testImage(image));
  const upload = await api('POST', '/api/courses/web101/images', bytes, {
    'content-type': 'application/x-tar',
    'x-content-sha256': createHash('sha256').update(bytes).digest('hex'),
  });
  expect(upload.status).toBe(201);
  const { imageId } = (await upload.json()) as { imageId: string };
  expect((await api('POST', `/api/courses/web101/assignments/${assignment}/parts/p1/graders`, { imageId, timeoutSeconds: 30 })).status).toBe(201);
  expect((await api('POST', `/api/courses/web101/assignments/${assignment}/publish`)).status).toBe(200);
}

/** Checks the page with axe and photographs it at both widths. */
async function audit(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const grave = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(grave.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), name).toEqual([]);
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(SIZES.desktop);
}

/** A browser context that records every dialog, console error and CSP violation. */
async function watchedContext(): Promise<{ context: BrowserContext; page: Page; alarms: string[] }> {
  const context = await browser.newContext({ viewport: SIZES.desktop });
  const page = await context.newPage();
  const alarms: string[] = [];
  page.on('dialog', (dialog) => {
    alarms.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) alarms.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => alarms.push(`page error: ${error.message}`));
  return { context, page, alarms };
}

async function signIn(page: Page, login: string): Promise<void> {
  await page.goto(`${served.url}/`);
  await expect.poll(() => page.url()).toContain('/sign-in');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${served.url}/`, { timeout: 5000 }).catch(async (error: unknown) => {
    throw new Error(`sign-in did not lead home: at ${page.url()}: ${(await page.textContent('main')) ?? ''}`, { cause: error });
  });
}

beforeAll(async () => {
  assertBuildIsFresh();
  await mkdir(ARTIFACTS, { recursive: true });
  home = await mkdtemp(join(tmpdir(), 'gradebox-web-'));
  served = await startServeCli(['--data', join(home, 'data'), '--port', '0', '--workers', '1'], {
    env: cliEnv({ GRADEBOX_HOME: home, XDG_CONFIG_HOME: join(home, 'config') }),
    timeoutMs: 120_000,
  });
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
  expect((await api('POST', '/api/apply', course)).status).toBe(200);
  await publish('sums', 'gradescope-sh');
  await publish('echo', 'echo-payload');
  await publish('slow', 'run-submission');
  for (const login of ['sam', 'sue']) expect((await api('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  // Another origin (same host, other port) whose page posts a form to gradebox.
  evil = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(`<!doctype html><form id="f" method="post" action="${served.url}/sign-out-everywhere"><input name="_csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const address = evil.address();
  evilUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  evil?.close();
  await served?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('a student in the browser', () => {
  it('signs in, submits, watches the status change live and reads the feedback', async () => {
    const { context, page, alarms } = await watchedContext();
    await page.goto(`${served.url}/sign-in`);
    await audit(page, 'sign-in');
    await signIn(page, 'sam');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('My courses');
    await audit(page, 'courses');

    await page.getByRole('link', { name: 'Web 101' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Web 101');
    await audit(page, 'course');

    await page.getByRole('link', { name: 'Sums' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sums');
    expect(await page.textContent('main')).toContain('10% off per day late, at least ×0.5');
    await audit(page, 'assignment');

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
    await audit(page, 'submission');

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
    const { context, page, alarms } = await watchedContext();
    await signIn(page, 'sam');
    await page.goto(`${served.url}/courses/web101/assignments/echo`);
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
    await audit(page, 'submission-hostile');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('live status and no JavaScript', () => {
  it('updates the status in place while the grader runs', async () => {
    const { context, page, alarms } = await watchedContext();
    await signIn(page, 'sue');
    await page.goto(`${served.url}/courses/web101/assignments/slow`);
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
    const folder = join(home, 'my-project');
    await mkdir(join(folder, 'lib'), { recursive: true });
    await writeFile(join(folder, 'main.sh'), 'test -f /shared/submission/lib/helper.txt\n');
    await writeFile(join(folder, 'lib', 'helper.txt'), 'help\n');
    const { context, page } = await watchedContext();
    await signIn(page, 'sue');
    await page.goto(`${served.url}/courses/web101/assignments/slow`);
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
    const { context, page, alarms } = await watchedContext();
    await signIn(page, 'sue');
    await page.goto(`${served.url}/courses/web101/assignments/sums`);
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
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: SIZES.desktop });
    const page = await context.newPage();
    await signIn(page, 'sue');
    await page.goto(`${served.url}/courses/web101/assignments/sums`);
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
    const invitation = await api('POST', '/api/users/ines/invitations', { expiresInHours: 1 });
    const { path } = (await invitation.json()) as { path: string };
    const { context, page } = await watchedContext();
    await page.goto(served.url + path);
    await audit(page, 'invitation');
    await context.close();
  }, 60_000);
});

describe('attacks from the browser', () => {
  it("refuses a form posted from another origin, and a classmate's submission", async () => {
    const { context, page } = await watchedContext();
    await signIn(page, 'sue');
    const answer = page.waitForResponse((r) => r.url().endsWith('/sign-out-everywhere'));
    await page.goto(evilUrl);
    expect((await answer).status()).toBe(403);
    await page.goto(`${served.url}/`);
    expect(page.url()).toBe(`${served.url}/`);
    await audit(page, 'error-csrf');

    const samsFirst = await fetch(`${served.url}/api/courses/web101/assignments/sums/submissions?login=sam`, { headers: { authorization: `Bearer ${served.adminToken}` } });
    const { submissions } = (await samsFirst.json()) as { submissions: Array<{ id: string }> };
    const theirs = await page.goto(`${served.url}/submissions/${submissions[0]!.id}`);
    expect(theirs!.status()).toBe(403);
    expect(await page.textContent('main')).not.toContain('answer.txt');
    await audit(page, 'error-forbidden');
    await context.close();
  }, 60_000);

  it('a copied session cookie is useless after sign-out', async () => {
    const { context, page } = await watchedContext();
    await signIn(page, 'sue');
    const cookies = await context.cookies();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in\?signed-out/);
    const thief = await browser.newContext();
    await thief.addCookies(cookies);
    const stolen = await thief.newPage();
    await stolen.goto(`${served.url}/`);
    expect(stolen.url()).toContain('/sign-in');
    await thief.close();
    await context.close();
  }, 60_000);
});
