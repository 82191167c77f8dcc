/**
 * `gradebox users` and `gradebox tokens` end to end: a real API-only `gradebox serve --workers 0`
 * on a free port and the real CLI against it, each a child process over dist/ (build first). The
 * steps build on each other (a user, their token, its revocation), so the tests run in order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiToken, IssuedToken, User } from '../../src/platform/model.ts';
import { assertBuildIsFresh, cliEnv, runCli, type CliResult, jsonOutput } from '../support/run-cli.ts';
import { startServeCli, type ServedCli } from '../support/serve-cli.ts';

let work: string;
let server: ServedCli | undefined;
let url: string;
let adminToken: string;

function gradebox(args: string[], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, {
    env: cliEnv({
      XDG_CONFIG_HOME: join(work, 'config'), GRADEBOX_HOME: join(work, 'cli-home'), NO_COLOR: '1',
      GRADEBOX_SERVER: undefined, GRADEBOX_TOKEN: undefined, ...extra,
    }),
  });
}

/** Runs as the holder of `token`, through the environment (as CI would). */
function as(token: string): Record<string, string> {
  return { GRADEBOX_SERVER: url, GRADEBOX_TOKEN: token };
}


beforeAll(async () => {
  assertBuildIsFresh();
  work = await mkdtemp(join(tmpdir(), 'gradebox-account-cli-'));
  const served = await startServeCli(['--data', join(work, 'server'), '--port', '0', '--workers', '0'], {
    env: cliEnv({ GRADEBOX_HOME: join(work, 'server-home'), NO_COLOR: '1' }),
    timeoutMs: 10 * 60_000,
  });
  server = served;
  url = served.url;
  adminToken = served.adminToken ?? '';
  const login = await gradebox(['login', '--server', url, '--token', adminToken]);
  expect(login.code, login.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('users and tokens against a running server', () => {
  let studentToken: string;
  let studentTokenId: string;
  let childTokenOfStudent: string;

  it('users add creates a user; users lists it; the same login again is refused (409, exit 1)', async () => {
    const added = await gradebox(['users', 'add', 'alan', '--name', 'Alan Turing']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('created user alan (Alan Turing)\n');
    expect(added.stderr).toBe('give them a token: gradebox tokens issue alan --scopes read,submit\n');
    expect(jsonOutput<User>(await gradebox(['users', 'add', 'grace', '--admin', '--json']))).toMatchObject({ login: 'grace', displayName: 'grace', isAdmin: true });

    const list = await gradebox(['users']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^LOGIN +NAME +ADMIN +CREATED\nadmin +Administrator +yes +\d{4}-\d\d-\d\d \d\d:\d\d UTC\nalan +Alan Turing +no +.*\ngrace +grace +yes +.*\n$/);
    expect(jsonOutput<{ users: User[] }>(await gradebox(['users', '--json'])).users.map((u) => u.login)).toEqual(['admin', 'alan', 'grace']);

    const again = await gradebox(['users', 'add', 'alan']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("error: user 'alan' already exists (HTTP 409 conflict)\n");
  });

  it('tokens issue: the token alone on the first line of stdout, the once-only note on stderr', async () => {
    const issued = await gradebox(['tokens', 'issue', 'alan', '--scopes', 'submit,read', '--name', 'laptop', '--expires-days', '30']);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stdout).toMatch(/^gbx_[A-Za-z0-9_-]+\n$/);
    studentToken = issued.stdout.trim();
    expect(issued.stderr).toMatch(/^issued token (tok_\S+) "laptop" for alan: scopes read, submit; expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/);
    expect(issued.stderr).toContain('the token above is shown only this once');
    studentTokenId = /^issued token (tok_\S+)/.exec(issued.stderr)?.[1] ?? '';

    const asJson = jsonOutput<IssuedToken>(await gradebox(['tokens', 'issue', 'alan', '--scopes', 'read', '--json']));
    expect(asJson).toMatchObject({ login: 'alan', scopes: ['read'], expiresAt: null, revokedAt: null });
    expect(asJson.token).toMatch(/^gbx_/);
    expect(asJson.name).toMatch(/^issued \d{4}-\d\d-\d\d$/);

    const unknown = await gradebox(['tokens', 'issue', 'nobody', '--scopes', 'read']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("error: no user 'nobody' (HTTP 404 not-found)\n");
  });

  it('the issued token works: whoami as the student', async () => {
    const whoami = await gradebox(['whoami'], as(studentToken));
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toBe(`alan (Alan Turing) on ${url}\nscopes: read, submit\ncourses: none\ntoken from: environment\n`);
  });

  it('tokens list shows the token without its value; by default the caller\'s own tokens', async () => {
    const list = await gradebox(['tokens', 'list', 'alan']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID +NAME +SCOPES +CREATED +EXPIRES +LAST USED +STATUS\n/);
    expect(list.stdout).toMatch(new RegExp(`\\n${studentTokenId} +laptop +read,submit +\\S+ \\S+ UTC +\\S+ \\S+ UTC +\\S+ \\S+ UTC +active\\n`));
    expect(list.stdout).not.toContain(studentToken);
    expect(list.stdout).not.toContain('gbx_');

    const own = jsonOutput<{ login: string; tokens: ApiToken[] }>(await gradebox(['tokens', 'list', '--json'], as(studentToken)));
    expect(own.login).toBe('alan');
    expect(own.tokens.map((t) => t.id)).toContain(studentTokenId);
    expect(own.tokens.every((t) => !('token' in t))).toBe(true);
    expect(JSON.stringify(own)).not.toContain(studentToken);
  });

  it("a student's token: listing users, adding one and issuing tokens for others are refused (403, exit 1)", async () => {
    const users = await gradebox(['users'], as(studentToken));
    expect(users.code).toBe(1);
    expect(users.stdout).toBe('');
    expect(users.stderr).toMatch(/^error: only admins may list users \(HTTP 403 forbidden\)\nhint: /);
    const add = await gradebox(['users', 'add', 'eve'], as(studentToken));
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/\(HTTP 403 forbidden\)/);
    const issue = await gradebox(['tokens', 'issue', 'admin', '--scopes', 'read'], as(studentToken));
    expect(issue.code).toBe(1);
    expect(issue.stderr).toMatch(/^error: only admins may issue tokens for other users \(HTTP 403 forbidden\)\n/);
    const more = await gradebox(['tokens', 'issue', 'alan', '--scopes', 'read,author'], as(studentToken));
    expect(more.code).toBe(1);
    expect(more.stderr).toMatch(/at most your current token's scopes \(read, submit\) \(HTTP 403 forbidden\)/);
  });

  it('a token a user issues for themselves expires with theirs (a note says so) and is revoked with it', async () => {
    const mint = await gradebox(['tokens', 'issue', 'alan', '--scopes', 'read', '--name', 'ci', '--expires-days', '365'], as(studentToken));
    expect(mint.code, mint.stderr).toBe(0);
    const childToken = mint.stdout.trim();
    expect(mint.stderr).toMatch(/^issued token tok_\S+ "ci" for alan: scopes read; expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\nnote: it expires with the token you issued it with, which ends sooner than asked\n/);
    const listed = jsonOutput<{ tokens: ApiToken[] }>(await gradebox(['tokens', 'list', 'alan', '--json']));
    const parent = listed.tokens.find((t) => t.id === studentTokenId)!;
    const child = listed.tokens.find((t) => t.name === 'ci')!;
    expect(child).toMatchObject({ parentId: studentTokenId, expiresAt: parent.expiresAt });
    expect((await gradebox(['whoami'], as(childToken))).code).toBe(0);
    childTokenOfStudent = childToken;
  });

  it('tokens revoke: the list says revoked; the token is refused with the re-login hint (exit 1)', async () => {
    const revoke = await gradebox(['tokens', 'revoke', studentTokenId]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toBe('');
    expect(revoke.stderr).toBe(`revoked token ${studentTokenId} and any minted with it; requests with them are now refused (HTTP 401)\n`);
    expect((await gradebox(['tokens', 'list', 'alan'])).stdout).toMatch(new RegExp(`\\n${studentTokenId} .* revoked\\n`));

    const whoami = await gradebox(['whoami'], as(studentToken));
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toMatch(/^error: .*revoked.*\(HTTP 401 unauthenticated\)\n/);
    expect(whoami.stderr).toContain(`hint: ${url} refused the token (unknown, expired or revoked): run \`gradebox login --server ${url}\` with a valid one, or fix GRADEBOX_TOKEN\n`);

    const missing = await gradebox(['tokens', 'revoke', 'tok_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("error: no token 'tok_nope' (HTTP 404 not-found)\n");

    // The token alan minted with the revoked one went with it.
    const child = await gradebox(['whoami'], as(childTokenOfStudent));
    expect(child.code).toBe(1);
    expect(child.stderr).toMatch(/revoked.*\(HTTP 401 unauthenticated\)/);
  });

  it('tokens revoke --user cuts a user off: every token of theirs stops working', async () => {
    const tokensOfAlan = [];
    for (const name of ['one', 'two']) tokensOfAlan.push((await gradebox(['tokens', 'issue', 'alan', '--scopes', 'read', '--name', name])).stdout.trim());
    const cut = await gradebox(['tokens', 'revoke', '--user', 'alan']);
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.stderr).toMatch(/^revoked [2-9] tokens of alan; requests with any of their tokens are now refused \(HTTP 401\)\n$/);
    for (const token of tokensOfAlan) expect((await gradebox(['whoami'], as(token))).code).toBe(1);
    expect(jsonOutput<{ login: string; revoked: number }>(await gradebox(['tokens', 'revoke', '--user', 'alan', '--json']))).toEqual({ login: 'alan', revoked: 0 });

    const both = await gradebox(['tokens', 'revoke', 'tok_x', '--user', 'alan']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/not both/);
    const neither = await gradebox(['tokens', 'revoke']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/--user LOGIN/);
    const nobody = await gradebox(['tokens', 'revoke', '--user', 'nobody']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe("error: no user 'nobody' (HTTP 404 not-found)\n");
  });
});
