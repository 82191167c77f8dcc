/**
 * The gradebook pages in a real browser against the real `gradebox serve` with a real grader:
 * two students submit, the instructor sorts and filters the course gradebook, follows a grade to
 * the assignment gradebook, overrides a grade with a reason and sees it in the table and the
 * grade log, releases, downloads the CSV, grants an extension; a student meets a 403 page. Both
 * pages are checked with axe and photographed (test/.artifacts/web/gradebook*.png).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebWorld, type WebWorld } from './browser-harness.ts';

let world: WebWorld;

async function submitAs(login: string, answer: string): Promise<void> {
  const issued = await world.api('POST', `/api/users/${login}/tokens`, { name: 'browser test', scopes: ['read', 'submit'] });
  expect(issued.status).toBe(201);
  const { token } = (await issued.json()) as { token: string };
  const form = new FormData();
  form.append('file', new Blob([answer]), 'answer.txt');
  const submitted = await fetch(`${world.served.url}/api/courses/gb101/assignments/sums/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(submitted.status).toBe(201);
}

beforeAll(async () => {
  const course = {
    course: { id: 'gb101', title: 'Gradebook 101' },
    members: [
      { login: 'ines', displayName: 'Ines Instructor', role: 'instructor' },
      { login: 'sam', displayName: 'Sam Student', role: 'student' },
      { login: 'sue', displayName: 'Sue Student', role: 'student' },
    ],
    assignments: [
      { id: 'sums', title: 'Sums', deadline: '2099-01-01T00:00:00Z', release: 'manual', parts: [{ id: 'p1', points: 10 }] },
      { id: 'later', title: 'Later', release: 'manual', parts: [{ id: 'p1', points: 5 }] },
    ],
  };
  world = await startWebWorld({ courseFile: course, passwords: ['ines', 'sam', 'sue'] });
  await world.publish('gb101', 'sums', 'gradescope-sh');
  await submitAs('sam', '55\n385\n');
  await submitAs('sue', '55\n0\n');
  // Both graded (a real grader, a real worker): sam 10/10, sue 6/10.
  const graded = async (): Promise<string> => {
    const answer = await world.api('GET', '/api/courses/gb101/assignments/sums/grades');
    const { grades } = (await answer.json()) as { grades: Array<{ login: string; finalGrade: number | null }> };
    return grades.map((g) => `${g.login}:${g.finalGrade}`).join(' ');
  };
  const until = Date.now() + 90_000;
  while ((await graded()) !== 'sam:100 sue:60') {
    if (Date.now() > until) throw new Error(`not graded in time: ${await graded()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe('the gradebook in the browser', () => {
  it('lets the instructor sort, filter, override with a reason, release, export and extend', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}/courses/gb101/gradebook`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Gradebook: Gradebook 101');
    const table = page.locator('#gradebook');
    await expect.poll(() => table.locator('tbody tr').allTextContents()).toEqual([expect.stringMatching(/^sam Sam Student\s*100—100$/), expect.stringMatching(/^sue Sue Student\s*60—60$/)]);
    await world.audit(page, 'gradebook');

    // Sort by Sums, ascending: sue (60) first; filter to sam.
    await table.getByRole('button', { name: 'Sums (hidden)' }).click();
    await expect.poll(() => table.locator('tbody tr th').allTextContents()).toEqual(['sue Sue Student', 'sam Sam Student']);
    await expect.poll(() => table.locator('thead th').nth(1).getAttribute('aria-sort')).toBe('ascending');
    await page.getByLabel('Filter students').fill('sam');
    await expect.poll(() => table.locator('tbody tr:visible th').allTextContents()).toEqual(['sam Sam Student']);
    await page.getByLabel('Filter students').fill('');

    // A grade leads to the student's row in the assignment gradebook.
    await table.locator('tbody tr', { hasText: 'sue' }).getByRole('link', { name: '60' }).click();
    await page.waitForURL(/\/courses\/gb101\/assignments\/sums\/gradebook#g-sue$/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Grades: Sums');
    await expect.poll(() => page.locator('#g-sue').textContent()).toContain('60');
    await expect.poll(() => page.locator('svg[role=img]').count()).toBe(2);
    await world.audit(page, 'gradebook-assignment');

    // Override sue's part with a reason: the table marks it, the log says why.
    await page.getByLabel('Student (login)').first().fill('sue');
    await page.locator('#override-part').selectOption('p1');
    await page.getByLabel('Points (or grade)').fill('9');
    await page.getByLabel(/^Reason \(required/).fill('the second line was right, formatted oddly');
    await page.getByRole('button', { name: 'Save override' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The override is saved and logged.');
    await expect.poll(() => page.locator('#g-sue td').first().textContent()).toBe('9*');
    await expect.poll(() => page.locator('#g-sue').textContent()).toMatch(/^sue Sue Student9\*90—90graded/);
    await expect.poll(() => page.locator('#log + .table-wrap tbody tr').first().textContent()).toContain('the second line was right, formatted oddly');

    // Release: students see scores now.
    await page.getByRole('button', { name: 'Release grades' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The grades are released');
    await expect.poll(() => page.locator('#g-sue').textContent()).toContain('yes');

    // The CSV download of this assignment.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: "Download this assignment's grades as CSV" }).click()]);
    expect(download.suggestedFilename()).toBe('gb101-sums-grades.csv');
    const csv = (await readFile((await download.path()), 'utf8')).split('\r\n');
    expect(csv[0]).toBe('login,name,assignment,status,sums/p1,points,possible,raw,late_factor,late_rule,final,override,completed_at,released');
    expect(csv[1]).toMatch(/^sam,Sam Student,sums,graded,10,10,10,100,1,[^,]*,100,no,,yes$/);
    expect(csv[2]).toMatch(/^sue,Sue Student,sums,graded,9,9,10,90,1,[^,]*,90,yes,,yes$/);

    // An extension for sam (a UTC time from the date picker).
    await page.locator('#extension-login').fill('sam');
    await page.locator('#extension-until').fill('2099-02-01T10:00');
    await page.getByRole('button', { name: 'Save extension' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('The extension is saved');
    await expect.poll(() => page.locator('#g-sam time').getAttribute('datetime')).toBe('2099-02-01T10:00:00.000Z');
    expect(alarms).toEqual([]);
    await context.close();
  });

  it('shows a student a 403 page', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'sam');
    const answer = await page.goto(`${world.served.url}/courses/gb101/gradebook`);
    expect(answer?.status()).toBe(403);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    const assignment = await page.goto(`${world.served.url}/courses/gb101/assignments/sums/gradebook`);
    expect(assignment?.status()).toBe(403);
    expect(alarms.filter((a) => !a.includes('403'))).toEqual([]);
    await context.close();
  });
});
