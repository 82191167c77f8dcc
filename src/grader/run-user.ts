import { ID_RANGE_SIZE } from '../sandbox/id-range.ts';
import type { RunUser } from '../sandbox/sandbox.ts';
import type { Protocol } from './grade-result.ts';

/**
 * Who a grader runs as, inside the run's user namespace, unless its grader version (or `--user`)
 * says otherwise: as on the platform the protocol comes from. Gradescope runs `run_autograder`
 * as root, and its graders rely on it (they compile in /autograder/source, create users and run
 * the student's code as one); Coursera runs graders as an unprivileged user; Codio runs grading
 * scripts as its user `codio` (uid 1000, home /home/codio).
 */
const DEFAULT_USERS: Readonly<Record<Protocol, Readonly<RunUser>>> = Object.freeze({
  coursera: Object.freeze({ uid: 1000, gid: 1000 }),
  gradescope: Object.freeze({ uid: 0, gid: 0 }),
  script: Object.freeze({ uid: 1000, gid: 1000 }),
});

export function defaultRunUser(protocol: Protocol): RunUser {
  return { ...DEFAULT_USERS[protocol] };
}

/**
 * Parses `root`, `UID` or `UID:GID` (ids inside the run, 0 to 65535; the gid defaults to the
 * uid). Throws a RangeError that says what is accepted.
 */
export function parseRunUser(text: string): RunUser {
  const trimmed = text.trim();
  if (trimmed === 'root') return { uid: 0, gid: 0 };
  const match = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(trimmed);
  const uid = Number(match?.[1]);
  const gid = match?.[2] === undefined ? uid : Number(match[2]);
  if (match === null || uid >= ID_RANGE_SIZE || gid >= ID_RANGE_SIZE) {
    throw new RangeError(`a user must be root, UID or UID:GID with ids from 0 to ${ID_RANGE_SIZE - 1}, got ${JSON.stringify(text)}`);
  }
  return { uid, gid };
}

/** `root`, `1000` or `1000:100`: how parseRunUser reads it back. */
export function formatRunUser(user: RunUser): string {
  if (user.uid === 0 && user.gid === 0) return 'root';
  return user.gid === user.uid ? String(user.uid) : `${user.uid}:${user.gid}`;
}

/**
 * Whether a run's `/` is made writable for its user (RunSpec.rootWritable): when the working
 * directory is `/` and the user is not root, since graders write into their working directory
 * (Coursera's R grader writes Rplots.pdf there). Grading and `inspect` both ask here.
 */
export function rootWritableFor(cwd: string, user: RunUser): boolean {
  return cwd === '/' && user.uid !== 0;
}
