import { link, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempPath } from '../util/atomic-file.ts';
import { isAlive } from '../util/is-alive.ts';

const POLL_MS = 100;

/**
 * Runs `fn` holding an exclusive lock file that names our pid. A live holder is waited for; a dead
 * one's lock (a crashed process) is taken over. The lock file is made by hard-linking a complete
 * temporary file, so a reader never sees it half written. Only a pid on this host is understood:
 * callers must stay correct if two holders ever overlap (the rootfs cache's rename-wins does).
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  await acquire(file, signal);
  try {
    return await fn();
  } finally {
    if ((await holderOf(file)) === process.pid) await rm(file, { force: true });
  }
}


async function acquire(file: string, signal?: AbortSignal): Promise<void> {
  const mine = tempPath(path.dirname(file), `.${path.basename(file)}`);
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (;;) {
      signal?.throwIfAborted();
      try {
        await link(mine, file);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await holderOf(file);
      if (holder !== undefined && !isAlive(holder)) await rm(file, { force: true });
      else await sleep(POLL_MS, undefined, { signal });
    }
  } finally {
    await rm(mine, { force: true });
  }
}

async function holderOf(file: string): Promise<number | undefined> {
  try {
    return parseInt(await readFile(file, 'utf8'), 10);
  } catch {
    return undefined;
  }
}
