/**
 * The course set-up page in a real browser against a real `gradebox serve`: an instructor adds a
 * member, filters the members, uploads a course file, reads the preview and applies it, and creates
 * an invitation link; a TA sees the page without a form that changes it; a student gets a 403 page.
 * axe checks every page (no serious or critical violations) and photographs them at desktop and
 * phone width under test/.artifacts/web/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebWorld, type WebWorld } from './browser-harness.ts';

let world: WebWorld;
const SETUP = '/courses/web201/setup';

const NEW_FILE = `course: {id: web201, title: Web 201 (spring)}
members:
  - {login: ines, role: instructor}
  - {login: rita, displayName: Rita Reader, role: student}
assignments:
  - id: sums
    title: Sums
    deadline: 2099-01-01T00:00:00Z
    latePolicy: {percent: 10, per: day, floor: 0.5}
    parts: [{id: p1, points: 10}]
  - id: essay
    title: Essay <draft>
    trigger: completion
    parts: [{id: text, title: The text, points: 20}, {id: refs, points: 5}]
`;

beforeAll(async () => {
  const course = {
    course: { id: 'web201', title: 'Web 201' },
    members: [
      { login: 'ines', displayName: 'Ines Instructor', role: 'instructor' },
      { login: 'tara', role: 'ta' },
      { login: 'sam', role: 'student' },
    ],
    assignments: [{ id: 'sums', title: 'Sums', deadline: '2099-01-01T00:00:00Z', latePolicy: { percent: 10, per: 'day', floor: 0.5 }, parts: [{ id: 'p1', points: 10 }] }],
  };
  world = await startWebWorld({ courseFile: course, passwords: ['ines', 'tara', 'sam'] });
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('the course set-up page', () => {
  it('lets an instructor add a member, preview and apply a course file, and invite a student', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}/courses/web201`);
    await page.getByRole('navigation', { name: 'Course staff pages' }).getByRole('link', { name: 'Set-up' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Set-up of Web 201');
    expect(page.url()).toBe(`${world.served.url}${SETUP}`);
    const members = page.locator('#members-table');
    expect(await members.locator('tbody tr').count()).toBe(3);
    expect(await page.locator('#assignments-table').textContent()).toContain('10% off per day late, at least ×0.5');
    await world.audit(page, 'setup');

    // A member, through the form.
    await page.getByLabel('Login', { exact: true }).fill('nina');
    await page.getByLabel('Display name (for a new user; optional)').fill('Nina <New>');
    await page.getByLabel('Role', { exact: true }).selectOption('ta');
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect.poll(() => members.locator('tbody tr').count()).toBe(4);
    expect(await members.locator('tr', { hasText: 'nina' }).textContent()).toContain('Nina <New>TA');

    // The members table filters as one types (tables.js).
    await page.getByLabel('Search members').fill('nina');
    await expect.poll(() => members.locator('tbody tr:visible').count()).toBe(1);
    await page.getByLabel('Search members').fill('');

    // Change nina's role from her row.
    await page.getByLabel('Role of nina', { exact: true }).selectOption('student');
    await page.getByRole('button', { name: 'Change role of nina' }).click();
    await expect.poll(() => members.locator('tr', { hasText: 'nina' }).textContent()).toContain('student');

    // The course file: upload, preview, apply.
    await page.setInputFiles('#course-file-input', { name: 'web201.yaml', mimeType: 'application/yaml', buffer: Buffer.from(NEW_FILE) });
    await page.getByRole('button', { name: 'Preview the changes' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Preview of the course file');
    const preview = (await page.textContent('main'))!;
    expect(preview).toContain('web201/rita');
    expect(preview).toContain('web201/essay');
    expect(preview).toContain('4 to create, 1 to update, 0 to remove');
    await world.audit(page, 'setup-preview');
    await page.getByRole('button', { name: 'Apply these changes' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Course file applied');
    expect(await page.getByRole('status').textContent()).toContain('web201.yaml was applied: 4 created, 1 updated, 0 removed');
    await world.audit(page, 'setup-applied');
    await page.getByRole('link', { name: 'Back to the set-up' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Set-up of Web 201 (spring)');
    const assignments = (await page.locator('#assignments-table').textContent())!;
    expect(assignments).toContain('Essay <draft>');
    expect(assignments).toContain('text: The text (20)');
    expect(await members.locator('tr', { hasText: 'rita' }).textContent()).toContain('Rita Reader');

    // An invitation link for sam, shown once.
    await page.getByRole('button', { name: /^Invite sam/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Invitation for sam');
    const link = await page.getByLabel('Invitation link').inputValue();
    expect(link).toMatch(new RegExp(`^${world.served.url}/invitations/[A-Za-z0-9_-]+$`));
    expect(await page.getByRole('button', { name: 'Copy the link' }).isVisible()).toBe(true);
    await world.audit(page, 'setup-invitation');
    const invited = await context.newPage();
    await invited.goto(link);
    expect(await invited.textContent('main')).toContain('sam');

    expect(alarms).toEqual([]);
    await context.close();
  });

  it('shows a TA the set-up without a form that changes it', async () => {
    const { context, page, alarms } = await world.watchedContext();
    await world.signIn(page, 'tara');
    await page.goto(`${world.served.url}${SETUP}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Set-up of Web 201/);
    expect(await page.textContent('main')).toContain('only its instructors change it');
    expect(await page.locator('main form').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add member' }).count()).toBe(0);
    expect(await page.locator('#members-table tbody tr').count()).toBeGreaterThanOrEqual(3);
    await world.audit(page, 'setup-ta');
    expect(alarms).toEqual([]);
    await context.close();
  });

  it('works without JavaScript: the forms post, the filters and the copy button stay hidden', async () => {
    const { context, page } = await world.watchedContext({ javaScriptEnabled: false });
    await world.signIn(page, 'ines');
    await page.goto(`${world.served.url}${SETUP}`);
    expect(await page.getByLabel('Search members').isVisible()).toBe(false);
    expect(await page.locator('label[for=members-search]').isVisible()).toBe(false);
    await page.getByLabel('Login', { exact: true }).fill('olga');
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect.poll(() => page.locator('#members-table tr', { hasText: 'olga' }).count()).toBe(1);
    await page.getByRole('button', { name: /^Invite olga/ }).click();
    expect(await page.getByLabel('Invitation link').inputValue()).toContain('/invitations/');
    expect(await page.locator('button[data-copy]').isVisible()).toBe(false);
    await context.close();
  });

  it('gives a student a 403 page', async () => {
    const { context, page } = await world.watchedContext();
    await world.signIn(page, 'sam');
    const answer = await page.goto(`${world.served.url}${SETUP}`);
    expect(answer?.status()).toBe(403);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    expect(await page.locator('#members-table').count()).toBe(0);
    await context.close();
  });
});
