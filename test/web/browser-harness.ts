/**
 * What every browser test needs: a real `gradebox serve` with a course applied and passwords set,
 * Debian's chromium driven by playwright-core, sign-in through the form, an axe check with
 * photographs at desktop and phone width (test/.artifacts/web/), and a context that records every
 * dialog, console error and CSP violation (a script that ran where it must not shows up there).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { assertBuildIsFresh, cliEnv } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

export const ARTIFACTS = join(import.meta.dirname, '..', '.artifacts', 'web');
export const PASSWORD = 'students passphrase';
export const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

export interface WebWorld {
  home: string;
  served: ServedCli;
  browser: Browser;
  /** The API as the administrator (a JSON body, raw bytes, or none). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Uploads a test image as a part's grader draft; returns the new version's answer. */
  uploadGrader(course: string, assignment: string, image: string, part?: string): Promise<{ imageId: string }>;
  /** Uploads and publishes a test image as the grader of an assignment's part. */
  publish(course: string, assignment: string, image: string, part?: string): Promise<void>;
  /** axe (no serious or critical violations), at most 100 KB of JavaScript, and screenshots at both widths. */
  audit(page: Page, name: string): Promise<void>;
  watchedContext(options?: { javaScriptEnabled?: boolean }): Promise<{ context: BrowserContext; page: Page; alarms: string[] }>;
  signIn(page: Page, login: string, password?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startWebWorld(options: { courseFile: unknown; passwords: string[]; workers?: number }): Promise<WebWorld> {
  assertBuildIsFresh();
  await mkdir(ARTIFACTS, { recursive: true });
  const home = await mkdtemp(join(tmpdir(), 'gradebox-web-'));
  const served = await startServeCli(['--data', join(home, 'data'), '--port', '0', '--workers', String(options.workers ?? 1)], {
    env: cliEnv({ GRADEBOX_HOME: home, XDG_CONFIG_HOME: join(home, 'config') }),
    timeoutMs: 120_000,
  });

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${served.adminToken}`, ...headers } };
    if (body instanceof Uint8Array) init.body = body as NonNullable<RequestInit['body']>;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    return fetch(served.url + path, init);
  }

  async function uploadGrader(course: string, assignment: string, image: string, part = 'p1'): Promise<{ imageId: string }> {
    const bytes = await readFile(testImage(image));
    const upload = await api('POST', `/api/courses/${course}/images`, bytes, {
      'content-type': 'application/x-tar',
      'x-content-sha256': createHash('sha256').update(bytes).digest('hex'),
    });
    expect(upload.status).toBe(201);
    const { imageId } = (await upload.json()) as { imageId: string };
    expect((await api('POST', `/api/courses/${course}/assignments/${assignment}/parts/${part}/graders`, { imageId, timeoutSeconds: 30 })).status).toBe(201);
    return { imageId };
  }

  async function publish(course: string, assignment: string, image: string, part = 'p1'): Promise<void> {
    await uploadGrader(course, assignment, image, part);
    expect((await api('POST', `/api/courses/${course}/assignments/${assignment}/publish`)).status).toBe(200);
  }

  try {
    expect((await api('POST', '/api/apply', options.courseFile)).status).toBe(200);
    for (const login of options.passwords) expect((await api('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);
  } catch (error) {
    await served.stop();
    throw error;
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });

  async function audit(page: Page, name: string): Promise<void> {
    const results = await new AxeBuilder({ page }).analyze();
    const grave = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(grave.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), name).toEqual([]);
    // Every script the page loads, as sent (the budget: no page above 100 KB of JavaScript).
    const scripts = await page.evaluate<string[]>("[...document.querySelectorAll('script[src]')].map((s) => s.src)");
    let scriptBytes = 0;
    for (const src of scripts) scriptBytes += (await (await fetch(src)).arrayBuffer()).byteLength;
    expect(scriptBytes, `${name}: JavaScript of ${scripts.join(', ')}`).toBeLessThanOrEqual(100 * 1024);
    for (const [size, viewport] of Object.entries(SIZES)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${size}.png`), fullPage: true });
    }
    await page.setViewportSize(SIZES.desktop);
  }

  async function watchedContext(contextOptions: { javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; alarms: string[] }> {
    const context = await browser.newContext({ viewport: SIZES.desktop, ...contextOptions });
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

  async function signIn(page: Page, login: string, password = PASSWORD): Promise<void> {
    await page.goto(`${served.url}/`);
    await expect.poll(() => page.url()).toContain('/sign-in');
    await page.getByLabel('Login').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${served.url}/`, { timeout: 5000 }).catch(async (error: unknown) => {
      throw new Error(`sign-in did not lead home: at ${page.url()}: ${(await page.textContent('main')) ?? ''}`, { cause: error });
    });
  }

  async function stop(): Promise<void> {
    await browser.close();
    await served.stop();
    await rm(home, { recursive: true, force: true });
  }

  return { home, served, browser, api, uploadGrader, publish, audit, watchedContext, signIn, stop };
}
