/**
 * Where the CLI keeps API tokens: `$XDG_CONFIG_HOME/gradebox/credentials.json` (default
 * `~/.config/gradebox/credentials.json`), mode 0600 in a 0700 folder, written atomically, one
 * entry per server URL plus the default server. Which server and token a command uses is decided
 * by `resolveServer`: command-line options, then GRADEBOX_SERVER / GRADEBOX_TOKEN, then the file.
 */
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { CredentialsFileError, NotLoggedIn } from './client-errors.ts';

export const CREDENTIALS_FILE_MODE = 0o600;
export const CREDENTIALS_DIR_MODE = 0o700;

export interface ServerCredentials {
  token: string;
  /** Who the token belongs to, as the server said at login (for messages only). */
  login?: string;
  savedAt: string;
}

export interface Credentials {
  /** The server commands talk to when none is named; the last one logged in to. */
  defaultServer: string | null;
  /** By normalized server URL (see `normalizeServerUrl`). */
  servers: Record<string, ServerCredentials>;
}

export const NO_CREDENTIALS: Readonly<Credentials> = Object.freeze({ defaultServer: null, servers: {} });

/** The credentials file: $XDG_CONFIG_HOME/gradebox/credentials.json (a relative XDG_CONFIG_HOME is ignored, as the spec says). */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(homedir(), '.config');
  return path.join(configHome, 'gradebox', 'credentials.json');
}

/** A server URL given by the user that is no http(s) URL. */
export class InvalidServerUrl extends Error {
  override name = 'InvalidServerUrl';
}

/**
 * The one spelling of a server URL used as the file's key and to build request URLs: scheme and
 * host lower-cased, default port dropped, no trailing slash (a server under a path keeps its path).
 */
export function normalizeServerUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new InvalidServerUrl(`"${input}" is not a URL; give the server's address such as https://gradebox.example.edu or http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidServerUrl(`"${input}" is not an http:// or https:// URL`);
  }
  if (url.username !== '' || url.password !== '') throw new InvalidServerUrl(`"${input}": put the token in GRADEBOX_TOKEN or the prompt, not in the URL`);
  if (url.search !== '' || url.hash !== '') throw new InvalidServerUrl(`"${input}": the server URL takes no ?query or #fragment`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Reads the credentials file; a missing file is no credentials. A file other users may read still
 * works (the token in it may already be known to them) but `warn` is told how to fix it.
 */
export async function readCredentials(file: string, warn: (message: string) => void): Promise<Credentials> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { defaultServer: null, servers: {} };
    throw error;
  }
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    warn(`${file} is readable by other users (mode ${(mode & 0o777).toString(8)}), and it holds API tokens: run chmod 600 ${file}, ` +
      'and revoke the tokens if others may have read them');
  }
  return parseCredentials(text, file);
}

function parseCredentials(text: string, file: string): Credentials {
  const broken = (why: string): never => {
    throw new CredentialsFileError(`${file} is not a gradebox credentials file (${why}); delete it and run \`gradebox login\` again`);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return broken('not valid JSON');
  }
  if (typeof data !== 'object' || data === null) return broken('not a JSON object');
  const { defaultServer, servers } = data as Partial<Credentials>;
  if (defaultServer !== null && typeof defaultServer !== 'string') return broken('"defaultServer" is not a string');
  if (typeof servers !== 'object' || servers === null) return broken('no "servers" object');
  for (const [url, entry] of Object.entries(servers)) {
    if (typeof entry?.token !== 'string') return broken(`no token for ${url}`);
  }
  return { defaultServer: defaultServer ?? null, servers };
}

/** Writes the whole file: 0600 from its first byte, its folder made (or tightened to) 0700. */
export async function writeCredentials(file: string, credentials: Credentials): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: CREDENTIALS_DIR_MODE });
  await chmod(dir, CREDENTIALS_DIR_MODE);
  await writeFileAtomic(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: CREDENTIALS_FILE_MODE });
}

/** Stores `server`'s token and makes `server` the default. */
export async function saveServerCredentials(file: string, server: string, entry: ServerCredentials, warn: (message: string) => void): Promise<void> {
  const current = await readCredentials(file, warn);
  await writeCredentials(file, { defaultServer: server, servers: { ...current.servers, [server]: entry } });
}

/** Forgets `server`'s token; the default moves to another stored server, if any. False when none was stored. */
export async function forgetServer(file: string, server: string, warn: (message: string) => void): Promise<boolean> {
  const current = await readCredentials(file, warn);
  if (!(server in current.servers)) return false;
  const servers = Object.fromEntries(Object.entries(current.servers).filter(([url]) => url !== server));
  const defaultServer = current.defaultServer === server ? (Object.keys(servers)[0] ?? null) : current.defaultServer;
  await writeCredentials(file, { defaultServer, servers });
  return true;
}

export type CredentialSource = 'option' | 'environment' | 'credentials file';

export interface ResolvedServer {
  server: string;
  serverFrom: CredentialSource;
  token: string | undefined;
  tokenFrom: CredentialSource | undefined;
}

/**
 * Picks the server and token. Server: `--server`, else GRADEBOX_SERVER, else the file's default.
 * Token: `--token`, else GRADEBOX_TOKEN, else the file's token for that server. GRADEBOX_TOKEN is
 * never sent to a server other than GRADEBOX_SERVER when that is set (a `--server` pointing
 * elsewhere must not leak a CI secret), and an explicit option always beats the environment.
 */
export function resolveServer(options: { server?: string; token?: string }, env: NodeJS.ProcessEnv, stored: Credentials): ResolvedServer {
  const envServer = env.GRADEBOX_SERVER ? normalizeServerUrl(env.GRADEBOX_SERVER) : undefined;
  let server: string;
  let serverFrom: CredentialSource;
  if (options.server !== undefined) {
    server = normalizeServerUrl(options.server);
    serverFrom = 'option';
  } else if (envServer !== undefined) {
    server = envServer;
    serverFrom = 'environment';
  } else if (stored.defaultServer !== null) {
    server = stored.defaultServer;
    serverFrom = 'credentials file';
  } else {
    throw new NotLoggedIn('no gradebox server given: run `gradebox login --server URL` once, or pass --server URL, or set GRADEBOX_SERVER (and GRADEBOX_TOKEN)');
  }
  if (options.token !== undefined) return { server, serverFrom, token: options.token, tokenFrom: 'option' };
  if (env.GRADEBOX_TOKEN && (envServer === undefined || envServer === server)) {
    return { server, serverFrom, token: env.GRADEBOX_TOKEN, tokenFrom: 'environment' };
  }
  const entry = stored.servers[server];
  return entry ? { server, serverFrom, token: entry.token, tokenFrom: 'credentials file' } : { server, serverFrom, token: undefined, tokenFrom: undefined };
}
