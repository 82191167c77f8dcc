/**
 * The graders page over real HTTP against a real server (SQLite, no workers): versions per part,
 * the upload of a grader image from the form (streamed, no client checksum), publish with the
 * goldens' rule, and hostile requests: unknown ids, wrong roles, missing CSRF, bad limits, files
 * that are no image. Whatever is refused leaves the image store and the versions as they were.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dir, file, makeImage, makeSandbox, type Sandbox } from '../image/build-image.ts';
import { testImage } from '../support/test-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { WebClient } from './web-client.ts';

const PASSWORD = 'a long enough passphrase';
const MAX_IMAGE_BYTES = 3 * 1024 * 1024;
const PAGE = '/courses/cs101/assignments/hw1/graders';
const API = '/api/courses/cs101/assignments/hw1';

let t: TestServer;
let box: Sandbox;
const clients: Record<string, WebClient> = {};

beforeAll(async () => {
  t = await startTestServer({ maxImageBytes: MAX_IMAGE_BYTES });
  box = await makeSandbox();
  const course = {
    course: { id: 'cs101', title: 'Intro' },
    members: [
      { login: 'ines', role: 'instructor' },
      { login: 'tom', role: 'ta' },
      { login: 'sam', role: 'student' },
    ],
    assignments: [
      { id: 'hw1', title: 'Homework <1>', parts: [{ id: 'p1', points: 10 }, { id: 'p2', points: 5 }] },
      { id: 'unit', title: 'Unit', trigger: 'completion', autograde: 'script', parts: [{ id: 'p1', points: 10 }] },
    ],
  };
  expect((await t.admin('POST', '/api/apply', course)).status).toBe(200);
  for (const login of ['ines', 'tom', 'sam']) {
    expect((await t.admin('PUT', `/api/users/${login}/password`, { password: PASSWORD })).status).toBe(204);
    clients[login] = new WebClient(t.url);
    expect((await clients[login].signIn(login, PASSWORD)).status).toBe(303);
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  await box?.cleanup();
});

async function csrfOf(web: WebClient): Promise<string> {
  return WebClient.hidden((await web.get('/')).text, '_csrf');
}

/** The upload form's body: settings first, the image last (as the page's form sends it). */
function uploadForm(image: { bytes: Uint8Array; name?: string }, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('image', new Blob([image.bytes]), image.name ?? 'grader.tar');
  return form;
}

async function upload(web: WebClient, part: string, body: FormData, csrf?: string | null): Promise<{ status: number; headers: Headers; text: string }> {
  const token = csrf === undefined ? await csrfOf(web) : csrf;
  const query = token === null ? '' : `?csrf=${encodeURIComponent(token)}`;
  return web.request('POST', `${PAGE}/parts/${part}/drafts${query}`, { body });
}

async function storedFiles(): Promise<string[]> {
  const root = join(t.dataDir, 'images');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name))).sort();
}

interface Version {
  id: string;
  number: number;
  status: string;
  imageId: string;
  timeoutSeconds: number;
  memoryMiB: number;
  cpus: number;
  uploadedBy: string;
}

async function versions(part: string): Promise<Version[]> {
  const answer = await t.admin<{ versions: Version[] }>('GET', `${API}/parts/${part}/graders`);
  expect(answer.status).toBe(200);
  return answer.body.versions;
}

/** Runs `attempt`, expecting an HTML error page with `status` and `message`, and nothing stored or created. */
async function refusedWithoutTrace(status: number, message: RegExp, attempt: () => Promise<{ status: number; headers: Headers; text: string }>): Promise<void> {
  const before = { files: await storedFiles(), p1: await versions('p1'), p2: await versions('p2') };
  const answer = await attempt();
  expect(answer.status, answer.text.slice(0, 400)).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
  expect(answer.text).toMatch(message);
  expect(await storedFiles()).toEqual(before.files);
  expect(await versions('p1')).toEqual(before.p1);
  expect(await versions('p2')).toEqual(before.p2);
}

