/**
 * The staff view of a submission and the queue dashboard in a real browser (Debian's chromium)
 * against the real `gradebox serve` with a real grader (gradescope-sh, whose third test is
 * hidden): a student submits through the page; the instructor reads every job with its phases,
 * the grader's output, the hidden test marked hidden and the `grade remote` command, copies it,
 * and watches the queue dashboard refresh itself; an administrator sees the server's worker with
 * its slots; the student sees none of it and gets a 403 page on the queue. axe on each page, screenshots in test/.artifacts/web/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SIZES, startWebWorld, type WebWorld } from './browser-harness.ts';

let world: WebWorld;
let submissionUrl: string;

beforeAll(async () => {
  const course = {
    course: { id: 'staff101', title: 'Staff 101' },
    members: [
      { login: 'ines', displayName: 'Ines Instructor', role: 'instructor' },
      { login: 'sam', displayName: 'Sam Student', role: 'student' },
    ],
    assignments: [
      { id: 'sums', title: 'Sums', deadline: '2099-01-01T00:00:00Z', parts: [{ id: 'p1', points: 10 }] },
      { id: 'slow', title: 'Slow', deadline: '2099-01-01T00:00:00Z', parts: [{ id: 'p1', points: 1 }] },
    ],
  };
  world = await startWebWorld({ courseFile: course, passwords: ['ines', 'sam', 'admin'] });
  await world.publish('staff101', 'sums', 'gradescope-sh');
  await world.publish('staff101', 'slow', 'run-submission');
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

/** A token of sam's for the API (submitting without the page). */
async function studentToken(): Promise<string> {
  const answer = await world.api('POST', '/api/users/sam/tokens', { name: 'live jobs', scopes: ['read', 'submit'] });
  expect(answer.status).toBe(201);
  return ((await answer.json()) as { token: string }).token;
}

