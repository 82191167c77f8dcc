import { Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { runAction } from '../run-action.ts';
import { clientFor, printJson, resolveConnection, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';

interface WhoamiFlags extends ServerFlags {
  json?: boolean;
}

/** `gradebox whoami`: who the token belongs to, its scopes, the courses and roles. */
export function whoamiCommand(): Command {
  return withServerOption(new Command('whoami'))
    .description('Show who the token belongs to on the server: login, scopes, courses and roles')
    .option('--json', 'print {server, tokenFrom, user, scopes, courses} as JSON on stdout')
    .addHelpText('after', `${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 ok, 1 not logged in or the token is refused, 2 usage error or the server is
unreachable or busy (run again later).`)
    .action(runAction(async (signal, flags: WhoamiFlags) => {
      const resolved = await resolveConnection(flags);
      const { tokenFrom } = resolved;
      const client = clientFor(resolved, signal);
      const me = await client.whoami();
      if (flags.json) {
        printJson({ server: client.server, tokenFrom, ...me });
        return ExitCode.ok;
      }
      const name = me.user.displayName && me.user.displayName !== me.user.login ? ` (${me.user.displayName})` : '';
      const lines = [
        `${me.user.login}${name}${me.user.isAdmin ? ', administrator' : ''} on ${client.server}`,
        `scopes: ${me.scopes.join(', ') || 'none'}`,
        `courses: ${me.courses.map((c) => `${c.id} (${c.role})`).join(', ') || 'none'}`,
        `token from: ${tokenFrom ?? 'nowhere'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return ExitCode.ok;
    }));
}
