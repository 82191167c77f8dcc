import { Command } from 'commander';
import { credentialsPath, forgetServer, normalizeServerUrl, readCredentials } from '../../client/credentials.ts';
import { ExitCode } from '../exit-codes.ts';
import { runAction } from '../run-action.ts';
import { warn } from '../server-connection.ts';
import { UsageError } from '../usage-error.ts';

interface LogoutFlags {
  server?: string;
}

/** `gradebox logout [--server URL]`: forgets a saved token. */
export function logoutCommand(): Command {
  return new Command('logout')
    .description('Forget the token saved for a server (it stays valid on the server until revoked)')
    .option('--server <url>', 'the server to forget (default: $GRADEBOX_SERVER, else the default server)')
    .addHelpText('after', `
Only the local copy is removed; revoke the token itself with \`gradebox tokens revoke ID\`.
When another server is saved, it becomes the default.

Exit codes: 0 forgotten (or nothing was saved), 1 the credentials file cannot be used, 2 usage error.`)
    .action(runAction(async (_signal, flags: LogoutFlags) => {
      const file = credentialsPath();
      const given = flags.server ?? process.env.GRADEBOX_SERVER ?? (await readCredentials(file, warn)).defaultServer ?? undefined;
      if (given === undefined) throw new UsageError('not logged in to any server; nothing to forget');
      const server = normalizeServerUrl(given);
      const forgotten = await forgetServer(file, server, warn);
      process.stderr.write(forgotten ? `forgot the token for ${server}\n` : `no token was saved for ${server}; nothing to forget\n`);
      return ExitCode.ok;
    }));
}
