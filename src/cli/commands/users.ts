import { Command } from 'commander';
import { nameProblem } from '../../platform/names.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
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
