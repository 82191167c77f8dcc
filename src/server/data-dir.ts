import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../util/is-alive.ts';

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
  lock: string;
}

export function dataDirLayout(root: string): DataDir {
  const abs = path.resolve(root);
  return {
    root: abs,
    database: path.join(abs, 'gradebox.db'),
    blobs: path.join(abs, 'submissions'),
    images: path.join(abs, 'images'),
    sandbox: path.join(abs, 'sandbox'),
    lock: path.join(abs, 'server.pid'),
  };
}

/** Raised when another live server uses the data directory. */
export class DataDirBusy extends Error {
  override name = 'DataDirBusy';
}

/**
 * Makes the folders and takes the data directory for this process: a second server on the same
 * folder would run the same jobs twice (the embedded queue hands out every lease of a previous
 * run at start-up). A lock left by a dead process is taken over. Returns the release function.
 */
export async function claimDataDir(dir: DataDir): Promise<() => Promise<void>> {
  for (const folder of [dir.root, dir.blobs, dir.images, dir.sandbox]) await mkdir(folder, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(dir.lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        if ((await holder(dir.lock)) === process.pid) await rm(dir.lock, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = await holder(dir.lock);
      if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
        throw new DataDirBusy(`another gradebox server (pid ${pid}) is using ${dir.root}; stop it first or pass another --data folder`);
      }
      await rm(dir.lock, { force: true });
    }
  }
  throw new DataDirBusy(`could not lock ${dir.root}: ${dir.lock} keeps reappearing`);
}

async function holder(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) ? pid : undefined;
}
