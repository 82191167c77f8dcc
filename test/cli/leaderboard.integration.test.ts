/**
 * Pseudonyms, the leaderboard and submission limits with the real CLI against a real
 * `gradebox serve --workers 1` (child processes over dist/: build first). A Gradescope grader
 * (test image gradescope-leaderboard) reports each student's board.json as leaderboard entries,
 * hostile names included, which the terminal must show as visible stand-ins. The steps build on
 * each other, so the tests run in order.
 */
import { mkdir, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leaderboard, Pseudonym } from '../../src/platform/model.ts';
import { assertBuildIsFresh, cliEnv, jsonOutput, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

const SLOW = 180_000;
let work: string;
let server: ServedCli | undefined;
let url: string;
const tokens: Record<string, string> = {};

const COURSE_FILE = `course: {id: cs1, title: Intro}
members:
  - {login: ines, role: instructor}
  - {login: sam, role: student}
  - {login: sue, role: student}
assignments:
  - id: race
    title: Race
    leaderboard: true
    minIntervalSeconds: 600
    parts: [{id: p1, points: 1}]
  - id: plain
    title: Plain
    maxSubmissions: 1
    parts: [{id: p1, points: 1}]
`;

function gradebox(args: string[], token?: string): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({
      XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1',
      GRADEBOX_SERVER: token === undefined ? undefined : url, GRADEBOX_TOKEN: token,
    }),
    timeoutMs: SLOW,
  });
}

