/**
 * The server commands end to end: a real `gradebox serve` (embedded SQLite, one worker, the real
 * sandbox) on a free port, and the real CLI against it, each a child process over dist/ (build
 * first). One course is set up and graded step by step, so the tests run in order.
 */
import { createServer } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyChange, GraderVersion, Submission } from '../../src/platform/model.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT, runCli, type CliResult, jsonOutput } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';
import { TmuxSession } from '../support/tmux.ts';

let work: string;
let server: ServedCli | undefined;
let url: string;
let adminToken: string;
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

function env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return cliEnv({
    XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1',
    GRADEBOX_SERVER: undefined, GRADEBOX_TOKEN: undefined, ...extra,
  });
}

function gradebox(args: string[], extra: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return runCli(args, { env: env(extra), timeoutMs });
}

/** `gradebox args…` with `input` on its stdin (a pipe). */
function gradeboxWithInput(input: string, args: string[]): Promise<CliResult> {
  return runCli(args, {
    env: env({ CLI_INPUT: input }),
    command: ['/bin/sh', '-c', 'printf "%s\\n" "$CLI_INPUT" | exec "$@"', 'sh', process.execPath, GRADEBOX_BIN],
  });
}


/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts `gradebox serve --json` and reads the first line: `{url, adminToken}`. */
async function startServer(): Promise<void> {
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '1'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 30 * 60_000,
  });
  server = served;
  url = served.url;
  adminToken = served.adminToken ?? '';
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-server-cli-'));
  await startServer();
  await mkdir(join(work, 'answers', 'half'), { recursive: true });
  await writeFile(join(work, 'answers', 'half', 'answer.txt'), '55\n384\n');
  await mkdir(join(work, 'answers', 'nested', 'src', 'deep'), { recursive: true });
  await writeFile(join(work, 'answers', 'nested', 'answer.txt'), '55\n385\n');
  await writeFile(join(work, 'answers', 'nested', 'src', 'deep', 'notes.md'), 'notes');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

