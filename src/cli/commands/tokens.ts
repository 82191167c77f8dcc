import { Command } from 'commander';
import type { ApiToken, Scope } from '../../platform/model.ts';
import { MAX_TOKENS_PER_USER, SCOPES } from '../../platform/model.ts';
import { nameProblem } from '../../platform/names.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

interface IssueFlags extends ServerFlags {
  scopes: Scope[];
  name?: string;
  expiresDays?: number;
  json?: boolean;
}

interface ListFlags extends ServerFlags {
  json?: boolean;
}

/** The server's longest token lifetime (platform/tokens.ts). */
const MAX_EXPIRY_DAYS = 3650;
const MAX_NAME_LENGTH = 100;

/** `gradebox tokens issue|list|revoke`: API tokens, so nobody needs curl to give a student one. */
export function tokensCommand(): Command {
  return new Command('tokens')
    .description('Issue, list and revoke API tokens (administrators for anyone; anyone for themselves)')
    .addCommand(issueTokenCommand())
    .addCommand(listTokensCommand())
    .addCommand(revokeTokenCommand())
    .addHelpText('after', `
Scopes: read (every GET your roles allow), submit (submissions), author (grader images, drafts,
publishing, author tests, grade remote), manage (course set-up, users and tokens).

Examples:
  gradebox tokens issue alan --scopes read,submit --expires-days 120
  gradebox tokens list alan
  gradebox tokens revoke tok_8Qm3XbW2d1LrPzKa0TnY

Exit codes: 0 ok, 1 refused or not logged in, 2 usage error or the server is unreachable or busy.`);
}

function issueTokenCommand(): Command {
  return withServerOption(new Command('issue'))
    .description('Issue an API token for a user; the token is shown this once')
    .argument('<login>', 'the user the token is for')
    .requiredOption('--scopes <list>', `what the token may do, comma-separated: ${SCOPES.join(', ')}`, scopeList)
    .option('--name <name>', 'a name to tell the token apart in `tokens list`, e.g. the machine it is for (default: "issued YYYY-MM-DD")')
    .option('--expires-days <n>', `days until the token expires, 1 to ${MAX_EXPIRY_DAYS} (default: never)`, expiryDays)
    .option('--json', 'print the IssuedToken (with its value in "token") as JSON on stdout')
    .addHelpText('after', `
The token is the first line on stdout, alone, so scripts can capture it; the server keeps only a
hash, so it cannot be shown again (issue a new one if it is lost). Administrators (with the manage
scope) issue tokens for anyone; anyone may issue themselves a token with at most their own
token's scopes, which expires no later than their own token and is revoked with it. A user holds
at most ${MAX_TOKENS_PER_USER} usable tokens (HTTP 409 too-many-tokens beyond: revoke some).
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox tokens issue alan --scopes read,submit
  TOKEN=$(gradebox tokens issue ci-bot --scopes read,author --name ci --expires-days 90)
  gradebox tokens issue ada --scopes read,submit,author --json | jq -r .token

Exit codes: 0 issued, 1 refused (no such user, not allowed) or not logged in, 2 usage error (e.g.
an unknown scope) or the server is unreachable or busy (run again later).`)
    .action(runAction(async (signal, login: string, flags: IssueFlags) => {
      checkLogin(login);
      const name = flags.name ?? `issued ${new Date().toISOString().slice(0, 10)}`;
      if (name.trim() === '' || name.length > MAX_NAME_LENGTH) throw new UsageError(`--name takes 1 to ${MAX_NAME_LENGTH} characters`);
      const client = await connect(flags, signal);
      const issued = await client.issueToken(login, {
        name,
        scopes: flags.scopes,
        ...(flags.expiresDays !== undefined ? { expiresInDays: flags.expiresDays } : {}),
      });
      if (flags.json) {
        printJson(issued);
      } else {
        process.stdout.write(`${issued.token}\n`);
        const expires = issued.expiresAt === null ? 'never expires' : `expires ${formatTime(issued.expiresAt)}`;
        const bounded = issued.parentId !== null && expiresSooner(issued.expiresAt, flags.expiresDays)
          ? `${paint('yellow', 'note:', process.stderr)} it expires with the token you issued it with, which ends sooner than asked\n`
          : '';
        process.stderr.write(
          `issued token ${issued.id} "${issued.name}" for ${issued.login}: scopes ${issued.scopes.join(', ')}; ${expires}\n` +
          bounded +
          `${paint('yellow', 'note:', process.stderr)} the token above is shown only this once; keep it now ` +
          `(\`gradebox login --server ${client.server}\` reads it from stdin)\n`,
        );
      }
      return ExitCode.ok;
    }));
}

