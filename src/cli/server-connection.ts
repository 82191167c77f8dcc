import { arch, platform } from 'node:os';
import type { Command } from 'commander';
import { ApiClient } from '../client/api-client.ts';
import { NotLoggedIn } from '../client/client-errors.ts';
import { credentialsPath, readCredentials, resolveServer, type ResolvedServer } from '../client/credentials.ts';
import { gradeboxVersion } from '../version.ts';
import { paint } from './terminal.ts';

/** The option every server command has. */
export interface ServerFlags {
  server?: string;
}

/** Adds `--server URL` to a command. */
export function withServerOption(command: Command): Command {
  return command.option('--server <url>', 'gradebox server URL (default: $GRADEBOX_SERVER, else the server last logged in to)');
}

export const SERVER_ENVIRONMENT_HELP = `
Server and token: --server, else GRADEBOX_SERVER, else the server of the last \`gradebox login\`;
the token from GRADEBOX_TOKEN (used only for GRADEBOX_SERVER when that is set), else the one
\`gradebox login\` saved for that server.`;

/** `gradebox-cli/0.1.0 (node v24.21.0; linux x64)`: lets a server's log tell clients apart. */
export function userAgent(): string {
  return `gradebox-cli/${gradeboxVersion()} (node ${process.version}; ${platform()} ${arch()})`;
}

/** A warning on stderr (never on stdout, which may be a --json document). */
export function warn(message: string): void {
  process.stderr.write(`${paint('yellow', 'warning:', process.stderr)} ${message}\n`);
}

/** The server and token this command uses (see `resolveServer`). */
export async function resolveConnection(flags: ServerFlags, token?: string): Promise<ResolvedServer> {
  const stored = await readCredentials(credentialsPath(), warn);
  return resolveServer({ ...(flags.server !== undefined ? { server: flags.server } : {}), ...(token !== undefined ? { token } : {}) }, process.env, stored);
}

/** A client for the resolved server with its token; NotLoggedIn when there is no token for it. */
export async function connect(flags: ServerFlags, signal: AbortSignal): Promise<ApiClient> {
  return clientFor(await resolveConnection(flags), signal);
}

/** A client for a server already resolved; NotLoggedIn when there is no token for it. */
export function clientFor(resolved: ResolvedServer, signal: AbortSignal): ApiClient {
  if (resolved.token === undefined) {
    throw new NotLoggedIn(`not logged in to ${resolved.server}: run \`gradebox login --server ${resolved.server}\`, or set GRADEBOX_TOKEN`);
  }
  return new ApiClient({ server: resolved.server, token: resolved.token, userAgent: userAgent(), signal });
}

/** `value` as a JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