asRoot('gradebox against a running server', () => {
  let submissionId: string;

  it('login: the token piped on stdin is checked, saved 0600 in a 0700 folder; whoami reads it', async () => {
    const login = await gradeboxWithInput(adminToken, ['login', '--server', `${url}/`]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe(`logged in to ${url} as admin (scopes: read, submit, author, manage)\n`);
    const file = join(work, 'config', 'gradebox', 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(work, 'config', 'gradebox'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ defaultServer: url, servers: { [url]: { token: adminToken, login: 'admin' } } });

    const whoami = await gradebox(['whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(/^admin \(Administrator\), administrator on http:\/\/127\.0\.0\.1:\d+\nscopes: read, submit, author, manage\n/);
    expect(whoami.stdout).toContain('token from: credentials file');
    expect(jsonOutput<{ server: string; user: { login: string } }>(await gradebox(['whoami', '--json']))).toMatchObject({ server: url, user: { login: 'admin' } });
  });

  it('a refused token: login saves nothing (exit 1); any command says to log in again (exit 1)', async () => {
    const login = await gradebox(['login', '--server', url, '--token', 'gbx_not-a-real-token'], { XDG_CONFIG_HOME: join(work, 'other-config') });
    expect(login.code).toBe(1);
    expect(login.stderr).toBe(`error: ${url} refused this token (unknown, expired or revoked); nothing was saved. Ask an administrator for a new one\n`);
    await expect(readdir(join(work, 'other-config'))).rejects.toMatchObject({ code: 'ENOENT' });

    const whoami = await gradebox(['whoami'], { GRADEBOX_TOKEN: 'gbx_not-a-real-token' });
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toMatch(/^error: .*\(HTTP 401 unauthenticated\)\n/);
    expect(whoami.stderr).toContain(`hint: ${url} refused the token (unknown, expired or revoked): run \`gradebox login --server ${url}\` with a valid one, or fix GRADEBOX_TOKEN\n`);
  });

  it('apply: the first run creates, the second changes nothing; --dry-run changes nothing', async () => {
    const dry = await gradebox(['apply', join(REPO_ROOT, 'examples', 'course.yaml'), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toBe('dry run, nothing changed: 10 to create, 0 to update, 0 to remove, 0 unchanged\n');
    const first = await gradebox(['apply', join(REPO_ROOT, 'examples', 'course.yaml')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^\+ create {4}course {5}cs101-2026\n/);
    expect(first.stdout).toContain('+ create    part       cs101-2026/hw1/sums (10 points)\n');
    expect(first.stderr).toBe('10 created, 0 updated, 0 removed, 0 unchanged\n');
    const second = jsonOutput<{ changes: ApplyChange[] }>(await gradebox(['apply', join(REPO_ROOT, 'examples', 'course.yaml'), '--json']));
    expect(second.changes).toHaveLength(10);
    expect(second.changes.every((c) => c.action === 'unchanged')).toBe(true);
    const human = await gradebox(['apply', join(REPO_ROOT, 'examples', 'course.yaml')]);
    expect(human.stdout.trimEnd().split('\n').every((line) => line.startsWith('= unchanged '))).toBe(true);
  });

  it('courses and assignments list what apply made', async () => {
    const courses = await gradebox(['courses']);
    expect(courses.stdout).toBe('COURSE      ROLE     TITLE\ncs101-2026  (admin)  Introduction to Programming (Spring 2026)\n');
    const assignments = await gradebox(['assignments', 'cs101-2026']);
    expect(assignments.code, assignments.stderr).toBe(0);
    expect(assignments.stdout).toMatch(/^hw1 {2}Homework 1: sums {2}· {2}15 points {2}· {2}due 2026-03-01 23:59 UTC\n {2}limits: at most 10 submissions each, one every 5 min \(staff exempt\)\n {2}sums +Sum of a list +10 pts +no published grader\n/);
    expect(assignments.stdout).toContain('\n  late: more than 10 min late ×0.8, more than 2 d late ×0.6, more than 3 d late ×0.2; no submissions after 2026-03-23 04:59 UTC\n  reverse ');
    const missing = await gradebox(['assignments', 'no-such-course']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\(HTTP 404 not-found\)/);
  });

  it('upload: limits outside the ranges (exit 2) and unknown parts (exit 1) are refused before sending; then drafts for two parts', async () => {
    const limits = await gradebox(['upload', testImage('coursera-sh'), 'cs101-2026', 'hw1', 'sums', '--grader-memory-limit', '100000', '--grading-timeout', '7200']);
    expect(limits.code).toBe(2);
    expect(limits.stderr).toBe(
      'error: --grader-memory-limit 100000 MiB is outside what this server allows: 1024 MiB to 4096 MiB\n' +
      '  --grading-timeout 7200 s is outside what this server allows: 1 s to 3600 s\n(see --help)\n',
    );
    const part = await gradebox(['upload', testImage('coursera-sh'), 'cs101-2026', 'hw1', 'nope']);
    expect(part.code).toBe(1);
    expect(part.stderr).toBe('error: assignment cs101-2026/hw1 has no part "nope" (its parts: sums, averages); add it to the course file and run `gradebox apply`\n');

    const upload = jsonOutput<{ image: { imageId: string; size: number }; drafts: GraderVersion[] }>(await gradebox([
      'upload', testImage('coursera-sh'), 'cs101-2026', 'hw1', 'sums', '--additional-part', 'hw2', 'reverse', '--grading-timeout', '60', '--json',
    ]));
    expect(upload.image.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(upload.drafts.map((d) => [d.assignmentId, d.partId, d.status, d.number, d.timeoutSeconds])).toEqual([['hw1', 'sums', 'draft', 1, 60], ['hw2', 'reverse', 'draft', 1, 60]]);
    // An OCI layout goes through the local image store.
    const oci = await gradebox(['upload', testImage('busybox-oci-dir'), 'cs101-2026', 'hw1', 'averages']);
    expect(oci.code, oci.stderr).toBe(0);
    expect(oci.stdout).toMatch(/^uploaded .* to cs101-2026 as image sha256:[0-9a-f]{64}\ndraft v1 for hw1\/averages: \S+\n$/);
    expect((await gradebox(['assignments', 'cs101-2026'])).stdout).toMatch(/sums +Sum of a list +10 pts +no published grader, draft v1\n/);
  });

  it('publish: 0 when all are published; 1 when one fails for good (the others still published); 2 when the server is unreachable', async () => {
    const unreachable = await gradebox(['publish', 'cs101-2026', 'hw1'], { GRADEBOX_SERVER: `http://127.0.0.1:${await closedPort()}`, GRADEBOX_TOKEN: adminToken });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stdout).toMatch(/^retry later {2}hw1 {2}cannot reach the gradebox server at .*: connection refused/);
    expect(unreachable.stderr).toMatch(/1 of 1 assignment not published; the server was busy or unreachable: run the same command again later\n$/);

    const mixed = await gradebox(['publish', 'cs101-2026', 'hw1', '--additional-assignments', 'no-such', 'hw2']);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toBe(
      'published  hw1  averages v1, sums v1\n' +
      'failed  no-such  no assignment cs101-2026/no-such (HTTP 404 not-found)\n' +
      'published  hw2  reverse v1\n',
    );
    expect(mixed.stderr).toMatch(/1 of 3 assignments not published\n$/);
    const again = await gradebox(['publish', 'cs101-2026', 'hw1', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ exitCode: 1, results: [{ assignment: 'hw1', ok: false, error: { status: 409, code: 'nothing-to-publish', retryable: false } }] });
    expect((await gradebox(['assignments', 'cs101-2026'])).stdout).toMatch(/sums +Sum of a list +10 pts +published v1\n/);
  });

  it('submit --wait: the id first, then each part graded with score and feedback', async () => {
    const result = await gradebox(['submit', 'cs101-2026', 'hw1', join(work, 'answers', 'half'), '--wait', '--timeout', '120', '--part', 'sums'], {}, 150_000);
    expect(result.code, result.stderr).toBe(0);
    const [id, ...rest] = result.stdout.split('\n');
    submissionId = id ?? '';
    expect(submissionId).toMatch(/^\S+$/);
    expect(rest.join('\n')).toBe('sums  graded 50% (5/10 points)\n  Line 1 is right; line 2 should be the sum of the squares of 1 to 10.\n');
    expect(result.stderr).toBe(`submitted 1 file (7 B) to cs101-2026/hw1 as ${submissionId}\n`);
  });

  it('submission ID shows a submission again; --wait on a graded one returns at once; an unknown id exits 1', async () => {
    const shown = await gradebox(['submission', submissionId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe('sums  graded 50% (5/10 points)\n  Line 1 is right; line 2 should be the sum of the squares of 1 to 10.\n');
    const waited = jsonOutput<Submission>(await gradebox(['submission', submissionId, '--wait', '--json']));
    expect(waited).toMatchObject({ id: submissionId, status: 'graded' });
    const missing = await gradebox(['submission', 'sub_doesnotexist']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/sub_doesnotexist/);
  });

  it("submit --json keeps a folder's subfolders; without --wait it returns at once", async () => {
    const queued = jsonOutput<Submission>(await gradebox(['submit', 'cs101-2026', 'hw1', join(work, 'answers', 'nested'), '--json']));
    expect(queued.files.map((f) => f.path)).toEqual(['answer.txt', 'src/deep/notes.md']);
    const graded = jsonOutput<Submission>(await gradebox(['submit', 'cs101-2026', 'hw1', join(work, 'answers', 'nested'), '--part', 'sums', '--wait', '--json'], {}, 150_000));
    expect(graded.status).toBe('graded');
    expect(graded.parts.find((p) => p.partId === 'sums')?.result).toMatchObject({ status: 'graded', score: 1, points: 10 });
  });

  it('submit --author-test --drafts --wait with a broken draft: exit 1, the part not graded', async () => {
    const upload = await gradebox(['upload', testImage('bad-json'), 'cs101-2026', 'hw2', 'reverse']);
    expect(upload.code, upload.stderr).toBe(0);
    const result = await gradebox(['submit', 'cs101-2026', 'hw2', join(work, 'answers', 'half', 'answer.txt'), '--author-test', '--drafts', '--wait'], {}, 150_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\nreverse {2}grader-error\n/);
    expect(result.stderr).toMatch(/error: not graded: reverse \(grader-error\)\n$/);
  });

  it('grade remote: the stored result reproduced here with the same version and limits', async () => {
    const result = await gradebox(['grade', 'remote', submissionId], {}, 300_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^part sums: grader v1 \(published\) \S+, chosen as job; 1 CPU, 1024 MiB, 60 s, protocol detected\n/);
    expect(result.stdout).toContain('same result (status, score and feedback)');
    const both = jsonOutput<{ parts: Array<{ partId: string; chosenBy: string; stored: { score: number }; local: { status: string; score: number; limits: { timeoutSeconds: number } } }> }>(
      await gradebox(['grade', 'remote', submissionId, '--json'], {}, 300_000),
    );
    expect(both.parts).toHaveLength(1);
    expect(both.parts[0]).toMatchObject({ partId: 'sums', chosenBy: 'job', stored: { score: 0.5 }, local: { status: 'graded', score: 0.5, limits: { timeoutSeconds: 60 } } });
    // Nothing left behind in the temporary folder or the store's tmp.
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('gradebox-remote-'))).toEqual([]);
  });

  it('grade remote refuses a version that does not exist and a part the submission lacks (exit 1)', async () => {
    const version = await gradebox(['grade', 'remote', submissionId, '--part', 'sums', '--version', '9']);
    expect(version.code).toBe(1);
    expect(version.stderr).toMatch(/^error: part sums has no grader version "9"; its versions: v1 published/);
    const part = await gradebox(['grade', 'remote', submissionId, '--part', 'averages']);
    expect(part.code).toBe(1);
    expect(part.stderr).toMatch(/^error: submission \S+ has no part "averages" \(its parts: sums\)\n/);
    const missing = await gradebox(['grade', 'remote', 'sub_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\(HTTP 404 not-found\)/);
  });

  it('login on a terminal: the prompt, the token typed unseen (Backspace edits it); Ctrl-C at the prompt exits 130', async () => {
    const start = (config: string): Promise<TmuxSession> => TmuxSession.start({
      dir: work, width: 120, height: 20,
      command: [process.execPath, GRADEBOX_BIN, 'login', '--server', url],
      env: env({ XDG_CONFIG_HOME: join(work, config) }),
    });
    const tty = await start('tty-config');
    try {
      await tty.waitFor(/API token for http:\/\/127\.0\.0\.1:\d+ \(input hidden\):$/);
      await tty.keys('-l', `${adminToken}oops`);
      for (let i = 0; i < 4; i++) await tty.keys('BSpace');
      await tty.keys('Enter');
      expect(await tty.waitForExit(30_000)).toBe(0);
      const screen = await tty.screen();
      expect(screen).toContain(`logged in to ${url} as admin`);
      expect(screen).not.toContain(adminToken.slice(4, 20));
    } finally {
      await tty.kill();
    }
    expect(JSON.parse(await readFile(join(work, 'tty-config', 'gradebox', 'credentials.json'), 'utf8'))).toMatchObject({ servers: { [url]: { token: adminToken } } });

    const interrupted = await start('tty-config-2');
    try {
      await interrupted.waitFor(/\(input hidden\):$/);
      await interrupted.keys('-l', 'gbx_half');
      await interrupted.keys('C-c');
      expect(await interrupted.waitForExit(30_000)).toBe(130);
    } finally {
      await interrupted.kill();
    }
    await expect(readdir(join(work, 'tty-config-2'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("a student's token: submitting works; upload is refused before sending, publish by the server (403); exit 1", async () => {
    const issued = await fetch(`${url}/api/users/alan/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cli-test', scopes: ['read', 'submit', 'author'] }),
    });
    expect(issued.status).toBe(201);
    const student = { GRADEBOX_SERVER: url, GRADEBOX_TOKEN: ((await issued.json()) as { token: string }).token };

    const upload = await gradebox(['upload', testImage('coursera-sh'), 'cs101-2026', 'hw1', 'sums'], student);
    expect(upload.code).toBe(1);
    expect(upload.stderr).toBe('error: alan is a student in course cs101-2026; uploading graders needs the instructor or ta role\n');
    const publish = await gradebox(['publish', 'cs101-2026', 'hw1'], student);
    expect(publish.code).toBe(1);
    expect(publish.stdout).toMatch(/^failed {2}hw1 {2}.*\(HTTP 403 forbidden\)\n$/);
    expect(publish.stderr).toMatch(/^hint: ask an instructor of the course/);
    const submit = await gradebox(['submit', 'cs101-2026', 'hw1', join(work, 'answers', 'half'), '--part', 'sums', '--wait'], student, 150_000);
    expect(submit.code, submit.stderr).toBe(0);
    expect(submit.stdout).toMatch(/\nsums {2}graded 50% \(5\/10 points\)\n/);
  });

  it('logout forgets the token; commands then say to log in', async () => {
    const logout = await gradebox(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.stderr).toBe(`forgot the token for ${url}\n`);
    const whoami = await gradebox(['whoami']);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toMatch(/^error: no gradebox server given/);
    // Unattended use: the environment alone is enough.
    expect((await gradebox(['whoami'], { GRADEBOX_SERVER: url, GRADEBOX_TOKEN: adminToken })).stdout).toMatch(/^admin .*\ntoken from: environment\n$/s);
  });
});
