import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { findProgram } from '../../util/find-program.ts';

/**
 * A long-lived shell that gradebox feeds commands on stdin, so that it forks instead of Node:
 * Node's spawn forks the whole supervisor on its main thread, which costs ~2 ms from a fresh Node
 * and ~20 ms with a few hundred MB resident (a server's heap and caches), where the fork of a
 * ~1 MB shell costs ~0.1 ms. Used for mount(8) (mount-tools.ts) and for starting the OCI runtime
 * (runtime-launcher.ts). The shell is busybox's when installed, whose applets (mount, umount,
 * mkfifo) also skip the exec, else /bin/sh. It exits when its stdin ends, i.e. with the supervisor.
 */
export type HelperShell = ChildProcessByStdio<Writable, Readable, null>;

/**
 * Starts a helper shell (stderr discarded). With `detached` it gets a session of its own, so the
 * terminal's signals (Ctrl-C) reach neither it nor what it starts. Returns undefined when no shell
 * can be started.
 */
export function spawnHelperShell(options: { detached?: boolean } = {}): HelperShell | undefined {
  // busybox's shell prefers its own applets (Debian's is built so), no exec needed.
  const busybox = findProgram('busybox');
  const child = spawn(busybox ?? '/bin/sh', busybox === undefined ? [] : ['sh'], {
    stdio: ['pipe', 'pipe', 'ignore'], detached: options.detached ?? false,
  });
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  // A spawn that failed at once (no shell) has no pid; the 'error' event follows.
  return child.pid === undefined ? undefined : child;
}

/** Whether the shell, its stdin and stdout keep the supervisor's event loop alive. */
export function refHelperShell(shell: HelperShell, ref: boolean): void {
  for (const handle of [shell, shell.stdout, shell.stdin] as { ref(): void; unref(): void }[]) {
    if (ref) handle.ref();
    else handle.unref();
  }
}

/** `arg` as one single-quoted shell word. */
export const shellQuote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Whether `arg` can go into a one-line command: no newline (ends the line), no NUL. */
export const fitsOneLine = (arg: string): boolean => !arg.includes('\n') && !arg.includes('\0');
