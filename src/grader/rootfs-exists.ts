import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Symbolic links followed before giving up, as the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;

/**
 * An exists-callback for an unpacked image root on this host: whether `path` exists inside `root`
 * as the container would see it (see `resolveInRoot`).
 */
export function rootfsExists(root: string): (path: string) => Promise<boolean> {
  return async (path) => (await resolveInRoot(root, path)) !== undefined;
}

/**
 * The host path of `path` inside the unpacked image root `root`, as the container would see it,
 * or undefined when it does not exist. Symbolic links are resolved against `root`, never the host
 * (an image's `/autograder -> /opt/ag` must not look at the host's /opt), and `..` stops at the
 * root; the path returned has no links left in it.
 */
export async function resolveInRoot(root: string, path: string): Promise<string | undefined> {
  const pending = path.split('/').filter((part) => part !== '' && part !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const hostPath = join(root, ...resolved, part);
    let stats;
    try {
      stats = await lstat(hostPath);
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined;
      throw error;
    }
    if (!stats.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    const target = await readlink(hostPath);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return join(root, ...resolved);
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