/** The page fits a phone's width: long ids, digests and commands wrap rather than scroll sideways. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  await page.setViewportSize(SIZES.phone);
  // A string for the browser to run: the tests' types have no DOM.
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(SIZES.phone.width);
  await page.setViewportSize(SIZES.desktop);
}

describe('staff pages in the browser', () => {
  it('a student submits and sees none of the staff sections on their own submission', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sam');
    await page.goto(`${world.served.url}/courses/staff101/assignments/sums`);
    await page.setInputFiles('#files', { name: 'answer.txt', mimeType: 'text/plain', buffer: Buffer.from('55\n385\n') });
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/submissions\/sub_/);
    submissionUrl = page.url();
    await page.getByText('Graded', { exact: true }).waitFor({ timeout: 60_000 });
    const main = (await page.textContent('main'))!;
    expect(main).toContain('Sum of 1 to 10');
    for (const hidden of ['For staff', 'Grading jobs', 'Exactly two lines', 'submission metadata', 'gradebox grade remote', 'Copy the command']) {
      expect(main, hidden).not.toContain(hidden);
    }
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('the instructor reads every job with its phases, the output, the hidden test and the command', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.served.url });
    await world.signIn(page, 'ines');
    await page.goto(submissionUrl);
    await page.getByRole('heading', { name: 'Grading jobs' }).waitFor();
    const staff = (await page.textContent('main'))!;
    expect(staff).toContain('Sam Student');
    for (const phase of ['queued', 'claimed, preparing', 'running', 'saving the result', 'finished']) expect(staff, phase).toContain(phase);
    expect(staff).toMatch(/Lasted/);
    // The hidden test, marked as such.
    const hiddenRow = page.getByRole('row', { name: /Exactly two lines/ });
    expect(await hiddenRow.textContent()).toContain('hidden: never');
    // The grader's stdout, behind a disclosure.
    await page.locator('details.output summary', { hasText: 'stdout' }).first().click();
    await expect.poll(() => page.locator('details.output[open]').first().textContent()).toContain('submission metadata:');
    // The command that runs it again, copied by the button.
    const command = (await page.locator('pre.command code').first().textContent())!;
    expect(command).toMatch(new RegExp(`^gradebox grade remote sub_\\S+ --part p1 --version gv_\\S+ --server ${world.served.url.replace(/[.]/g, '\\.')}$`));
    await page.getByRole('button', { name: 'Copy the command' }).first().click();
    await expect.poll(() => page.locator('[data-copy-status]').first().textContent()).toMatch(/Copied|Selected/);
    await world.audit(page, 'submission-staff');
    await expectNoSidewaysScroll(page);
    // The archive downloads with the session.
    const download = await page.request.get(`${submissionUrl}/archive`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toBe('application/x-tar');
    expect(alarms).toEqual([]);
    await context.close();
  }, 60_000);

  it('the instructor watches a submission\'s jobs move on live while it is graded, the copy button working after', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.served.url });
    // run-submission runs main.sh: this one takes a few seconds, so the page surely opens before the result.
    const form = new FormData();
    form.append('file', new Blob(['sleep 4\nexit 0\n']), 'main.sh');
    const submitted = await fetch(`${world.served.url}/api/courses/staff101/assignments/slow/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await studentToken()}` },
      body: form,
    });
    expect(submitted.status).toBe(201);
    const { id } = (await submitted.json()) as { id: string };
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}/submissions/${id}`);
    const jobs = page.locator('#staff-jobs');
    expect(await jobs.textContent()).toContain('This updates by itself');
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await jobs.getByText('finished', { exact: true }).first().waitFor({ timeout: 60_000 });
    expect(navigations).toBe(0);
    expect(await jobs.textContent()).toContain('Refresh for the latest');
    // The swapped-in section's copy button is bound too.
    await jobs.getByRole('button', { name: 'Copy the command' }).first().click();
    await expect.poll(() => jobs.locator('[data-copy-status]').first().textContent()).toMatch(/Copied|Selected/);
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('the instructor watches the queue dashboard refresh itself', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}/courses/staff101/queue`);
    await page.getByRole('heading', { level: 1, name: 'Grading queue: Staff 101' }).waitFor();
    const main = (await page.textContent('main'))!;
    expect(main).toContain('Jobs by state and priority');
    expect(main).toMatch(/Over the [1-9]\d* job\(s\) finished/);
    expect(main).not.toContain('Workers holding jobs');
    await world.audit(page, 'queue');
    await expectNoSidewaysScroll(page);
    // htmx re-reads the page and swaps the live part: its time moves on.
    const first = await page.locator('#queue-live time').first().getAttribute('datetime');
    await expect.poll(() => page.locator('#queue-live time').first().getAttribute('datetime'), { timeout: 15_000 }).not.toBe(first);
    // The refreshed part's times are in the viewer's time zone too, not left in UTC.
    await expect.poll(() => page.locator('#queue-live time').first().getAttribute('data-localized')).toBe('1');
    expect(alarms).toEqual([]);
    await context.close();
  }, 60_000);

  it('an administrator sees every course and the server’s worker with its slots', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'admin');
    await page.goto(`${world.served.url}/queue`);
    await page.getByRole('heading', { level: 1, name: 'Grading queue: every course' }).waitFor();
    // `gradebox serve --workers 1`: one worker, one slot, announced to the queue.
    const workers = page.locator('table.workers tbody tr');
    expect(await workers.count()).toBe(1);
    expect(await workers.first().textContent()).toMatch(/0 \/ 1/);
    expect(await page.getByRole('link', { name: 'Staff 101' }).getAttribute('href')).toBe('/courses/staff101/queue');
    await world.audit(page, 'queue-all');
    await expectNoSidewaysScroll(page);
    expect(alarms).toEqual([]);
    await context.close();
  }, 60_000);

  it('a student gets a 403 page on the queue', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sam');
    const answer = await page.goto(`${world.served.url}/courses/staff101/queue`);
    expect(answer!.status()).toBe(403);
    expect(await page.textContent('main')).not.toContain('Jobs by state');
    expect((await page.goto(`${world.served.url}/queue`))!.status()).toBe(403);
    // Chromium logs each 403 answer as a failed load; nothing else may show up.
    expect(alarms.filter((alarm) => !/Failed to load resource: the server responded with a status of 403/.test(alarm))).toEqual([]);
    await context.close();
  }, 60_000);
});
