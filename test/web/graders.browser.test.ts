/**
 * The graders page in a real browser against a real `gradebox serve` with a worker: an instructor
 * uploads a grader image through the form (the script's progress bar, then the new draft),
 * publishes, meets the goldens' rule (graded first, then a changed result) and publishes anyway,
 * accepting the change; a TA uploads with JavaScript off (the plain form), sees no publish button and is refused when posting anyway; a student
 * gets a 403 page. axe checks every state of the page, photographed at both widths.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testImage } from '../support/test-image.ts';
import { startWebWorld, type WebWorld } from './browser-harness.ts';

let world: WebWorld;
const PAGE = '/courses/web101/assignments/echo/graders';

beforeAll(async () => {
  const course = {
    course: { id: 'web101', title: 'Web 101' },
    members: [
      { login: 'ines', role: 'instructor' },
      { login: 'tom', role: 'ta' },
      { login: 'sam', role: 'student' },
    ],
    assignments: [{ id: 'echo', title: 'Echo', parts: [{ id: 'p1', title: 'Echo part', points: 1 }] }],
  };
  world = await startWebWorld({ courseFile: course, passwords: ['ines', 'tom', 'sam'] });
  await world.publish('web101', 'echo', 'echo-payload');
  // A golden submission that expects 0 points: echo-payload gives what results.json says (1 point),
  // so the next draft changes its result.
  const issued = await world.api('POST', '/api/users/sam/tokens', { name: 'test', scopes: ['read', 'submit'] });
  const { token } = (await issued.json()) as { token: string };
  const form = new FormData();
  form.append('file', new Blob([JSON.stringify({ score: 1 })]), 'results.json');
  const submitted = await fetch(`${world.served.url}/api/courses/web101/assignments/echo/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(submitted.status).toBe(201);
  const { id } = (await submitted.json()) as { id: string };
  expect((await world.api('POST', '/api/courses/web101/assignments/echo/goldens', { submissionId: id, label: 'sam expects nothing', expect: { p1: 0 } })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

async function heading(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
}

/** The alarms, without Chrome's note on a page answered with an expected error status (the 409 and 403 pages). */
function unexpected(alarms: string[], status: number): string[] {
  return alarms.filter((a) => !a.startsWith(`console: Failed to load resource: the server responded with a status of ${status} `));
}

async function goldenState(): Promise<string> {
  const answer = await world.api('GET', '/api/courses/web101/assignments/echo/goldens');
  const { goldens } = (await answer.json()) as { goldens: Array<{ drafts: Array<{ state: string }> }> };
  return goldens[0]?.drafts[0]?.state ?? 'none';
}

describe('the graders page in a browser', () => {
  it('lets an instructor upload an image with a progress bar, then publish it past a changed golden', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(world.served.url + PAGE);
    expect(await heading(page)).toBe('Graders: Echo');
    expect(await page.locator('table#versions-0 tbody tr').count()).toBe(1);
    await world.audit(page, 'graders');

    // A slow link, so that the progress bar is seen moving (DevTools' upload throttling).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 512 * 1024 });
    await page.getByLabel('Timeout (seconds)').fill('30');
    await page.setInputFiles('#p0-image', testImage('echo-payload'));
    await page.getByRole('button', { name: 'Upload as a new draft' }).click();
    const progress = page.locator('form[data-grader-upload] progress').first();
    await progress.waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(async () => Number(await progress.getAttribute('max')), { timeout: 10_000 }).toBeGreaterThan(1);
    await expect.poll(() => page.locator('[data-upload-status]').first().textContent(), { timeout: 10_000 }).toMatch(/Upload(ing: \d+%|ed)/);
    await page.waitForURL(/\/graders\?draft=gv_/, { timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    expect(await page.getByRole('status').textContent()).toContain('Draft v2 of part p1 uploaded.');
    const newest = page.locator('table#versions-0 tbody tr').first();
    expect(await newest.locator('th').textContent()).toBe('v2');
    expect(await newest.textContent()).toContain('draft');
    expect(await newest.textContent()).toContain('timeout 30 s');
    await world.audit(page, 'graders-draft');

    // Publish: the golden is not graded by the draft yet; the page has it graded now.
    await page.getByRole('button', { name: 'Publish drafts' }).click();
    await expect.poll(() => heading(page)).toBe('Not published: Echo');
    expect(await page.textContent('main')).toContain('1 golden submission is being graded with the drafts now');
    await world.audit(page, 'graders-goldens-pending');
    await expect.poll(goldenState, { timeout: 60_000, interval: 500 }).toBe('changed');

    // Publish again: the golden's result would change; the differences, and publish anyway.
    await page.getByRole('button', { name: 'Publish drafts' }).click();
    await expect.poll(() => page.locator('table caption').first().textContent()).toBe('Golden results that would change');
    const row = (await page.locator('table tbody tr').first().textContent())!;
    expect(row).toContain('sam expects nothing');
    expect(row).toContain('0 points');
    expect(row).toContain('1 points');
    await world.audit(page, 'graders-golden-changed');
    await page.getByRole('button', { name: 'Publish anyway, accepting the changes' }).click();
    await page.waitForURL(/\/graders\?published=1&accepted=1/);
    expect(await page.getByRole('status').textContent()).toContain('1 changed golden result was accepted as the new expectations');
    expect(await page.locator('table#versions-0 tbody tr').first().textContent()).toContain('published');
    expect(await page.locator('table#versions-0 tbody tr').nth(1).textContent()).toContain('superseded');
    expect(await page.getByRole('button', { name: 'Publish drafts' }).count()).toBe(0);
    await world.audit(page, 'graders-published');
    expect(unexpected(alarms, 409)).toEqual([]);
    await context.close();
  }, 180_000);

  it('lets a TA upload without JavaScript, shows no publish button, and refuses the POST with a 403 page', async () => {
    // The plain form, JavaScript off: the browser posts it, the server answers with the page and its notice.
    const plain = await world.watchedContext({ javaScriptEnabled: false });
    await world.signIn(plain.page, 'tom');
    await plain.page.goto(world.served.url + PAGE);
    await plain.page.setInputFiles('#p0-image', testImage('echo-payload'));
    await plain.page.getByRole('button', { name: 'Upload as a new draft' }).click();
    await plain.page.waitForURL(/\/graders\?draft=gv_/, { timeout: 60_000 });
    expect(await plain.page.getByRole('status').textContent()).toContain('Draft v3 of part p1 uploaded.');
    expect(await plain.page.locator('table#versions-0 tbody tr').first().textContent()).toContain('tom');
    await plain.context.close();

    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'tom');
    await page.goto(world.served.url + PAGE);
    expect(await page.textContent('main')).toContain('Drafts waiting: p1 v3');
    expect(await page.getByRole('button', { name: /Publish/ }).count()).toBe(0);
    expect(await page.textContent('main')).toContain("Only the course's instructors publish graders.");
    await world.audit(page, 'graders-ta');
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const refused = await page.request.post(`${world.served.url}${PAGE}/publish`, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('Not allowed');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('gives a student a 403 page', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sam');
    const answer = await page.goto(world.served.url + PAGE);
    expect(answer?.status()).toBe(403);
    expect(await heading(page)).toBe('Not allowed');
    expect(await page.locator('form[data-grader-upload]').count()).toBe(0);
    await world.audit(page, 'graders-student');
    expect(unexpected(alarms, 403)).toEqual([]);
    await context.close();
  }, 120_000);
});
