/**
 * `gradebox release` and `gradebox withdraw` end to end, with `apply`'s preview of the release
 * keys and `gradebox assignments` showing the release state: a real API-only `gradebox serve
 * --workers 0` and the real CLI against it, each a child process over dist/ (build first). The
 * steps build on each other, so they run in order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseOutcome } from '../../src/platform/releases.ts';
import { assertBuildIsFresh, cliEnv, jsonOutput, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';

let work: string;
let server: ServedCli | undefined;
let url: string;
const tokens: Record<string, string> = {};

function gradebox(args: string[], token?: string): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({
      XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1',
      GRADEBOX_SERVER: token === undefined ? undefined : url, GRADEBOX_TOKEN: token,
    }),
  });
}

const courseFile = (release: string): string => `
course: { id: cs101, title: Intro }
members:
  - { login: ines, role: instructor }
  - { login: tara, role: ta }
  - { login: sam, role: student }
assignments:
  - id: hw1
    title: Homework 1
${release}
    parts: [{ id: p1, points: 10 }]
`;

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-release-cli-'));
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '0'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 10 * 60_000,
  });
  server = served;
  url = served.url;
  tokens.admin = served.adminToken ?? '';
  await writeFile(join(work, 'course.yaml'), courseFile('    release: manual'));
  const applied = await gradebox(['apply', join(work, 'course.yaml')], tokens.admin);
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout).toContain('assignment cs101/hw1 (grades released by staff)');
  for (const [login, scopes] of [['ines', 'read,manage'], ['tara', 'read,manage'], ['sam', 'read,submit']] as const) {
    const issued = await gradebox(['tokens', 'issue', login, '--scopes', scopes], tokens.admin);
    expect(issued.code, issued.stderr).toBe(0);
    tokens[login] = issued.stdout.trim();
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('release and withdraw against a running server', () => {
  it('explains themselves in --help', async () => {
    for (const verb of ['release', 'withdraw']) {
      const help = await gradebox([verb, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: gradebox ${verb} [options] <course> <assignment>`);
      expect(help.stdout).toContain('manage scope');
    }
  });

  it('shows the release state in gradebox assignments and the preview of a change in apply --dry-run', async () => {
    const listed = await gradebox(['assignments', 'cs101'], tokens.sam);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('grades: not released yet (release: manual;');
    await writeFile(join(work, 'later.yaml'), courseFile('    releaseAt: 2030-01-03T09:00:00+01:00'));
    const preview = await gradebox(['apply', '--dry-run', join(work, 'later.yaml')], tokens.admin);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('releaseAt: none → 2030-01-03T08:00:00.000Z');
  });

  it('releases for instructors, refuses TAs and a second release, and withdraws', async () => {
    const refused = await gradebox(['release', 'cs101', 'hw1'], tokens.tara);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('only instructors of cs101 may release grades');
    const released = await gradebox(['release', 'cs101', 'hw1'], tokens.ines);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toMatch(/^released cs101\/hw1 at .* UTC: students see their scores \(1 grade event recorded\)\n$/);
    const again = await gradebox(['release', 'cs101', 'hw1', '--json'], tokens.ines);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already released');
    expect((await gradebox(['assignments', 'cs101'], tokens.ines)).stdout).toMatch(/grades: released .* UTC by ines\n/);
    expect((await gradebox(['assignments', 'cs101'], tokens.sam)).stdout).toMatch(/grades: released .* UTC\n/);
    const withdrawn = await gradebox(['withdraw', 'cs101', 'hw1', '--json'], tokens.ines);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(jsonOutput<ReleaseOutcome>(withdrawn)).toMatchObject({ courseId: 'cs101', assignmentId: 'hw1', events: 1, release: { mode: 'manual', releasedAt: null, scoresVisible: false } });
    const nothing = await gradebox(['withdraw', 'cs101', 'hw1'], tokens.ines);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('not released');
    expect((await gradebox(['release', 'cs101', 'NOPE'], tokens.ines)).code).toBe(2);
    expect((await gradebox(['release', 'cs101', 'nope'], tokens.ines)).code).toBe(1);
  });
});
