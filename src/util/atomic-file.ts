import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from './is-alive.ts';
import { randomHex } from './random-hex.ts';

/** A unique name for a temporary file or directory inside `dir` (same filesystem, so rename is atomic). */
export function tempPath(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}-${process.pid}-${randomHex(6)}`);
}

// What tempPath names: `<prefix>-<pid>-<12 hex>` (older names had fewer hex digits).
const TEMP_NAME = /^(.+)-(\d+)-[0-9a-f]+$/;

/**
 * Removes the temporary files and folders (tempPath names, starting with `prefix` if given) that
 * processes now dead left in `dir`; a live process's, this one's included, are kept. Returns how
 * many were removed. A reused pid only delays a removal to a later call.
 */
export async function removeDeadTemps(dir: string, prefix = ''): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = TEMP_NAME.exec(name);
    if (match === null || !name.startsWith(prefix)) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * Writes `data` to `file` so that readers see either the old or the new content, never a torn one:
 * write a temporary sibling, then rename over. No fsync: a crash may lose the write, which every
 * caller treats as "not cached yet". `mode` applies from the moment the temporary file exists (so a
 * secret is never readable by others, not even briefly); the umask may only take bits away.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = tempPath(dir, `.${path.basename(file)}`);
  try {
    await writeFile(tmp, data, options.mode === undefined ? {} : { mode: options.mode, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