function listTokensCommand(): Command {
  return withServerOption(new Command('list'))
    .description("List a user's API tokens (never their values): scopes, dates, whether revoked or expired")
    .argument('[login]', 'whose tokens (default: your own, as `gradebox whoami` names you)')
    .option('--json', 'print {login, tokens: ApiToken[]} as JSON on stdout')
    .addHelpText('after', `
Administrators list anyone's tokens; others only their own.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox tokens list
  gradebox tokens list alan --json | jq -r '.tokens[] | select(.revokedAt == null) | .id'

Exit codes: 0 ok, 1 refused (no such user, not allowed) or not logged in, 2 usage error or the
server is unreachable or busy.`)
    .action(runAction(async (signal, given: string | undefined, flags: ListFlags) => {
      if (given !== undefined) checkLogin(given);
      const client = await connect(flags, signal);
      const login = given ?? (await client.whoami()).user.login;
      const tokens = await client.tokens(login);
      if (flags.json) {
        printJson({ login, tokens });
      } else if (tokens.length === 0) {
        process.stderr.write(`${login} has no tokens: issue one with \`gradebox tokens issue ${login} --scopes read,submit\`\n`);
      } else {
        const now = Date.now();
        const header = ['ID', 'NAME', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'].map((h) => paint('bold', h));
        const rows = tokens.map((t) => [t.id, t.name, t.scopes.join(','), formatTime(t.createdAt), formatTime(t.expiresAt), formatTime(t.lastUsedAt), tokenStatus(t, now)]);
        process.stdout.write(table([header, ...rows]));
      }
      return ExitCode.ok;
    }));
}

interface RevokeFlags extends ServerFlags {
  user?: string;
  json?: boolean;
}

function revokeTokenCommand(): Command {
  return withServerOption(new Command('revoke'))
    .description('Revoke an API token (and the tokens minted with it), or every token of a user: they stop working at once')
    .argument('[id]', 'the token id (tok_…), as `gradebox tokens list` shows it; not the token itself')
    .option('--user <login>', 'revoke every token of this user instead, cutting them off')
    .option('--json', 'with --user: print {login, revoked} as JSON on stdout')
    .addHelpText('after', `
A token's user may revoke it; administrators (with the manage scope) any token. Tokens a user
minted with a token (\`tokens issue\` for themselves) are revoked with it. Revoking a revoked
token again is no error. \`--user LOGIN\` revokes all of LOGIN's tokens (administrators for
anyone; anyone for themselves). The local copy \`gradebox login\` saved stays until
\`gradebox logout\`.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox tokens revoke tok_8Qm3XbW2d1LrPzKa0TnY
  gradebox tokens revoke --user alan

Exit codes: 0 revoked, 1 no such token or user (or not yours) or not logged in, 2 usage error or
the server is unreachable or busy.`)
    .action(runAction(async (signal, id: string | undefined, flags: RevokeFlags) => {
      if (flags.user !== undefined) {
        if (id !== undefined) throw new UsageError('give a token id or --user LOGIN, not both');
        checkLogin(flags.user);
        const outcome = await (await connect(flags, signal)).revokeUserTokens(flags.user);
        if (flags.json) printJson(outcome);
        else process.stderr.write(`revoked ${outcome.revoked} ${outcome.revoked === 1 ? 'token' : 'tokens'} of ${outcome.login}; requests with any of their tokens are now refused (HTTP 401)\n`);
        return ExitCode.ok;
      }
      if (id === undefined) throw new UsageError('give the id of the token to revoke (tok_…, from `gradebox tokens list`), or --user LOGIN');
      if (id.startsWith('gbx_')) throw new UsageError('give the token\'s id (tok_…, from `gradebox tokens list`), not the token itself');
      if (!/^[A-Za-z0-9_:-]{1,128}$/.test(id)) throw new UsageError(`"${id}" is not a token id; \`gradebox tokens list\` shows them (tok_…)`);
      await (await connect(flags, signal)).revokeToken(id);
      process.stderr.write(`revoked token ${id} and any minted with it; requests with them are now refused (HTTP 401)\n`);
      return ExitCode.ok;
    }));
}

/** Whether a token's expiry comes before what `--expires-days` asked for (never, when not given). */
function expiresSooner(expiresAt: string | null, days: number | undefined): boolean {
  if (expiresAt === null) return false;
  if (days === undefined) return true;
  // A minute of slack for the time between asking and the server's answer.
  return Date.parse(expiresAt) < Date.now() + days * 24 * 60 * 60 * 1000 - 60_000;
}

/** `active`, `revoked`, or `expired`. */
function tokenStatus(token: ApiToken, now: number): string {
  if (token.revokedAt !== null) return paint('red', 'revoked');
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return paint('yellow', 'expired');
  return 'active';
}

function checkLogin(login: string): void {
  const problem = nameProblem('login', login);
  if (problem !== undefined) throw new UsageError(`LOGIN: ${problem}`);
}

/** `--scopes read,submit`: known scopes, in any order, each once; the usage error lists the allowed ones. */
export function scopeList(value: string): Scope[] {
  const given = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const allowed = `allowed: ${SCOPES.join(', ')} (comma-separated, e.g. --scopes read,submit)`;
  if (given.length === 0) throw new UsageError(`--scopes takes at least one scope; ${allowed}`);
  const unknown = given.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--scopes: unknown ${unknown.length === 1 ? 'scope' : 'scopes'} ${unknown.map((s) => `"${s}"`).join(', ')}; ${allowed}`);
  return SCOPES.filter((s) => given.includes(s));
}

function expiryDays(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_EXPIRY_DAYS) {
    throw new UsageError(`--expires-days takes a whole number of days from 1 to ${MAX_EXPIRY_DAYS}, got "${value}"`);
  }
  return n;
}
