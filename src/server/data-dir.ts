import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../util/is-alive.ts';
import { NotALockFile, tryLock } from '../util/process-lock.ts';

/** Where a server keeps everything: one folder, movable and backed up as a whole. */
export interface DataDir {
  root: string;
  /** The embedded SQLite database. */
  database: string;
  /** Root of the submission blob store (`blobs/sha256/…`, `tmp/`). */
  blobs: string;
  /** The grader image store. */
  images: string;
  /** Sandbox state (runtime state, scratch dirs of running graders). */
  sandbox: string;
  /** Locked by the server that uses the folder, for as long as it lives (src/util/process-lock.ts). */
  lock: string;
  /** The pid of that server, for messages and people; the lock decides, never this file. */
  pidFile: string;
}

export function dataDirLayout(root: string): DataDir {
  const abs = path.resolve(root);
  return {
    root: abs,
    database: path.join(abs, 'gradebox.db'),
    blobs: path.join(abs, 'submissions'),
    images: path.join(abs, 'images'),
    sandbox: path.join(abs, 'sandbox'),
    lock: path.join(abs, 'server.lock'),
    pidFile: path.join(abs, 'server.pid'),
  };
}

/** Raised when another live server uses the data directory. */
export class DataDirBusy extends Error {
  override name = 'DataDirBusy';
}

/**
 * Makes the folders and takes the data directory for this process: a second server on the same
 * folder would run the same jobs twice (the embedded queue hands out every lease of a previous
 * run at start-up). The lock is one the kernel releases when its process dies, so a server killed
 * with SIGKILL never blocks the next one, even before it is reaped, and of servers starting at the
 * same moment exactly one gets the folder. Returns the release function.
 */
export async function claimDataDir(dir: DataDir): Promise<() => Promise<void>> {
  for (const folder of [dir.root, dir.blobs, dir.images, dir.sandbox]) await mkdir(folder, { recursive: true, mode: 0o700 });
  let lock;
  try {
    lock = tryLock(dir.lock);
  } catch (error) {
    if (error instanceof NotALockFile) {
      throw new DataDirBusy(`${error.message}; if no gradebox server uses ${dir.root}, delete ${dir.lock} and start again`, { cause: error });
    }
    throw error;
  }
  if (lock === undefined) {
    const pid = await recordedPid(dir.pidFile);
    const who = pid !== undefined && pid !== process.pid && isAlive(pid) ? `another gradebox server (pid ${pid})` : 'another gradebox server';
    throw new DataDirBusy(`${who} is using ${dir.root}; stop it first or pass another --data folder`);
  }
  try {
    await writeFile(dir.pidFile, `${process.pid}\n`, { mode: 0o600 });
  } catch (error) {
    lock.release();
    throw error;
  }
  return async () => {
    // Still ours while the lock is held: no other server can have written it.
    await rm(dir.pidFile, { force: true });
    lock.release();
  };
}

async function recordedPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
