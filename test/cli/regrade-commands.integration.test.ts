/**
 * `gradebox regrade` and `gradebox regrades` end to end: a real `gradebox serve` with one grading
 * slot (real sandboxes) and the real CLI against it, each a child process over dist/ (build
 * first). A dry run of a stricter draft previews who goes down, an instructor applies it (which
 * publishes the draft); refusals exit 1 with the server's message, bad command lines exit 2.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraderVersion } from '../../src/platform/model.ts';
import type { Regrade, RegradePreview } from '../../src/platform/regrade-model.ts';
import { assertBuildIsFresh, cliEnv, jsonOutput, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

let work: string;
let server: ServedCli | undefined;
let url: string;
const tokens: Record<string, string> = {};

function gradebox(args: string[], token: string): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({ XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1', GRADEBOX_SERVER: url, GRADEBOX_TOKEN: token }),
  });
}

const COURSE_FILE = `
course: { id: cs1, title: CS 1 }
members:
  - { login: ines, role: instructor }
  - { login: tara, role: ta }
  - { login: sam, role: student }
  - { login: sue, role: student }
assignments:
  - { id: hw, title: Homework, parts: [{ id: p1, points: 10 }] }
`;

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-regrade-cli-'));
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '1'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 10 * 60_000,
  });
  server = served;
  url = served.url;
  const admin = served.adminToken ?? '';
  await writeFile(join(work, 'course.yaml'), COURSE_FILE);
  expect((await gradebox(['apply', join(work, 'course.yaml')], admin)).code).toBe(0);
  for (const [login, scopes] of [['ines', 'read,submit,author'], ['tara', 'read,author'], ['sam', 'read,submit'], ['sue', 'read,submit']]) {
    const issued = await gradebox(['tokens', 'issue', login!, '--scopes', scopes!], admin);
    expect(issued.code, issued.stderr).toBe(0);
    tokens[login!] = issued.stdout.trim();
  }
  // Published: full marks whatever was sent. The draft (coursera-sh) wants 55 and 385 in answer.txt.
  expect((await gradebox(['upload', testImage('echo-busybox'), 'cs1', 'hw', 'p1'], tokens.ines!)).code).toBe(0);
  expect((await gradebox(['publish', 'cs1', 'hw'], tokens.ines!)).code).toBe(0);
  for (const [login, answer] of [['sam', '55\n385\n'], ['sue', '54\n384\n']]) {
    await mkdir(join(work, login!));
    const path = join(work, login!, 'answer.txt');
    await writeFile(path, answer!);
    const submitted = await gradebox(['submit', 'cs1', 'hw', path, '--wait'], tokens[login!]!);
    expect(submitted.code, submitted.stderr).toBe(0);
  }
  expect((await gradebox(['upload', testImage('coursera-sh'), 'cs1', 'hw', 'p1'], tokens.ines!)).code).toBe(0);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('gradebox regrade', () => {
  it('refuses bad command lines (exit 2) and what the server refuses (exit 1)', async () => {
    const draftAlone = await gradebox(['regrade', 'cs1', 'hw', '--draft'], tokens.ines!);
    expect(draftAlone.code).toBe(2);
    expect(draftAlone.stderr).toContain('--draft needs --dry-run');
    expect((await gradebox(['regrade', 'cs1', 'hw', '--draft', '--version', '2', '--dry-run'], tokens.ines!)).code).toBe(2);
    expect((await gradebox(['regrade', 'cs1', 'hw', '--version', 'x'], tokens.ines!)).code).toBe(2);
    const noVersion = await gradebox(['regrade', 'cs1', 'hw', '--version', '9'], tokens.ines!);
    expect(noVersion.code).toBe(1);
    expect(noVersion.stderr).toContain('version 9');
    const ta = await gradebox(['regrade', 'cs1', 'hw'], tokens.tara!);
    expect(ta.code).toBe(1);
    expect(ta.stderr).toContain('--dry-run');
    expect((await gradebox(['regrade', 'cs1', 'hw', '--dry-run'], tokens.sam!)).code).toBe(1);
  });

  it('a TA dry-runs the draft and sees who goes down; an instructor applies it, which publishes the draft', async () => {
    const dry = await gradebox(['regrade', 'cs1', 'hw', '--draft', '--dry-run'], tokens.tara!);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/sue\s+p1\s+10\s+0\s+-10/);
    expect(dry.stdout).not.toMatch(/^sam/m);
    expect(dry.stdout).toContain('2 students: 0 up, 1 down, 1 unchanged; mean change -5 points');
    expect(dry.stdout).toContain('(1 unchanged rows not shown: --all shows them)');
    const id = /apply: gradebox regrades apply (rg_\S+)/.exec(dry.stderr)?.[1];
    expect(id).toBeDefined();

    const preview = jsonOutput<RegradePreview>(await gradebox(['regrades', 'preview', id!, '--json'], tokens.tara!));
    expect(preview.summary.students).toEqual({ total: 2, up: 0, down: 1, same: 1 });
    const refused = await gradebox(['regrades', 'apply', id!], tokens.tara!);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('publishes the draft');
    const applied = await gradebox(['regrades', 'apply', id!, '--json'], tokens.ines!);
    expect(applied.code, applied.stderr).toBe(0);
    expect(jsonOutput<Regrade>(applied)).toMatchObject({ id, state: 'applied', closedBy: 'ines' });
    const versions = jsonOutput<{ versions: GraderVersion[] }>(await gradebox(['assignments', 'cs1', '--json'], tokens.ines!));
    expect(JSON.stringify(versions)).toContain('"number":2,"status":"published"');
    const again = await gradebox(['regrades', 'apply', id!], tokens.ines!);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('applied');
  });

  it('a regrade of one student waits and prints its end; list and status show it', async () => {
    const result = await gradebox(['regrade', 'cs1', 'hw', '--student', 'sam', '--json'], tokens.ines!);
    expect(result.code, result.stderr).toBe(0);
    const regrade = jsonOutput<Regrade>(result);
    expect(regrade).toMatchObject({ dryRun: false, state: 'finished', students: ['sam'], progress: { total: 1, done: 1, failed: 0 } });
    const status = await gradebox(['regrades', 'status', regrade.id], tokens.tara!);
    expect(status.stdout).toContain(`${regrade.id}  regrade of cs1/hw: finished (1/1 done)`);
    const list = jsonOutput<{ regrades: Regrade[] }>(await gradebox(['regrades', 'list', 'cs1', 'hw', '--json'], tokens.tara!));
    expect(list.regrades.map((r) => r.state)).toEqual(['finished', 'applied']);
    const started = await gradebox(['regrade', 'cs1', 'hw', '--no-wait'], tokens.ines!);
    expect(started.stdout).toMatch(/^rg_\S+\n$/);
    const cancelled = await gradebox(['regrades', 'cancel', started.stdout.trim()], tokens.ines!);
    // Cancelled, or finished already on a fast machine (then 1: it has ended).
    expect([0, 1]).toContain(cancelled.code);
  });
});