/** `submit` of a board.json (`--wait` on the race assignment). */
async function submitBoard(login: string, board: unknown, assignment = 'race'): Promise<CliResult> {
  const dir = join(work, `${login}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir);
  await writeFile(join(dir, 'board.json'), JSON.stringify(board));
  return gradebox(['submit', 'cs1', assignment, join(dir, 'board.json'), ...(assignment === 'race' ? ['--wait'] : [])], tokens[login]);
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-leaderboard-cli-'));
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '1'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 10 * 60_000,
  });
  server = served;
  url = served.url;
  const login = await gradebox(['login', '--server', url, '--token', served.adminToken ?? '']);
  expect(login.code, login.stderr).toBe(0);
  await writeFile(join(work, 'course.yaml'), COURSE_FILE);
}, SLOW);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('leaderboard with the gradebox command', () => {
  it('apply previews and sets the leaderboard; the grader is published', { timeout: SLOW }, async () => {
    const dry = await gradebox(['apply', join(work, 'course.yaml'), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+ create    assignment cs1/race (one per 600 s; leaderboard)\n');
    expect((await gradebox(['apply', join(work, 'course.yaml')])).code).toBe(0);
    const listed = await gradebox(['assignments', 'cs1']);
    expect(listed.stdout).toContain('  limits: one every 10 min (staff exempt)\n  leaderboard: gradebox leaderboard cs1 race\n');
    expect(listed.stdout.match(/leaderboard:/g)).toHaveLength(1);
    for (const login of ['sam', 'sue', 'ines']) {
      const issued = await gradebox(['tokens', 'issue', login, '--scopes', 'read,submit']);
      expect(issued.code, issued.stderr).toBe(0);
      tokens[login] = issued.stdout.trim();
    }
    for (const assignment of ['race', 'plain']) {
      const uploaded = await gradebox(['upload', testImage('gradescope-leaderboard'), 'cs1', assignment, 'p1']);
      expect(uploaded.code, uploaded.stderr).toBe(0);
      expect((await gradebox(['publish', 'cs1', assignment])).code).toBe(0);
    }
  });

  it('pseudonym shows the generated one, sets a chosen one, refuses hostile and taken ones (exit 1)', { timeout: SLOW }, async () => {
    const shown = await gradebox(['pseudonym', 'cs1'], tokens.sam);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^your pseudonym in cs1: anonymous-[a-z2-7]{8} \(generated; choose your own with `gradebox pseudonym cs1 NAME`\)\n$/);
    const chosen = await gradebox(['pseudonym', 'cs1', 'Grace Hopper'], tokens.sam);
    expect(chosen.stdout).toBe('your pseudonym in cs1: Grace Hopper (chosen by you)\n');
    const hostile = await gradebox(['pseudonym', 'cs1', 'evil\u202Etxt'], tokens.sue);
    expect(hostile.code).toBe(1);
    expect(hostile.stderr).toContain('pseudonym: contains a control, format or invisible character');
    // The refused name is not echoed raw to the terminal.
    expect(hostile.stderr).not.toContain('\u202E');
    const taken = await gradebox(['pseudonym', 'cs1', 'grace-hopper'], tokens.sue);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('(HTTP 409 pseudonym-taken)');
    expect((await gradebox(['pseudonym', 'cs1', 'x', '--clear'], tokens.sue)).code).toBe(2);
    expect(jsonOutput<Pseudonym>(await gradebox(['pseudonym', 'cs1', '--json'], tokens.sam))).toEqual({ courseId: 'cs1', login: 'sam', pseudonym: 'Grace Hopper', chosen: true });
  });

  it('leaderboard ranks students, marks your row and shows hostile grader text as stand-ins', { timeout: SLOW }, async () => {
    const empty = await gradebox(['leaderboard', 'cs1', 'race'], tokens.sam);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toBe("no leaderboard entries yet on cs1/race: no counting submission's grader reported any\n");
    expect((await submitBoard('sam', [{ name: 'Runtime', value: 1.5, order: 'asc' }, { name: '\u001b]0;pwned\u0007Title', value: 'a\u001b[2Jb' }])).code).toBe(0);
    expect((await submitBoard('sue', [{ name: 'Runtime', value: 0.75, order: 'asc' }])).code).toBe(0);

    const board = await gradebox(['leaderboard', 'cs1', 'race'], tokens.sam);
    expect(board.code, board.stderr).toBe(0);
    const sue = (await gradebox(['pseudonym', 'cs1'], tokens.sue)).stdout.match(/anonymous-[a-z2-7]{8}/)?.[0];
    expect(sue).toHaveLength(18);
    expect(board.stdout).toBe([
      'Runtime  (lower is better)',
      'RANK  STUDENT             VALUE',
      `1     ${sue!}  0.75`,
      '2     Grace Hopper (you)  1.5',
      '',
      '␛]0;pwned␇Title  (higher is better)',
      'RANK  STUDENT             VALUE',
      '1     Grace Hopper (you)  a␛[2Jb',
      '',
    ].join('\n'));
    expect(board.stdout).not.toContain('\u001b');

    const staff = jsonOutput<Leaderboard>(await gradebox(['leaderboard', 'cs1', 'race', '--json']));
    expect(staff.columns[0]!.rows.map((r) => [r.login, r.value])).toEqual([['sue', 0.75], ['sam', 1.5]]);
    const none = await gradebox(['leaderboard', 'cs1', 'plain'], tokens.sam);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('cs1/plain has no leaderboard; instructors enable one with `leaderboard: true`');
  });

  it('submit over the limits: too soon exits 2 saying when, every submission made exits 1 saying to ask the staff', { timeout: SLOW }, async () => {
    // sam submitted to race a moment ago: the next one is 10 minutes away.
    const soon = await submitBoard('sam', []);
    expect(soon.code, soon.stderr).toBe(2);
    expect(soon.stderr).toMatch(/allows one submission every 600 s; submit again in \d+ s \(at .*\) \(HTTP 429 submission-too-soon\)\nhint: nothing was submitted: submit again at \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+ s\)\n$/);
    // plain allows one submission: the second is refused for good.
    expect((await submitBoard('sam', [], 'plain')).code).toBe(0);
    const exhausted = await submitBoard('sam', [], 'plain');
    expect(exhausted.code, exhausted.stderr).toBe(1);
    expect(exhausted.stderr).toContain('plain allows 1 submission and you have made them all; no further submission will be accepted: ask your instructors or TAs if you need another (HTTP 429 submission-limit)');
    expect(exhausted.stderr).toContain('hint: no further submission to this assignment will be accepted; if you need one, ask your instructors or TAs');
    // Staff are not limited.
    expect((await submitBoard('ines', [], 'plain')).code).toBe(0);
    expect((await submitBoard('ines', [])).code).toBe(0);
  });
});
