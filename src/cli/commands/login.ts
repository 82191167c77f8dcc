import { Command } from 'commander';
import { ApiClient } from '../../client/api-client.ts';
import { ApiError, PreflightError } from '../../client/client-errors.ts';
import { credentialsPath, normalizeServerUrl, saveServerCredentials } from '../../client/credentials.ts';
import { ExitCode } from '../exit-codes.ts';
import { readSecret } from '../read-secret.ts';
import { runAction } from '../run-action.ts';
import { printJson, userAgent, warn } from '../server-connection.ts';
import { UsageError } from '../usage-error.ts';

interface LoginFlags {
  server?: string;
  token?: string;
  json?: boolean;
}

/** `gradebox login --server URL [--token T]`: checks a token with the server and saves it. */
export function loginCommand(): Command {
  return new Command('login')
    .description('Log in to a gradebox server: check an API token with it and save it for the other commands')
    .option('--server <url>', 'server URL, e.g. https://gradebox.example.edu (default: $GRADEBOX_SERVER)')
    .option('--token <token>', 'API token (default: $GRADEBOX_TOKEN, else asked for: hidden on a terminal, the first line of stdin otherwise)')
    .option('--json', 'print {server, user, scopes, courses, credentialsFile} as JSON on stdout')
    .addHelpText('after', `
The token is checked with GET /api/whoami, then saved in $XDG_CONFIG_HOME/gradebox/credentials.json
(default ~/.config/gradebox/credentials.json, mode 0600) and this server becomes the default one.
Prefer the prompt or stdin to --token: a token on the command line shows in \`ps\` and shell history.
For unattended use (CI) skip login: set GRADEBOX_SERVER and GRADEBOX_TOKEN.

Examples:
  gradebox login --server https://gradebox.example.edu
  echo "$TOKEN" | gradebox login --server http://127.0.0.1:8080

Exit codes: 0 logged in, 1 the server refused the token or cannot be used, 2 usage error or the
server is unreachable or busy (run again later).`)
    .action(runAction(async (signal, flags: LoginFlags) => {
      const given = flags.server ?? process.env.GRADEBOX_SERVER;
      if (!given) throw new UsageError('--server URL is required (or set GRADEBOX_SERVER)');
      const server = normalizeServerUrl(given);
      const envServer = process.env.GRADEBOX_SERVER ? normalizeServerUrl(process.env.GRADEBOX_SERVER) : undefined;
      const envToken = envServer === undefined || envServer === server ? process.env.GRADEBOX_TOKEN || undefined : undefined;
      const token = flags.token ?? envToken ?? (await readSecret(`API token for ${server} (input hidden): `));
      if (token === '') throw new UsageError('no token given: type it at the prompt, pipe it on stdin, or pass --token');
      if (/\s/.test(token)) throw new UsageError('the token holds spaces or line breaks; paste just the token (it starts with gbx_)');
      const client = new ApiClient({ server, token, userAgent: userAgent(), signal });
      let me;
      try {
        me = await client.whoami();
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          throw new PreflightError(`${server} refused this token (unknown, expired or revoked); nothing was saved. Ask an administrator for a new one`);
        }
        throw error;
      }
      const file = credentialsPath();
      await saveServerCredentials(file, server, { token, login: me.user.login, savedAt: new Date().toISOString() }, warn);
      if (flags.json) {
        printJson({ server, ...me, credentialsFile: file });
      } else {
        process.stdout.write(`logged in to ${server} as ${me.user.login} (scopes: ${me.scopes.join(', ')})\n`);
        process.stderr.write(`token saved in ${file}; ${server} is now the default server\n`);
      }
      return ExitCode.ok;
    }));
}
