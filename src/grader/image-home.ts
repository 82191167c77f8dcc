/**
 * HOME as Docker gives it: a run whose environment has no HOME gets the home directory of the
 * run's uid in the image's own `/etc/passwd`, else `/` (runc and Docker do the same for
 * `docker run --user 1000`). Graders that write to `~/.cache` or read `~/.config` rely on it.
 */
import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { RunUser } from '../sandbox/sandbox.ts';
import { resolveInRoot } from './rootfs-exists.ts';

/** An /etc/passwd bigger than this is not read (HOME is then `/`). */
const MAX_PASSWD_BYTES = 1024 * 1024;

/** `env` with HOME set as Docker sets it, unless it already has one (from the image's ENV or `--env`). */
export async function withHome(env: Readonly<Record<string, string>>, rootfs: string, user: RunUser): Promise<Record<string, string>> {
  if (env.HOME !== undefined) return { ...env };
  return { ...env, HOME: await homeDirectory(rootfs, user.uid) };
}

/** The home directory of `uid` in the image root's /etc/passwd, or `/` when it has no usable entry. */
export async function homeDirectory(rootfs: string, uid: number): Promise<string> {
  const passwd = await readPasswd(rootfs);
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7 || fields[2] !== String(uid)) continue;
    const home = fields[5]!;
    return home.startsWith('/') ? home : '/';
  }
  return '/';
}

/** The image's /etc/passwd (links resolved inside the image), or '' when it is missing or not a plain file. */
async function readPasswd(rootfs: string): Promise<string> {
  const path = await resolveInRoot(rootfs, '/etc/passwd').catch(() => undefined);
  if (path === undefined) return '';
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_PASSWD_BYTES) return '';
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
