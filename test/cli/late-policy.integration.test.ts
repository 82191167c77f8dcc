/**
 * Late rules end to end with the real CLI against a real API-only `gradebox serve --workers 0`
 * (child processes over dist/: build first): apply shows the policies it sets and changes,
 * `assignments` shows them with the submission limits, `submit` warns of a late penalty and
 * reports a submission after the cutoff readably, and `extensions` lists, grants and revokes.
 * The steps build on each other, so the tests run in order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyChange, Extension } from '../../src/platform/model.ts';
import { assertBuildIsFresh, cliEnv, jsonOutput, runCli, type CliResult } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';
import { testImage } from '../support/test-image.ts';

let work: string;
let server: ServedCli | undefined;
let url: string;
const tokens: Record<string, string> = {};
const now = Date.now();
/** ISO time `seconds` from now, to the minute (as the CLI prints times). */
const iso = (seconds: number): string => new Date(Math.floor((now + seconds * 1000) / 60_000) * 60_000).toISOString();
const shown = (time: string): string => `${time.slice(0, 16).replace('T', ' ')} UTC`;
const HW1 = { deadline: iso(-3600), cutoff: iso(86400) };
const HW2 = { deadline: iso(-7200), cutoff: iso(-3600) };

function gradebox(args: string[], token?: string): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({
      XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1',
      GRADEBOX_SERVER: token === undefined ? undefined : url, GRADEBOX_TOKEN: token,
    }),
  });
}

