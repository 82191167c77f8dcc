/**
 * A lock held for as long as this process keeps it, which the kernel drops the moment the process
 * dies — SIGKILL included, before the dead process is reaped. Node has no flock(); SQLite's file
 * locks are POSIX advisory locks, so the lock is a small SQLite file opened through `node:sqlite`
 * in exclusive locking mode: the first write takes an exclusive lock that this connection keeps
 * until it is closed. Another opener (another process, or another connection in this one) fails at
 * once with SQLITE_BUSY: there is no window in which two can hold it, and nothing to clean up
 * after a crash. The file itself stays: deleting a lock file that someone may have open would let
 * two processes lock two different files of the same name.
 */
import { DatabaseSync } from 'node:sqlite';

export interface HeldLock {
  /** Gives the lock up; calling it again does nothing. */
  release(): void;
}

/** SQLite result codes met here (https://sqlite.org/rescode.html). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_NOTADB = 26;

/** Raised when `file` is not a lock file this module made (nor an empty file). */
export class NotALockFile extends Error {
  override name = 'NotALockFile';
}

/**
 * Takes the lock on `file` (created when missing), or returns undefined at once when another
 * holder has it. The holder's pid and start time are written into it, for people who look.
 */
export function tryLock(file: string): HeldLock | undefined {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { timeout: 0 });
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, new Date().toISOString());
    db.exec('COMMIT');
  } catch (error) {
    closeQuietly(db);
    const code = (error as { errcode?: number }).errcode;
    if (code === SQLITE_BUSY || code === SQLITE_LOCKED) return undefined;
    if (code === SQLITE_NOTADB) throw new NotALockFile(`${file} is not a lock file (it is no SQLite database)`, { cause: error });
    throw error;
  }
  const held = db;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      closeQuietly(held);
    },
  };
}

function closeQuietly(db: DatabaseSync | undefined): void {
  try {
    if (db?.isOpen) db.close();
  } catch {
    // Closing only drops the lock; there is nothing to save.
  }
}
