import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../util/is-alive.ts';

// tempPath(workDir, `job-<id>`) names folders `job-<id>-<pid>-<12 hex>`.
const JOB_FOLDER = /^job-.+-(\d+)-[0-9a-f]{12}$/;

/**
 * Removes job folders left in `workDir` by worker processes that died mid-job (a live process's
 * folders, this one's included, are kept). Returns how many were removed. A reused pid only
 * delays a folder's removal to a later start.
 */
export async function removeStaleJobFolders(workDir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(workDir).catch(() => [] as string[])) {
    const pid = Number(JOB_FOLDER.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(workDir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

