/**
 * The server commands without a server: usage errors (exit 2, one message, nothing on stdout),
 * --help with exit codes, the local checks that fail before anything is sent, and "not logged in".
 * The real command (bin/gradebox.js over dist/, so build first). With a server:
 * server-commands.integration.test.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuildIsFresh, cliEnv, runCli, type CliResult } from '../support/run-cli.ts';

let work: string;
/** A server nothing listens on, with a token: commands get as far as sending. */
const NOWHERE = { GRADEBOX_SERVER: 'http://127.0.0.1:1', GRADEBOX_TOKEN: 'gbx_unused' };
const NO_ENV = { GRADEBOX_SERVER: undefined, GRADEBOX_TOKEN: undefined };

function gradebox(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({ XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'home'), NO_COLOR: '1', GRADEBOX_SERVER: undefined, GRADEBOX_TOKEN: undefined, ...env }),
  });
}

beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-server-usage-'));
  await mkdir(join(work, 'sub'));
  await writeFile(join(work, 'sub', 'answer.txt'), '55\n');
  await writeFile(join(work, 'bad-course.yaml'), 'course:\n  id: CS 101\n  title: Intro\nassignments:\n  - id: hw1\n    title: One\n    parts:\n      - id: p1\n        points: ten\n');
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const COMMANDS = [
  'login', 'logout', 'whoami', 'users', 'users add', 'tokens', 'tokens issue', 'tokens list', 'tokens revoke',
  'courses', 'assignments', 'apply', 'upload', 'publish', 'submit', 'submission', 'grade remote',
];

