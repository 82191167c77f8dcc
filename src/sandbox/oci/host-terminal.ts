import { spawn, spawnSync } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { isatty } from 'node:tty';
import { setTimeout as sleep } from 'node:timers/promises';
import { SandboxError } from '../sandbox.ts';
import { which } from './which.ts';

const PID_FILE_POLL_MS = 10;

/** Runs stty with `fd` as its stdin (the terminal it reads or changes); resolves to its stdout, or undefined on failure. */
function stty(path: string, fd: number, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(path, args, { stdio: [fd, 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => resolve(code === 0 ? Buffer.concat(out).toString() : undefined));
  });
}

/**
 * The caller's terminal during an interactive run that has a pseudo-terminal of its own. The OCI
 * runtime (`run` in the foreground with `process.terminal`) allocates the pty inside the
 * container, puts this terminal in raw mode and copies bytes both ways, so Ctrl-C reaches the
 * program as a 0x03 byte and its own line discipline turns it into SIGINT there.
 *
 * Two gaps are closed here. A runtime killed with SIGKILL cannot restore this terminal's mode,
 * so the mode is saved before and restored after (`stty -g`). And crun 1.8 sets no window size
 * on the pty (programs see 0x0) and ignores SIGWINCH, so this terminal's size is copied onto the
 * run's pty at the start and on every SIGWINCH. runc does both itself; copying the same size
 * again is harmless, so both runtimes take the one path.
 */
export class HostTerminal {
  readonly fd: number;
  readonly #stty: string;
  readonly #saved: string;

  private constructor(fd: number, sttyPath: string, saved: string) {
    this.fd = fd;
    this.#stty = sttyPath;
    this.#saved = saved;
  }

  /** Saves the mode of terminal `fd`; throws if `fd` is no terminal or stty is missing. */
  static attach(fd: number): HostTerminal {
    if (!isatty(fd)) throw new RangeError(`a run with a terminal needs a terminal on its stdin (fd ${fd})`);
    const path = which('stty');
    if (path === undefined) throw new SandboxError('stty is missing; interactive sessions with a terminal need it', 'apt-get install coreutils');
    const saved = spawnSync(path, ['-g'], { stdio: [fd, 'pipe', 'ignore'], encoding: 'utf8' });
    if (saved.status !== 0) throw new SandboxError(`cannot read the terminal's mode: stty -g exited ${saved.status ?? saved.signal ?? '?'}`);
    return new HostTerminal(fd, path, saved.stdout.trim());
  }

  /** Puts the terminal back in the mode it had when attached (synchronously: before anything else prints). */
  restore(): void {
    spawnSync(this.#stty, [this.#saved], { stdio: [this.fd, 'ignore', 'ignore'] });
  }

  /**
   * Copies this terminal's window size onto the run's pty once the runtime has written `pidFile`,
   * and again on every SIGWINCH, until the returned function is called.
   */
  followWindowSize(pidFile: string): () => void {
    let stopped = false;
    let running: Promise<void> | undefined;
    let again = false;
    const copy = async (): Promise<void> => {
      do {
        again = false;
        const size = /^(\d+) (\d+)\s*$/.exec((await stty(this.#stty, this.fd, ['size'])) ?? '');
        // Looked up each time: the pty is checked to still be the program's stdin.
        const target = await runTerminal(pidFile);
        if (target === undefined || size === null || stopped) return;
        await stty(this.#stty, this.fd, ['-F', target, 'rows', size[1] ?? '0', 'cols', size[2] ?? '0']);
      } while (again && !stopped);
    };
    const sync = (): void => {
      if (running !== undefined) {
        again = true;
        return;
      }
      running = copy().finally(() => (running = undefined));
    };
    void (async () => {
      while (!stopped && (await runTerminal(pidFile)) === undefined) await sleep(PID_FILE_POLL_MS);
      if (!stopped) sync();
    })();
    process.on('SIGWINCH', sync);
    return () => {
      stopped = true;
      process.off('SIGWINCH', sync);
    };
  }
}

/**
 * The run's pty as the host reaches it: the program's stdin through /proc (a magic link, so it
 * cannot be redirected by what the run does to its file system), but only while that stdin is
 * a pty, so a program that reopened its stdin elsewhere gets no ioctl sent there.
 */
async function runTerminal(pidFile: string): Promise<string | undefined> {
  const pid = (await readFile(pidFile, 'utf8').catch(() => '')).trim();
  if (!/^\d+$/.test(pid)) return undefined;
  const path = `/proc/${pid}/fd/0`;
  const link = await readlink(path).catch(() => '');
  return /^\/dev\/pts\/\d+$/.test(link) ? path : undefined;
}