function courseYaml(hw1Policy: string): string {
  return `course: {id: cs101, title: Intro}
members:
  - {login: ada, role: instructor}
  - {login: sam, role: student}
  - {login: sue, role: student}
assignments:
  - id: hw1
    title: Homework 1
    deadline: ${HW1.deadline}
    latePolicy: ${hw1Policy}
    cutoff: ${HW1.cutoff}
    maxSubmissions: 5
    minIntervalSeconds: 1
    parts: [{id: p1, points: 10}]
  - id: hw2
    title: Homework 2
    deadline: ${HW2.deadline}
    latePolicy: {percent: 10, per: hour, floor: 0.5}
    cutoff: ${HW2.cutoff}
    extensions:
      - {student: sue, until: ${iso(600)}}
    parts: [{id: p1, points: 10}]
`;
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-late-cli-'));
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '0'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 10 * 60_000,
  });
  server = served;
  url = served.url;
  const login = await gradebox(['login', '--server', url, '--token', served.adminToken ?? '']);
  expect(login.code, login.stderr).toBe(0);
  await writeFile(join(work, 'answer.txt'), '55\n385\n');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('late rules with the gradebox command', () => {
  it('apply refuses bad late rules with their lines, then shows the policies it sets and changes', async () => {
    const badFile = join(work, 'bad.yaml');
    await writeFile(badFile, courseYaml('{steps: [{after: 2h, factor: 0.8}, {after: 1h, factor: 1.5}]}'));
    const bad = await gradebox(['apply', badFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe([
      `error: ${badFile} has 2 problems:`,
      `  ${badFile}:10:60: assignments[0].latePolicy.steps[1].after: must be later than the step before it (2 h): list the steps from the least late to the most`,
      `  ${badFile}:10:72: assignments[0].latePolicy.steps[1].factor: must be a number from 0 to 1, what the grade is multiplied by (0.8 keeps 80%) (got 1.5)`,
      '',
    ].join('\n'));

    const file = join(work, 'course.yaml');
    await writeFile(file, courseYaml('{steps: [{after: 10m, factor: 0.8}, {after: 2d, factor: 0.5}]}'));
    const first = await gradebox(['apply', file]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`+ create    assignment cs101/hw1 (at most 5 submissions, one per 1 s; late: more than 10 min late ×0.8, more than 2 d late ×0.5; cutoff ${HW1.cutoff})\n`);
    expect(first.stdout).toContain(`+ create    extension  cs101/hw2/sue (until ${iso(600)})\n`);

    await writeFile(file, courseYaml('{percent: 5, per: hour}'));
    const dry = jsonOutput<{ changes: ApplyChange[] }>(await gradebox(['apply', file, '--dry-run', '--json']));
    expect(dry.changes.filter((c) => c.action !== 'unchanged')).toEqual([
      { action: 'update', kind: 'assignment', target: 'cs101/hw1', detail: 'latePolicy: more than 10 min late ×0.8, more than 2 d late ×0.5 → 5% off per hour late' },
    ]);
    await writeFile(file, courseYaml('{steps: [{after: 10m, factor: 0.8}, {after: 2d, factor: 0.5}]}'));
  });

  it('assignments shows the deadline, late policy, cutoff and submission limits', async () => {
    const listed = await gradebox(['assignments', 'cs101']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain([
      `hw1  Homework 1  ·  10 points  ·  due ${shown(HW1.deadline)}`,
      `  late: more than 10 min late ×0.8, more than 2 d late ×0.5; no submissions after ${shown(HW1.cutoff)}`,
      '  limits: at most 5 submissions each, one every 1 s (staff exempt)',
      '',
    ].join('\n'));
    expect(listed.stdout).toContain(`hw2  Homework 2  ·  10 points  ·  due ${shown(HW2.deadline)}\n  late: 10% off per hour late, at least ×0.5; no submissions after ${shown(HW2.cutoff)}\n  p1`);
  });

  it('submit warns of the penalty a late submission gets, and reports one after the cutoff (exit 1)', async () => {
    const upload = await gradebox(['upload', testImage('coursera-sh'), 'cs101', 'hw1', 'p1', '--additional-part', 'hw2', 'p1']);
    expect(upload.code, upload.stderr).toBe(0);
    expect((await gradebox(['publish', 'cs101', 'hw1', '--additional-assignments', 'hw2'])).code).toBe(0);
    for (const login of ['sam', 'sue']) {
      const issued = await gradebox(['tokens', 'issue', login, '--scopes', 'read,submit']);
      expect(issued.code, issued.stderr).toBe(0);
      tokens[login] = issued.stdout.trim();
    }
    const late = await gradebox(['submit', 'cs101', 'hw1', join(work, 'answer.txt')], tokens.sam);
    expect(late.code, late.stderr).toBe(0);
    expect(late.stdout).toMatch(/^sub_\S+\n$/);
    expect(late.stderr).toMatch(new RegExp(`^warning: this submission is late: 1 h( \\d+ (s|min))? late: more than 10 min late ×0\\.8 \\(due ${shown(HW1.deadline)}; no submissions after ${shown(HW1.cutoff)}\\)\\nsubmitted 1 file`));

    const closed = await gradebox(['submit', 'cs101', 'hw2', join(work, 'answer.txt')], tokens.sam);
    expect(closed.code).toBe(1);
    expect(closed.stdout).toBe('');
    expect(closed.stderr).toBe(`error: hw2 stopped accepting submissions at ${HW2.cutoff}; ask your instructors for an extension if you need one (HTTP 409 past-cutoff)\n`);

    // sue's extension (from the course file) keeps hw2 open for her, on time.
    const extended = await gradebox(['submit', 'cs101', 'hw2', join(work, 'answer.txt')], tokens.sue);
    expect(extended.code, extended.stderr).toBe(0);
    expect(extended.stderr).not.toContain('warning');
  });

  it('extensions: staff list, grant and revoke; a student sees their own and may not grant', async () => {
    const until = iso(2 * 3600);
    const grant = await gradebox(['extensions', 'cs101', 'hw2', '--grant', 'sam', '--until', until]);
    expect(grant.code, grant.stderr).toBe(0);
    expect(grant.stdout).toBe(`granted sam an extension on cs101/hw2: due ${shown(until)} (the cutoff moves by as much)\n`);
    const list = await gradebox(['extensions', 'cs101', 'hw2']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^STUDENT +UNTIL +GRANTED BY +GRANTED\\nsam +${shown(until)} +admin +.* UTC\\nsue +${shown(iso(600))} +admin +.* UTC\\n$`));
    const own = jsonOutput<{ extensions: Extension[] }>(await gradebox(['extensions', 'cs101', 'hw2', '--json'], tokens.sam));
    expect(own.extensions.map((e) => [e.login, e.until])).toEqual([['sam', until]]);
    expect((await gradebox(['submit', 'cs101', 'hw2', join(work, 'answer.txt')], tokens.sam)).code).toBe(0);

    const refused = await gradebox(['extensions', 'cs101', 'hw2', '--grant', 'sam', '--until', iso(86400)], tokens.sam);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: this token lacks the 'manage' scope.*\(HTTP 403 forbidden\)\n/);
    const unknown = await gradebox(['extensions', 'cs101', 'hw2', '--grant', 'zed', '--until', until]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("error: 'zed' is not a member of cs101: add them as a student first (HTTP 404 not-found)\n");

    const revoke = await gradebox(['extensions', 'cs101', 'hw2', '--revoke', 'sam']);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toBe(`revoked sam's extension on cs101/hw2 (it was until ${shown(until)}); the assignment's deadline holds for them again\n`);
    const again = await gradebox(['extensions', 'cs101', 'hw2', '--revoke', 'sam']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("error: 'sam' has no extension on cs101/hw2 (HTTP 404 not-found)\n");
    expect((await gradebox(['extensions', 'cs101', 'hw1'])).stderr).toBe('no extensions on cs101/hw1\n');
  });

  it('extensions: usage errors exit 2 before anything is sent', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--grant', 'sam'], /^error: --grant needs --until TIME/],
      [['--until', '2030-01-01T00:00:00Z'], /^error: --until goes with --grant LOGIN/],
      [['--grant', 'sam', '--until', 'friday'], /^error: --until: "friday" is not a time with a time zone/],
      [['--grant', 'sam', '--until', '2030-01-01T00:00'], /^error: --until: "2030-01-01T00:00" is not a time with a time zone/],
      [['--grant', 'sam', '--revoke', 'sue', '--until', '2030-01-01T00:00:00Z'], /^error: --grant and --revoke do not go together/],
      [['--revoke', 'Not A Login'], /^error: --revoke: /],
    ];
    for (const [args, message] of cases) {
      const result = await gradebox(['extensions', 'cs101', 'hw2', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