describe('help', () => {
  it('gradebox --help lists every server command', async () => {
    const { stdout } = await gradebox(['--help']);
    for (const command of COMMANDS.filter((c) => !c.includes(' '))) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect((await gradebox(['grade', '--help'])).stdout).toMatch(/^ {2}remote \[options\] <submission-id>/m);
  });

  it.each(COMMANDS)('%s --help: exit 0, options and exit codes', async (command) => {
    const result = await gradebox([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Exit codes(, for CI scripts)?:\s+0 /);
    if (!['login', 'logout', 'tokens'].includes(command)) expect(result.stdout).toContain('--server <url>');
  });

  it("publish --help documents the CI exit codes 0, 1 and 2", async () => {
    const { stdout } = await gradebox(['publish', '--help']);
    expect(stdout).toMatch(/0 {2}every assignment was published/);
    expect(stdout).toMatch(/1 {2}at least one failed for good/);
    expect(stdout).toMatch(/2 {2}every failure is worth retrying/);
  });
});

describe('usage errors: exit 2, a message on stderr, nothing on stdout', () => {
  it.each<[string, string[], RegExp, Record<string, string | undefined>?]>([
    ['login without a server', ['login'], /^error: --server URL is required \(or set GRADEBOX_SERVER\)\n\(see --help\)\n$/, NO_ENV],
    ['login with a server that is no URL', ['login', '--server', 'gradebox.example.edu', '--token', 'gbx_x'], /^error: "gradebox\.example\.edu" is not a URL; give the server's address such as https:\/\/gradebox\.example\.edu/],
    ['login with no token on stdin', ['login', '--server', 'http://127.0.0.1:1'], /^error: no token given: type it at the prompt, pipe it on stdin, or pass --token\n/, NO_ENV],
    ['login with a token holding spaces', ['login', '--server', 'http://127.0.0.1:1', '--token', 'gbx_a b'], /the token holds spaces or line breaks/],
    ['logout when never logged in', ['logout'], /^error: not logged in to any server; nothing to forget\n/, NO_ENV],
    ['GRADEBOX_SERVER that is no URL', ['whoami'], /^error: "nope" is not a URL/, { GRADEBOX_SERVER: 'nope' }],
    ['assignments without a course', ['assignments'], /error: missing required argument 'course'/],
    ['apply without a file', ['apply'], /error: missing required argument 'file'/],
    ['apply of a missing file', ['apply', 'no-such-course.yaml'], /^error: course file no-such-course\.yaml does not exist\n\(see --help\)\n$/],
    ['apply of a directory', ['apply', '/tmp'], /^error: \/tmp is a directory; give the course file itself/],
    ['upload without a part', ['upload', 'grader.tar', 'cs101', 'hw1'], /^error: missing PART: name the part the grader grades, or give --autograde for the assignment's autograde grader\n/],
    ['upload --autograde with a part', ['upload', 'g.tar', 'c', 'a', 'p', '--autograde', '--script', 's.py'], /^error: --autograde makes the assignment's own grader, which grades no part: leave out PART \("p"\)\n/],
    ['upload --autograde without --script', ['upload', 'g.tar', 'c', 'a', '--autograde'], /^error: --autograde needs a script grader: give --script PATH/],
    ['upload --autograde with another protocol', ['upload', 'g.tar', 'c', 'a', '--autograde', '--protocol', 'coursera'], /^error: --autograde needs a script grader/],
    ['upload --autograde with --additional-part', ['upload', 'g.tar', 'c', 'a', '--autograde', '--script', 's.py', '--additional-part', 'a', 'p'], /^error: --autograde makes one assignment's own grader: it does not go with --additional-part\n/],
    ['upload with half an --additional-part', ['upload', 'grader.tar', 'cs101', 'hw1', 'p1', '--additional-part', 'hw2'], /^error: --additional-part takes two values, ASSIGNMENT and PART \(e\.g\. --additional-part hw2 sums\); got "hw2"\n/],
    ['upload naming a part twice', ['upload', 'grader.tar', 'cs101', 'hw1', 'p1', '--additional-part', 'hw1', 'p1'], /^error: part hw1\/p1 is named twice\n/],
    ['upload with --grader-cpu 0', ['upload', 'g.tar', 'c', 'a', 'p', '--grader-cpu', '0'], /^error: --grader-cpu takes a positive number, got "0"\n/],
    ['upload with --grader-memory-limit 1.5', ['upload', 'g.tar', 'c', 'a', 'p', '--grader-memory-limit', '1.5'], /^error: --grader-memory-limit takes a whole number greater than 0, got "1\.5"\n/],
    ['upload with --grading-timeout x', ['upload', 'g.tar', 'c', 'a', 'p', '--grading-timeout', 'x'], /^error: --grading-timeout takes a whole number greater than 0, got "x"\n/],
    ['upload with an unknown protocol', ['upload', 'g.tar', 'c', 'a', 'p', '--protocol', 'codio'], /^error: --protocol takes one of coursera, gradescope, script, got "codio"\n/],
    ['publish without an assignment', ['publish', 'cs101'], /error: missing required argument 'assignment'/],
    ['publish naming an assignment twice', ['publish', 'cs101', 'hw1', '--additional-assignments', 'hw2', 'hw1'], /^error: assignment hw1 is named twice\n/],
    ['submit without a path', ['submit', 'cs101', 'hw1'], /error: missing required argument 'path'/],
    ['submit of a missing path', ['submit', 'cs101', 'hw1', 'no-such-dir'], /^error: no-such-dir: no such file or folder\n\(see --help\)\n$/],
    ['submit --drafts without --author-test', ['submit', 'cs101', 'hw1', '.', '--drafts'], /^error: --drafts needs --author-test/],
    ['submit --timeout without --wait', ['submit', 'cs101', 'hw1', '.', '--timeout', '10'], /^error: --timeout needs --wait\n/],
    ['submit --wait --timeout -1', ['submit', 'cs101', 'hw1', '.', '--wait', '--timeout', '-1'], /error: --timeout takes a positive number, got "-1"/],
    ['submission without an id', ['submission'], /error: missing required argument 'id'/],
    ['submission --timeout without --wait', ['submission', 'sub_1', '--timeout', '10'], /^error: --timeout needs --wait\n/],
    ['submission of a malformed id', ['submission', '../etc/passwd'], /^error: "\.\.\/etc\/passwd" is not a submission id/],
    ['grade remote without an id', ['grade', 'remote'], /error: missing required argument 'submission-id'/],
    ['grade remote with --version and --draft', ['grade', 'remote', 'sub_1', '--version', '2', '--draft'], /^error: --version and --draft name different versions; give one\n/],
    ['grade remote with an unknown backend', ['grade', 'remote', 'sub_1', '--backend', 'podman'], /^error: --backend takes one of auto, oci, docker, got "podman"\n/],
    ['an unknown option', ['whoami', '--frobnicate'], /error: unknown option '--frobnicate'/],
    ['users with an argument', ['users', 'ada'], /^error: too many arguments for 'users'/],
    ['users add without a login', ['users', 'add'], /error: missing required argument 'login'/],
    ['users add with an invalid login', ['users', 'add', 'Ada Lovelace'], /^error: LOGIN: 'Ada Lovelace' is not a valid login id: use lower-case letters, digits/],
    ['tokens without a subcommand', ['tokens'], /^Usage: gradebox tokens \[options\] \[command\]\n/],
    ['tokens issue without --scopes', ['tokens', 'issue', 'alan'], /^error: required option '--scopes <list>' not specified\n/],
    ['tokens issue with an unknown scope', ['tokens', 'issue', 'alan', '--scopes', 'read,write'], /^error: --scopes: unknown scope "write"; allowed: read, submit, author, manage \(comma-separated, e\.g\. --scopes read,submit\)\n\(see --help\)\n$/],
    ['tokens issue with scopes in one word', ['tokens', 'issue', 'alan', '--scopes', 'read submit'], /^error: --scopes: unknown scope "read submit"; allowed: read, submit, author, manage/],
    ['tokens issue with no scope', ['tokens', 'issue', 'alan', '--scopes', ','], /^error: --scopes takes at least one scope; allowed: read, submit, author, manage/],
    ['tokens issue with --expires-days 0', ['tokens', 'issue', 'alan', '--scopes', 'read', '--expires-days', '0'], /^error: --expires-days takes a whole number of days from 1 to 3650, got "0"\n/],
    ['tokens issue with --expires-days 9999', ['tokens', 'issue', 'alan', '--scopes', 'read', '--expires-days', '9999'], /^error: --expires-days takes a whole number of days from 1 to 3650, got "9999"\n/],
    ['tokens issue with an empty --name', ['tokens', 'issue', 'alan', '--scopes', 'read', '--name', ' '], /^error: --name takes 1 to 100 characters\n/],
    ['tokens issue for an invalid login', ['tokens', 'issue', 'Alan', '--scopes', 'read'], /^error: LOGIN: 'Alan' is not a valid login id/],
    ['tokens list for an invalid login', ['tokens', 'list', 'a/b'], /^error: LOGIN: 'a\/b' is not a valid login id/],
    ['tokens revoke without an id', ['tokens', 'revoke'], /^error: give the id of the token to revoke \(tok_…, from `gradebox tokens list`\), or --user LOGIN\n/],
    ['tokens revoke given the token itself', ['tokens', 'revoke', 'gbx_secret'], /^error: give the token's id \(tok_…, from `gradebox tokens list`\), not the token itself\n/],
  ])('%s', async (_what, args, message, env = {}) => {
    const result = await gradebox(args, { ...NOWHERE, ...env });
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });
});

describe('before anything is sent', () => {
  it('apply checks the course file here: every mistake with file:line:column, exit 1', async () => {
    const result = await gradebox(['apply', join(work, 'bad-course.yaml')], NOWHERE);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const file = join(work, 'bad-course.yaml');
    expect(result.stderr).toBe(
      `error: ${file} has 2 problems:\n` +
      `  ${file}:2:7: course.id: 'CS 101' is not a valid course id: use lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64\n` +
      `  ${file}:9:17: assignments[0].parts[0].points: must be a number ≥ 0 (got "ten")\n`,
    );
  });

  it('not logged in anywhere: exit 1, saying how to log in', async () => {
    for (const args of [['whoami'], ['users'], ['users', 'add', 'ada'], ['tokens', 'issue', 'ada', '--scopes', 'read'], ['tokens', 'list'], ['tokens', 'revoke', 'tok_1'], ['courses'], ['assignments', 'cs101'], ['publish', 'cs101', 'hw1'], ['submit', 'cs101', 'hw1', join(work, 'sub')], ['submission', 'sub_1'], ['grade', 'remote', 'sub_1']]) {
      const result = await gradebox(args);
      expect(result.stderr, args.join(' ')).toBe('error: no gradebox server given: run `gradebox login --server URL` once, or pass --server URL, or set GRADEBOX_SERVER (and GRADEBOX_TOKEN)\n');
      expect(result.code).toBe(1);
    }
    const known = await gradebox(['whoami', '--server', 'http://127.0.0.1:1']);
    expect(known.stderr).toBe('error: not logged in to http://127.0.0.1:1: run `gradebox login --server http://127.0.0.1:1`, or set GRADEBOX_TOKEN\n');
    expect(known.code).toBe(1);
  });

  it('a server nobody answers at: exit 2 (retry later), with the reason', async () => {
    const result = await gradebox(['courses'], { GRADEBOX_SERVER: 'http://127.0.0.1:9999', GRADEBOX_TOKEN: 'gbx_x' });
    expect(result.stderr).toMatch(/^error: cannot reach the gradebox server at http:\/\/127\.0\.0\.1:9999: connection refused/);
    expect(result.stderr).toMatch(/\nhint: check the URL and your network; run the command again once the server answers\n$/);
    expect(result.code).toBe(2);
  });
});
