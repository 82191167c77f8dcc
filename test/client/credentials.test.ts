/**
 * The credentials file and which server and token a command uses: the file's place (XDG), its
 * modes (0600 in a 0700 folder, from the first byte), atomic replacement, the warning for a file
 * others can read, and the precedence of options, environment and file.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsFileError, NotLoggedIn } from '../../src/client/client-errors.ts';
import {
  credentialsPath, forgetServer, InvalidServerUrl, normalizeServerUrl, readCredentials, resolveServer, saveServerCredentials,
  type Credentials,
} from '../../src/client/credentials.ts';

let dir: string;
let file: string;
const warnings: string[] = [];
const warn = (message: string): void => void warnings.push(message);
const entry = (token: string) => ({ token, login: 'ada', savedAt: '2026-01-01T00:00:00.000Z' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradebox-credentials-'));
  file = join(dir, 'config', 'gradebox', 'credentials.json');
  warnings.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('credentialsPath', () => {
  it('is $XDG_CONFIG_HOME/gradebox/credentials.json, else ~/.config/…; a relative XDG_CONFIG_HOME is ignored', () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: '/etc/xdg-test' })).toBe('/etc/xdg-test/gradebox/credentials.json');
    expect(credentialsPath({})).toBe(join(homedir(), '.config', 'gradebox', 'credentials.json'));
    expect(credentialsPath({ XDG_CONFIG_HOME: 'relative/dir' })).toBe(join(homedir(), '.config', 'gradebox', 'credentials.json'));
  });
});

describe('normalizeServerUrl', () => {
  it.each([
    ['https://Gradebox.Example.EDU/', 'https://gradebox.example.edu'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://example.edu:443/grading//', 'https://example.edu/grading'],
    ['  http://localhost:80/  ', 'http://localhost'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeServerUrl(input)).toBe(expected);
  });

  it.each([
    ['gradebox.example.edu', /not a URL/],
    ['ftp://example.edu', /not an http:\/\/ or https:\/\/ URL/],
    ['https://user:gbx_secret@example.edu', /not in the URL/],
    ['https://example.edu/?x=1', /no \?query/],
  ])('refuses %s', (input, message) => {
    expect(() => normalizeServerUrl(input)).toThrow(InvalidServerUrl);
    expect(() => normalizeServerUrl(input)).toThrow(message);
  });
});

describe('the credentials file', () => {
  it('is written 0600 in a folder made 0700, keyed by server, the last one saved the default', async () => {
    await saveServerCredentials(file, 'https://a.example', entry('gbx_a'), warn);
    await saveServerCredentials(file, 'https://b.example', entry('gbx_b'), warn);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'config', 'gradebox'))).mode & 0o777).toBe(0o700);
    const stored = await readCredentials(file, warn);
    expect(stored.defaultServer).toBe('https://b.example');
    expect(Object.keys(stored.servers)).toEqual(['https://a.example', 'https://b.example']);
    expect(stored.servers['https://a.example']?.token).toBe('gbx_a');
    expect(warnings).toEqual([]);
    // Atomic: the temporary sibling is gone.
    expect(await readdir(join(dir, 'config', 'gradebox'))).toEqual(['credentials.json']);
  });

  it('is 0600 even under a permissive umask, and tightens an existing folder to 0700', async () => {
    await mkdir(join(dir, 'config', 'gradebox'), { recursive: true, mode: 0o755 });
    const old = process.umask(0);
    try {
      await saveServerCredentials(file, 'https://a.example', entry('gbx_a'), warn);
    } finally {
      process.umask(old);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'config', 'gradebox'))).mode & 0o777).toBe(0o700);
  });

  it('a missing file is no credentials', async () => {
    expect(await readCredentials(file, warn)).toEqual({ defaultServer: null, servers: {} });
  });

  it('a file others may read is still used, with a warning that says how to fix it', async () => {
    await saveServerCredentials(file, 'https://a.example', entry('gbx_a'), warn);
    await chmod(file, 0o644);
    const stored = await readCredentials(file, warn);
    expect(stored.servers['https://a.example']?.token).toBe('gbx_a');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('readable by other users (mode 644)');
    expect(warnings[0]).toContain(`chmod 600 ${file}`);
  });

  it('a broken file is refused with what to do', async () => {
    await mkdir(join(dir, 'config', 'gradebox'), { recursive: true });
    await writeFile(file, '{not json', { mode: 0o600 });
    await expect(readCredentials(file, warn)).rejects.toThrow(CredentialsFileError);
    await expect(readCredentials(file, warn)).rejects.toThrow(/not valid JSON.*delete it and run `gradebox login` again/);
    await writeFile(file, JSON.stringify({ defaultServer: null, servers: { 'https://a.example': { login: 'x' } } }));
    await expect(readCredentials(file, warn)).rejects.toThrow(/no token for https:\/\/a.example/);
  });

  it('forgetServer removes one server; the default moves to another stored one', async () => {
    await saveServerCredentials(file, 'https://a.example', entry('gbx_a'), warn);
    await saveServerCredentials(file, 'https://b.example', entry('gbx_b'), warn);
    expect(await forgetServer(file, 'https://b.example', warn)).toBe(true);
    expect(await readCredentials(file, warn)).toMatchObject({ defaultServer: 'https://a.example', servers: { 'https://a.example': { token: 'gbx_a' } } });
    expect(await forgetServer(file, 'https://b.example', warn)).toBe(false);
    expect(await forgetServer(file, 'https://a.example', warn)).toBe(true);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ defaultServer: null, servers: {} });
  });
});

describe('resolveServer: options, then environment, then the file', () => {
  const stored: Credentials = {
    defaultServer: 'https://file.example',
    servers: { 'https://file.example': entry('gbx_file'), 'https://other.example': entry('gbx_other') },
  };

  it('the file alone: its default server and that server token', () => {
    expect(resolveServer({}, {}, stored)).toEqual({ server: 'https://file.example', serverFrom: 'credentials file', token: 'gbx_file', tokenFrom: 'credentials file' });
  });

  it('GRADEBOX_SERVER and GRADEBOX_TOKEN win over the file (unattended CI)', () => {
    expect(resolveServer({}, { GRADEBOX_SERVER: 'https://ci.example/', GRADEBOX_TOKEN: 'gbx_env' }, stored))
      .toEqual({ server: 'https://ci.example', serverFrom: 'environment', token: 'gbx_env', tokenFrom: 'environment' });
    // GRADEBOX_TOKEN alone applies to the file's default server.
    expect(resolveServer({}, { GRADEBOX_TOKEN: 'gbx_env' }, stored)).toMatchObject({ server: 'https://file.example', token: 'gbx_env', tokenFrom: 'environment' });
    // GRADEBOX_SERVER alone takes the file's token for that server, if any.
    expect(resolveServer({}, { GRADEBOX_SERVER: 'https://other.example' }, stored)).toMatchObject({ token: 'gbx_other', tokenFrom: 'credentials file' });
    expect(resolveServer({}, { GRADEBOX_SERVER: 'https://new.example' }, stored)).toMatchObject({ token: undefined, tokenFrom: undefined });
  });

  it('--server and --token win over the environment', () => {
    expect(resolveServer({ server: 'https://other.example', token: 'gbx_opt' }, { GRADEBOX_SERVER: 'https://ci.example', GRADEBOX_TOKEN: 'gbx_env' }, stored))
      .toEqual({ server: 'https://other.example', serverFrom: 'option', token: 'gbx_opt', tokenFrom: 'option' });
  });

  it('GRADEBOX_TOKEN is never sent to a server other than GRADEBOX_SERVER', () => {
    const resolved = resolveServer({ server: 'https://other.example' }, { GRADEBOX_SERVER: 'https://ci.example', GRADEBOX_TOKEN: 'gbx_env' }, stored);
    expect(resolved).toMatchObject({ server: 'https://other.example', token: 'gbx_other', tokenFrom: 'credentials file' });
    // Same server spelled differently still matches.
    expect(resolveServer({ server: 'https://CI.example/' }, { GRADEBOX_SERVER: 'https://ci.example', GRADEBOX_TOKEN: 'gbx_env' }, stored)).toMatchObject({ token: 'gbx_env' });
  });

  it('no server anywhere: NotLoggedIn saying how to log in', () => {
    expect(() => resolveServer({}, {}, { defaultServer: null, servers: {} })).toThrow(NotLoggedIn);
    expect(() => resolveServer({}, {}, { defaultServer: null, servers: {} })).toThrow(/gradebox login --server URL/);
  });

  it('an unusable URL in an option or the environment is InvalidServerUrl', () => {
    expect(() => resolveServer({ server: 'example.edu' }, {}, stored)).toThrow(InvalidServerUrl);
    expect(() => resolveServer({}, { GRADEBOX_SERVER: 'nope' }, stored)).toThrow(InvalidServerUrl);
  });
});
