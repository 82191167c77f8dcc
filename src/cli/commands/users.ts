import { Command } from 'commander';
import { nameProblem } from '../../platform/names.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { readSecret } from '../read-secret.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

interface UsersFlags extends ServerFlags {
  json?: boolean;
}

interface AddUserFlags extends ServerFlags {
  name?: string;
  admin?: boolean;
  json?: boolean;
}

/** `gradebox users` (list) and `gradebox users add LOGIN`: the server's user accounts, for admins. */
export function usersCommand(): Command {
  return withServerOption(new Command('users'))
    .description('List the users of the server (administrators); `users add LOGIN` creates one')
    // `users add bob --json` is add's own option, not the list's.
    .enablePositionalOptions()
    .option('--json', 'print {users: User[]} as JSON on stdout')
    .addHelpText('after', `
Needs an administrator's token. Users are also created by \`gradebox apply\` when a course file
names them; give them a token with \`gradebox tokens issue LOGIN --scopes read,submit\`.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox users
  gradebox users add ada --name "Ada Lovelace"
  gradebox users --json | jq -r '.users[].login'

Exit codes: 0 ok, 1 not logged in or refused (e.g. not an administrator: HTTP 403), 2 usage error
or the server is unreachable or busy (run again later).`)
    .addCommand(addUserCommand())
    .addCommand(passwordCommand())
    .addCommand(inviteCommand())
    .action(runAction(async (signal, flags: UsersFlags) => {
      const users = await (await connect(flags, signal)).users();
      if (flags.json) {
        printJson({ users });
      } else {
        const header = ['LOGIN', 'NAME', 'ADMIN', 'CREATED'].map((h) => paint('bold', h));
        process.stdout.write(table([header, ...users.map((u) => [u.login, u.displayName, u.isAdmin ? 'yes' : 'no', formatTime(u.createdAt)])]));
      }
      return ExitCode.ok;
    }));
}

function addUserCommand(): Command {
  return withServerOption(new Command('add'))
    .description('Create a user (administrators)')
    .argument('<login>', 'login name: lower-case letters, digits, ".", "_" or "-", at most 64')
    .option('--name <display-name>', 'display name, e.g. "Ada Lovelace" (default: the login)')
    .option('--admin', 'make the user an administrator of the server (every course, users and tokens)')
    .option('--json', 'print the User as JSON on stdout')
    .addHelpText('after', `
The user has no token yet: issue one with \`gradebox tokens issue LOGIN --scopes read,submit\`.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox users add ada --name "Ada Lovelace"
  gradebox users add grace --admin

Exit codes: 0 created, 1 refused (the login is taken: HTTP 409; not an administrator: HTTP 403)
or not logged in, 2 usage error (e.g. an invalid login) or the server is unreachable or busy.`)
    .action(runAction(async (signal, login: string, flags: AddUserFlags) => {
      const problem = nameProblem('login', login);
      if (problem !== undefined) throw new UsageError(`LOGIN: ${problem}`);
      if (flags.name !== undefined && flags.name.length > 200) throw new UsageError('--name takes at most 200 characters');
      const client = await connect(flags, signal);
      const user = await client.createUser({
        login,
        ...(flags.name !== undefined ? { displayName: flags.name } : {}),
        ...(flags.admin ? { isAdmin: true } : {}),
      });
      if (flags.json) {
        printJson(user);
      } else {
        const name = user.displayName !== user.login ? ` (${user.displayName})` : '';
        process.stdout.write(`created user ${user.login}${name}${user.isAdmin ? ', administrator' : ''}\n`);
        process.stderr.write(`give them a token: gradebox tokens issue ${user.login} --scopes read,submit\n`);
      }
      return ExitCode.ok;
    }));
}

/** `gradebox users password LOGIN`: an administrator sets a user's web password (docs/web.md). */
function passwordCommand(): Command {
  return withServerOption(new Command('password'))
    .description("Set a user's password for the web interface (administrators)")
    .argument('<login>', 'the user')
    .addHelpText('after', `
The password is read from the terminal without echo (twice), or from the first line of stdin when
it is a pipe; never from the command line, where other users could see it. 10 to 1024 characters.
Setting it signs the user out of every browser. Users can also choose their own with an invitation
link: gradebox users invite LOGIN.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox users password ada
  printf '%s\\n' "$PASSWORD" | gradebox users password ada

Exit codes: 0 set, 1 refused (not an administrator: HTTP 403; no such user: 404; too short: 400)
or not logged in, 2 usage error or the server is unreachable or busy.`)
    .action(runAction(async (signal, login: string, flags: ServerFlags) => {
      const problem = nameProblem('login', login);
      if (problem !== undefined) throw new UsageError(`LOGIN: ${problem}`);
      const password = await readSecret(`new web password for ${login} (input hidden): `);
      if (process.stdin.isTTY) {
        const again = await readSecret('the same password again: ');
        if (again !== password) throw new UsageError('the two passwords differ; nothing was changed');
      }
      if (password.length < 10) throw new UsageError('the password needs at least 10 characters; nothing was changed');
      await (await connect(flags, signal)).setPassword(login, password);
      process.stdout.write(`web password of ${login} set; their browser sessions ended\n`);
      return ExitCode.ok;
    }));
}

interface InviteFlags extends ServerFlags {
  hours?: string;
  json?: boolean;
}

/** `gradebox users invite LOGIN`: a one-time link to choose a web password. */
function inviteCommand(): Command {
  return withServerOption(new Command('invite'))
    .description('Print a one-time link with which a user chooses their web password (administrators; instructors for their students and TAs)')
    .argument('<login>', 'the user')
    .option('--hours <n>', 'how long the link works, 1 to 720 hours (default 72)')
    .option('--json', 'print {login, url, expiresAt} as JSON on stdout')
    .addHelpText('after', `
Send the link to the user privately: whoever opens it first sets the password.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox users invite ada --hours 24

Exit codes: 0 link printed, 1 refused (HTTP 403/404) or not logged in, 2 usage error or the server
is unreachable or busy.`)
    .action(runAction(async (signal, login: string, flags: InviteFlags) => {
      const problem = nameProblem('login', login);
      if (problem !== undefined) throw new UsageError(`LOGIN: ${problem}`);
      const hours = flags.hours === undefined ? undefined : Number(flags.hours);
      if (hours !== undefined && !(Number.isInteger(hours) && hours >= 1 && hours <= 720)) throw new UsageError('--hours takes a whole number from 1 to 720');
      const client = await connect(flags, signal);
      const invitation = await client.createInvitation(login, hours);
      const url = new URL(invitation.path, client.server).href;
      if (flags.json) printJson({ login: invitation.login, url, expiresAt: invitation.expiresAt });
      else process.stdout.write(`${url}\n`);
      process.stderr.write(`one-time link for ${invitation.login}, valid until ${formatTime(invitation.expiresAt)}\n`);
      return ExitCode.ok;
    }));
}