describe('the graders page', () => {
  it('uploads an image from the form as a new draft with its limits, and shows it', async () => {
    const ines = clients.ines!;
    const empty = await ines.get(PAGE);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('Graders: Homework &lt;1>');
    expect(empty.text).toContain('No drafts to publish');
    // The multipart form carries its CSRF token in the action URL, the image last.
    expect(empty.text).toMatch(/action="\/courses\/cs101\/assignments\/hw1\/graders\/parts\/p1\/drafts\?csrf=[^"]+"/);
    expect(empty.text.indexOf('name="timeoutSeconds"')).toBeLessThan(empty.text.indexOf('name="image"'));

    const bytes = await readFile(testImage('echo-payload'));
    const answer = await upload(ines, 'p1', uploadForm({ bytes }, { _csrf: await csrfOf(ines), timeoutSeconds: '30', memoryMiB: '2048', cpus: '2', protocol: '', runAs: '1001', scriptPath: '', scriptArgs: '' }));
    expect(answer.status, answer.text.slice(0, 400)).toBe(303);
    const [version] = await versions('p1');
    expect(version).toMatchObject({ number: 1, status: 'draft', timeoutSeconds: 30, memoryMiB: 2048, cpus: 2, uploadedBy: 'ines' });
    expect(answer.headers.get('location')).toBe(`${PAGE}?draft=${version!.id}#part-p1`);

    const page = await ines.get(`${PAGE}?draft=${version!.id}`);
    expect(page.text).toContain('Draft v1 of part p1 uploaded.');
    expect(page.text).toContain('timeout 30 s');
    expect(page.text).toContain('memory 2048 MiB');
    expect(page.text).toContain('2 CPUs');
    expect(page.text).toContain('output 64 MiB');
    expect(page.text).toContain('<span>1001</span>');
    expect(page.text).toContain('Drafts waiting: p1 v1');
    expect(page.text).toContain('>Publish drafts</button>');
    // The short digest, and the full one.
    const images = await t.admin<{ versions: Array<{ imageId: string }> }>('GET', `${API}/parts/p1/graders`);
    const imageId = images.body.versions[0]!.imageId;
    expect(page.text).toContain(`<code>${imageId.slice(0, 19)}</code>`);
    expect(page.text).toContain(`<code>${imageId}</code>`);
    // A notice for a version id that is not this assignment's shows nothing.
    expect((await ines.get(`${PAGE}?draft=gv_nope&published=<script>`)).text).not.toContain('uploaded.');
  });

  it('lets a TA upload but not publish: no button, and the POST is a 403 page', async () => {
    const tom = clients.tom!;
    const bytes = await readFile(testImage('echo-payload'));
    const answer = await upload(tom, 'p2', uploadForm({ bytes }, { _csrf: await csrfOf(tom) }));
    expect(answer.status, answer.text.slice(0, 400)).toBe(303);
    expect((await versions('p2'))[0]).toMatchObject({ number: 1, status: 'draft', uploadedBy: 'tom' });
    const page = await tom.get(PAGE);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('>Publish drafts</button>');
    expect(page.text).toContain("Only the course's instructors publish graders.");
    const refused = await tom.request('POST', `${PAGE}/publish`, { form: { _csrf: await csrfOf(tom) } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await versions('p2'))[0]!.status).toBe('draft');
  });

  it('publishes the drafts for an instructor, and shows them published', async () => {
    const ines = clients.ines!;
    const answer = await ines.request('POST', `${PAGE}/publish`, { form: { _csrf: await csrfOf(ines) } });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`${PAGE}?published=2&accepted=0`);
    const page = await ines.get(answer.headers.get('location')!);
    expect(page.text).toContain('Published 2 grader versions');
    expect(page.text).toContain('class="grader-state published"');
    expect(page.text).toContain('No drafts to publish');
    expect((await versions('p1'))[0]!.status).toBe('published');
    // Nothing left: the Platform's 409, as a page.
    const again = await ines.request('POST', `${PAGE}/publish`, { form: { _csrf: await csrfOf(ines) } });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('refuses to publish while goldens are not graded by the drafts, and starts grading them', async () => {
    const ines = clients.ines!;
    const sam = await t.tokenFor('sam');
    const form = new FormData();
    form.append('file', new Blob(['hello\n']), 'answer.txt');
    const submitted = await t.as(sam)<{ id: string }>('POST', `${API}/submissions`, form);
    expect(submitted.status).toBe(201);
    expect((await t.admin('POST', `${API}/goldens`, { submissionId: submitted.body.id, label: 'sam <first>', expect: { p1: 10, p2: 5 } })).status).toBe(201);
    const bytes = await readFile(testImage('echo-payload'));
    expect((await upload(ines, 'p1', uploadForm({ bytes }, { _csrf: await csrfOf(ines) }))).status).toBe(303);

    const answer = await ines.request('POST', `${PAGE}/publish`, { form: { _csrf: await csrfOf(ines) } });
    expect(answer.status).toBe(409);
    expect(answer.text).toContain('Not published: Homework &lt;1>');
    expect(answer.text).toContain('sam &lt;first>');
    expect(answer.text).toContain('1 golden submission is being graded with the drafts now');
    expect((await versions('p1'))[0]!.status).toBe('draft');
    const goldens = await t.admin<{ goldens: Array<{ drafts: Array<{ state: string }> }> }>('GET', `${API}/goldens`);
    expect(goldens.body.goldens[0]!.drafts.map((d) => d.state)).toEqual(['grading']);
  });

  it('lists the autograde grader versions of an assignment with autograde: script', async () => {
    const imageId = await t.uploadImage(t.adminToken, 'cs101', testImage('echo-payload'));
    expect((await t.admin('POST', '/api/courses/cs101/assignments/unit/autograde-graders', { imageId, script: { path: '/grader/run.sh', args: ['2030-01-01T00:00'] } })).status).toBe(201);
    const page = await clients.ines!.get('/courses/cs101/assignments/unit/graders');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Autograde grader versions, newest first');
    expect(page.text).toContain('/grader/run.sh 2030-01-01T00:00');
    expect(page.text).toContain('Drafts waiting: autograde v1');
  });
});

describe('hostile requests to the graders page', () => {
  it('answers unknown ids with 404 pages', async () => {
    const ines = clients.ines!;
    for (const path of ['/courses/cs101/assignments/nope/graders', '/courses/nope/assignments/hw1/graders']) {
      const page = await ines.get(path);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    }
    const bytes = await readFile(testImage('echo-payload'));
    await refusedWithoutTrace(404, /no part cs101\/hw1\/nope/, () => upload(ines, 'nope', uploadForm({ bytes })));
  });

  it('answers a student with 403 pages, before reading an upload', async () => {
    const sam = clients.sam!;
    const page = await sam.get(PAGE);
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const bytes = await readFile(testImage('echo-payload'));
    await refusedWithoutTrace(403, /Not allowed/, () => upload(sam, 'p1', uploadForm({ bytes })));
    await refusedWithoutTrace(403, /Not allowed/, async () => sam.request('POST', `${PAGE}/publish`, { form: { _csrf: await csrfOf(sam) } }));
  });

  it('refuses uploads and publish without the CSRF token', async () => {
    const ines = clients.ines!;
    const bytes = await readFile(testImage('echo-payload'));
    await refusedWithoutTrace(403, /Not allowed|CSRF|form/i, () => upload(ines, 'p1', uploadForm({ bytes }), null));
    await refusedWithoutTrace(403, /Not allowed|CSRF|form/i, () => upload(ines, 'p1', uploadForm({ bytes }), 'forged'));
    await refusedWithoutTrace(403, /Not allowed|CSRF|form/i, () => ines.request('POST', `${PAGE}/publish`, { form: {} }));
  });

  it('refuses bad settings with a 400 page naming the field, before storing the image', async () => {
    const ines = clients.ines!;
    const bytes = await readFile(testImage('echo-payload'));
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ timeoutSeconds: 'abc' }, /Timeout \(seconds\): &#34;abc&#34; is not a number/],
      [{ timeoutSeconds: '99999' }, /Timeout \(seconds\): timeoutSeconds must be a whole number from 1 to 3600/],
      [{ timeoutSeconds: '1.5' }, /Timeout \(seconds\)/],
      [{ memoryMiB: '1' }, /Memory \(MiB\): memoryMiB must be a whole number from 1024 to 4096/],
      [{ cpus: '-1' }, /CPUs: &#34;-1&#34; is not a number/],
      [{ cpus: '64' }, /CPUs: cpus must be a number from 1 to 4/],
      [{ protocol: 'docker<script>' }, /Protocol: must be one of coursera, gradescope, script/],
      [{ runAs: 'nobody; rm -rf /' }, /Run as: runAs/],
      [{ scriptPath: '/grade.sh' }, /Script: script: only script graders have one/],
      [{ protocol: 'script' }, /Script: script: a script grader needs its script/],
      [{ scriptArgs: 'x' }, /Script arguments: arguments need a script/],
      [{ color: 'red' }, /the form has no field &#34;color&#34;/],
    ];
    for (const [fields, message] of cases) {
      await refusedWithoutTrace(400, message, async () => upload(ines, 'p1', uploadForm({ bytes }, { _csrf: await csrfOf(ines), ...fields })));
    }
  });

  it('refuses files that are no image with a clear 400 page, keeping nothing and no temporary file', async () => {
    const ines = clients.ines!;
    const bytes = await readFile(testImage('echo-payload'));
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['not a tar', Buffer.from('just some text, not an image\n'), /the uploaded archive: not a tar archive/],
      ['truncated', bytes.subarray(0, Math.floor(bytes.length / 2)), /That did not work/],
    ];
    for (const [what, data, message] of cases) {
      await refusedWithoutTrace(400, message, async () => upload(ines, 'p1', uploadForm({ bytes: data, name: `${what}.tar` }, { _csrf: await csrfOf(ines) })));
      expect(await readdir(join(t.dataDir, 'images', 'tmp')).catch(() => []), what).toEqual([]);
    }
    // A layer entry that climbs out of the root: refused now, not at its first grading. Its
    // blobs may stay in the content-addressed store, but the course gets no image and no version.
    const traversal = await readFile(await makeImage(box.dir, [[dir('etc/'), file('../../outside/evil', 'x')]]));
    const before = { p1: await versions('p1'), p2: await versions('p2') };
    const refused = await upload(ines, 'p1', uploadForm({ bytes: traversal, name: 'evil.tar' }, { _csrf: await csrfOf(ines) }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('entry &#34;../../outside/evil&#34; has a &#34;..&#34; component and could escape the root');
    expect(await versions('p1')).toEqual(before.p1);
    expect(await versions('p2')).toEqual(before.p2);
    expect(await readdir(join(t.dataDir, 'images', 'tmp')).catch(() => [])).toEqual([]);
    // Every image uploaded so far is echo-payload's: the other record is the refused one, unusable.
    const known = new Set([...before.p1, ...before.p2].map((v) => v.imageId));
    const others = (await storedFiles()).filter((f) => /^images\/[0-9a-f]{64}\.json$/.test(f)).map((f) => `sha256:${f.slice(7, -5)}`).filter((id) => !known.has(id));
    expect(others.length).toBeLessThanOrEqual(1);
    for (const imageId of others) expect((await t.admin('POST', `${API}/parts/p1/graders`, { imageId })).status).toBe(404);
    await box.assertOutsideUntouched();
    // Larger than the server accepts: refused while it streams in.
    await refusedWithoutTrace(413, /larger than the 3 MiB allowed; nothing was stored/, async () =>
      upload(ines, 'p1', uploadForm({ bytes: Buffer.alloc(MAX_IMAGE_BYTES + 4096) }, { _csrf: await csrfOf(ines) })));
    expect(await readdir(join(t.dataDir, 'images', 'tmp')).catch(() => [])).toEqual([]);
    // No file chosen (a browser sends the field with an empty file name), or no field at all.
    await refusedWithoutTrace(400, /choose the grader image/, async () => {
      const token = await csrfOf(ines);
      const body = `--b\r\ncontent-disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--b\r\ncontent-disposition: form-data; name="image"; filename=""\r\ncontent-type: application/octet-stream\r\n\r\n\r\n--b--\r\n`;
      return ines.request('POST', `${PAGE}/parts/p1/drafts?csrf=${encodeURIComponent(token)}`, { body: body as unknown as FormData, headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    });
    await refusedWithoutTrace(400, /choose the grader image/, async () => {
      const form = new FormData();
      form.append('_csrf', await csrfOf(ines));
      return upload(ines, 'p1', form);
    });
    // Not multipart.
    await refusedWithoutTrace(400, /multipart/, async () => {
      const token = await csrfOf(ines);
      return ines.request('POST', `${PAGE}/parts/p1/drafts?csrf=${encodeURIComponent(token)}`, { form: { _csrf: token } });
    });
  });

  it('refuses a bad acceptChanges value on publish', async () => {
    const ines = clients.ines!;
    await refusedWithoutTrace(400, /acceptChanges: must be &#34;yes&#34;/, async () => ines.request('POST', `${PAGE}/publish`, { form: { _csrf: await csrfOf(ines), acceptChanges: 'maybe' } }));
  });
});
