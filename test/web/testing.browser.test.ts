/**
 * The testing page of graders in a real browser against a real `gradebox serve` with real
 * graders: an instructor tests a draft on a sample and reads the whole result (stdout, stderr,
 * hidden tests), runs the robustness check and reads its report, pins the sample as a golden and
 * watches it graded by the draft; a student gets a 403 page. Then the forms' hostile inputs over
 * HTTP: no CSRF token, bad archives, samples too large, unknown parts, versions, runs, checks
 * and goldens, a student's posts — each refused with an error page, nothing stored.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startWebWorld, type WebWorld } from './browser-harness.ts';
import { WebClient } from './web-client.ts';
import { testImage } from '../support/test-image.ts';

let world: WebWorld;
const TESTING = '/courses/tst101/assignments/echo/testing';
const HOSTILE = '<script>alert("stdout")</script><img src=x onerror=alert(1)>';

beforeAll(async () => {
  const course = {
    course: { id: 'tst101', title: 'Testing 101' },
    members: [
      { login: 'ines', role: 'instructor' },
      { login: 'sam', role: 'student' },
    ],
    assignments: [
      { id: 'echo', title: 'Echo', parts: [{ id: 'p1', points: 1 }] },
      { id: 'unit', title: 'Unit', trigger: 'completion', autograde: 'script', parts: [{ id: 'p1', points: 10 }] },
    ],
  };
  world = await startWebWorld({ courseFile: course, passwords: ['ines', 'sam'] });
  // A draft only: nothing published, so students could not even be graded.
  await world.uploadGrader('tst101', 'echo', 'echo-payload');
  // An autograde script draft (Codio's style): its grade from the part results it is told.
  const bytes = await readFile(testImage('codio-unit'));
  const upload = await world.api('POST', '/api/courses/tst101/images', bytes, { 'content-type': 'application/x-tar', 'x-content-sha256': createHash('sha256').update(bytes).digest('hex') });
  expect(upload.status).toBe(201);
  const { imageId } = (await upload.json()) as { imageId: string };
  expect((await world.api('POST', '/api/courses/tst101/assignments/unit/autograde-graders', { imageId, script: { path: '/grader/assignment.py' } })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

/** A sample for echo-payload, which passes results.json, stdout.txt and stderr.txt through. */
function sample(): Array<{ name: string; mimeType: string; buffer: Buffer }> {
  const results = {
    score: 1,
    output: 'Well done',
    tests: [
      { name: 'shown test', score: 1, max_score: 1, status: 'passed', output: 'ok' },
      { name: 'secret test', score: 0, max_score: 0, status: 'passed', output: 'hidden detail', visibility: 'hidden' },
    ],
  };
  return [
    { name: 'results.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(results)) },
    { name: 'stdout.txt', mimeType: 'text/plain', buffer: Buffer.from(`grader says hello ${HOSTILE}\n`) },
    { name: 'stderr.txt', mimeType: 'text/plain', buffer: Buffer.from('grader warns on stderr\n') },
  ];
}

async function submissionCount(): Promise<number> {
  const answer = await world.api('GET', '/api/courses/tst101/assignments/echo/submissions');
  return ((await answer.json()) as { submissions: unknown[] }).submissions.length;
}

describe('the testing page in the browser', () => {
  let runUrl = '';

  it('tests a draft on a sample: live status, then the whole result with stdout and stderr', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}${TESTING}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Testing graders: Echo');
    await world.audit(page, 'testing');
    await page.setInputFiles('#test-files', sample());
    await page.getByRole('button', { name: 'Run the test' }).click();
    await page.waitForURL(/\/testing\/runs\/sub_/);
    runUrl = page.url();
    await page.getByText('Done', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByText('grader warns on stderr').waitFor();
    const main = (await page.textContent('main'))!;
    expect(await page.locator('details.output[open] summary', { hasText: 'stdout' }).count()).toBe(1);
    expect(main).toContain(`grader says hello ${HOSTILE}`);
    // The hidden test is listed, marked as hidden from students.
    const secret = page.getByRole('row', { name: /secret test/ });
    expect(await secret.textContent()).toContain('hidden: never');
    expect(await secret.isVisible()).toBe(true);
    expect(main).toContain('1 of 1 points');
    expect(main).toMatch(/[\d.]+ (ms|s) wall/);
    expect(await page.locator('main script, main img').count()).toBe(0);
    await world.audit(page, 'testing-result');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('checks robustness: the report fills in as the cases are graded', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}${TESTING}`);
    for (const box of await page.locator('input[name="cases"]').all()) await box.uncheck();
    for (const id of ['no-files', 'empty-files', 'wrong-names', 'forged-result']) await page.locator(`#rb-case-${id}`).check();
    await page.getByRole('button', { name: 'Check robustness' }).click();
    await page.waitForURL(/\/testing\/robustness\/rbc_/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Robustness of part p1');
    await page.getByText(/The grader (handled every case|mishandled some cases)/).waitFor({ timeout: 90_000 });
    const main = (await page.textContent('main'))!;
    expect(main).toContain('no-files');
    expect(main).toContain('the server refuses a submission without files');
    expect(main).toMatch(/1 skipped/);
    // echo-payload passes the student's results.json through: a forged result gets full marks.
    expect(main).toMatch(/forged-result\s*bad/);
    await world.audit(page, 'robustness');
    // The check is listed on the testing page.
    await page.getByRole('link', { name: 'Testing', exact: true }).first().click();
    expect(await page.textContent('main')).toContain('Recent robustness checks');
    expect(alarms).toEqual([]);
    await context.close();
  }, 150_000);

  it('pins the sample as a golden and runs the goldens against the draft', async () => {
    expect(runUrl).not.toBe('');
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(runUrl);
    await page.getByLabel('Label (optional)').fill('the payload sample');
    await page.getByRole('button', { name: 'Pin as golden' }).click();
    await page.waitForURL(new RegExp(`${TESTING}#goldens$`));
    const table = page.locator('#golden-status');
    expect(await table.textContent()).toContain('the payload sample');
    expect(await table.textContent()).toContain('p1: graded, 1 points');
    await page.getByRole('button', { name: 'Run goldens against the drafts' }).click();
    await page.waitForURL(new RegExp(`${TESTING}#goldens$`));
    await page.locator('#golden-status strong.golden-state.ok').waitFor({ timeout: 60_000 });
    expect(await table.textContent()).toMatch(/p1 v1: matches/);
    await world.audit(page, 'goldens');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('tests the autograde script with made-up part results', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}/courses/tst101/assignments/unit/testing`);
    await page.getByLabel('Made-up part results (JSON by part id)').fill('{"p1": {"points": 3}}');
    await page.setInputFiles('#agt-files', { name: 'answer.txt', mimeType: 'text/plain', buffer: Buffer.from('42\n') });
    await page.getByRole('button', { name: 'Run the script' }).click();
    await page.waitForURL(/\/testing\/autograde-tests\/agt_/);
    await page.getByText('grade 30 of 100').waitFor({ timeout: 60_000 });
    const main = (await page.textContent('main'))!;
    expect(main).toContain('p1: 3 of 10 points');
    expect(await page.locator('details.output[open] summary', { hasText: 'stdout' }).count()).toBe(1);
    await world.audit(page, 'testing-autograde');
    expect(alarms).toEqual([]);
    await context.close();
  }, 120_000);

  it('gives a student a 403 page', async () => {
    const { context, page } = await world.watchedContext();
    await world.signIn(page, 'sam');
    const answer = await page.goto(`${world.served.url}${TESTING}`);
    expect(answer?.status()).toBe(403);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    expect(await page.textContent('main')).not.toContain('Golden');
    if (runUrl !== '') expect((await page.goto(runUrl))?.status()).toBe(403);
    await context.close();
  }, 60_000);
});

describe('hostile input to the testing forms', () => {
  async function signedIn(login: string): Promise<{ client: WebClient; csrf: string }> {
    const client = new WebClient(world.served.url);
    expect((await client.signIn(login, PASSWORD)).status).toBe(303);
    const home = await client.get('/');
    return { client, csrf: WebClient.hidden(home.text, '_csrf') };
  }

  function form(fields: Record<string, string>, files: Array<{ field: string; name: string; bytes: Uint8Array }> = []): FormData {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    for (const file of files) body.append(file.field, new Blob([file.bytes]), file.name);
    return body;
  }

  /**
   * A multipart post on a connection of its own. The server answers a refused upload before it
   * reads the rest and closes the connection; fetch then fails with EPIPE while still sending,
   * instead of returning the answer, where node:http gives the answer.
   */
  async function postOnOwnConnection(client: WebClient, path: string, body: FormData): Promise<{ status: number; text: string }> {
    const encoded = new Request('http://localhost/', { method: 'POST', body });
    const bytes = Buffer.from(await encoded.arrayBuffer());
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      let answered = false;
      const sent = httpRequest(
        world.served.url + path,
        { method: 'POST', agent: false, headers: { 'content-type': encoded.headers.get('content-type')!, 'content-length': bytes.length, cookie } },
        (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      // Writing the rest after the server closed fails; the answer came first.
      sent.on('error', (error) => (answered ? undefined : reject(error)));
      sent.end(bytes);
    });
  }

  const goodFile = { field: 'file', name: 'results.json', bytes: Buffer.from('{"score": 1}') };

  it('refuses a post without the CSRF token (403), storing nothing', async () => {
    const { client } = await signedIn('ines');
    const before = await submissionCount();
    const answer = await postOnOwnConnection(client, `${TESTING}/runs`, form({ part: 'p1', version: 'draft' }, [goodFile]));
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('<!doctype html>');
    expect((await client.request('POST', `${TESTING}/goldens`, { form: { submission: 'sub_x' } })).status).toBe(403);
    expect((await client.request('POST', `${TESTING}/golden-runs`, { form: {} })).status).toBe(403);
    expect(await submissionCount()).toBe(before);
  });

  it('refuses a bad archive (400) and a sample too large (413), storing nothing', async () => {
    const { client, csrf } = await signedIn('ines');
    const before = await submissionCount();
    const bad = await postOnOwnConnection(client, `${TESTING}/runs?csrf=${encodeURIComponent(csrf)}`, form({ part: 'p1', version: 'draft' }, [{ field: 'archive', name: 'sample.zip', bytes: Buffer.from('this is no archive at all') }]));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('That did not work');
    const huge = await postOnOwnConnection(client, `${TESTING}/runs?csrf=${encodeURIComponent(csrf)}`, form({ part: 'p1', version: 'draft' }, [{ field: 'file', name: 'huge.txt', bytes: new Uint8Array(51 * 1024 * 1024) }]));
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('<!doctype html>');
    const noFiles = await postOnOwnConnection(client, `${TESTING}/runs?csrf=${encodeURIComponent(csrf)}`, form({ part: 'p1', version: 'draft' }));
    expect(noFiles.status).toBe(400);
    const oddField = await postOnOwnConnection(client, `${TESTING}/runs?csrf=${encodeURIComponent(csrf)}`, form({ part: 'p1', sneaky: 'x' }, [goodFile]));
    expect(oddField.status).toBe(400);
    const noCases = await postOnOwnConnection(client, `${TESTING}/robustness?csrf=${encodeURIComponent(csrf)}`, form({ part: 'p1', version: 'draft' }));
    expect(noCases.status).toBe(400);
    expect(noCases.text).toContain('choose at least one case');
    const badJson = await postOnOwnConnection(client, `/courses/tst101/assignments/echo/testing/autograde-tests?csrf=${encodeURIComponent(csrf)}`, form({ partResults: '{not json' }, [goodFile]));
    // This assignment runs no autograde script: refused before the sample is read.
    expect(badJson.status).toBe(409);
    expect(await submissionCount()).toBe(before);
  }, 60_000);

  it('answers 404 pages for unknown parts, versions, runs, checks and goldens', async () => {
    const { client, csrf } = await signedIn('ines');
    const before = await submissionCount();
    const q = `?csrf=${encodeURIComponent(csrf)}`;
    expect((await postOnOwnConnection(client, `${TESTING}/runs${q}`, form({ part: 'nope', version: 'draft' }, [goodFile]))).status).toBe(404);
    expect((await postOnOwnConnection(client, `${TESTING}/runs${q}`, form({ part: 'p1', version: 'gv_unknown' }, [goodFile]))).status).toBe(404);
    expect((await postOnOwnConnection(client, `${TESTING}/robustness${q}`, form({ part: 'p1', version: 'gv_unknown', cases: 'empty-files' }))).status).toBe(404);
    expect((await postOnOwnConnection(client, `${TESTING}/robustness${q}`, form({ part: 'p1', cases: 'no-such-case' }))).status).toBe(400);
    expect(await submissionCount()).toBe(before);
    for (const path of [`${TESTING}/runs/sub_unknown`, `${TESTING}/robustness/rbc_unknown`, `${TESTING}/autograde-tests/agt_unknown`, '/courses/tst101/assignments/nope/testing', '/courses/nope/assignments/echo/testing']) {
      const answer = await client.get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.text).toContain('<!doctype html>');
    }
    expect((await client.request('POST', `${TESTING}/goldens`, { form: { _csrf: csrf, submission: 'sub_unknown' } })).status).toBe(404);
    expect((await client.request('POST', `${TESTING}/goldens`, { form: { _csrf: csrf, submission: '' } })).status).toBe(400);
    expect((await client.request('POST', `${TESTING}/goldens/gold_unknown/unpin`, { form: { _csrf: csrf } })).status).toBe(404);
  });

  it("refuses a student's posts with 403 pages", async () => {
    const { client, csrf } = await signedIn('sam');
    const before = await submissionCount();
    const q = `?csrf=${encodeURIComponent(csrf)}`;
    expect((await postOnOwnConnection(client, `${TESTING}/runs${q}`, form({ part: 'p1', version: 'draft' }, [goodFile]))).status).toBe(403);
    expect((await postOnOwnConnection(client, `${TESTING}/robustness${q}`, form({ part: 'p1', version: 'draft', cases: 'empty-files' }))).status).toBe(403);
    expect((await client.request('POST', `${TESTING}/golden-runs`, { form: { _csrf: csrf } })).status).toBe(403);
    expect((await client.request('POST', `${TESTING}/goldens`, { form: { _csrf: csrf, submission: 'sub_unknown' } })).status).toBe(403);
    expect((await client.get(`${TESTING}/goldens/live`)).status).toBe(403);
    expect(await submissionCount()).toBe(before);
  });
});
