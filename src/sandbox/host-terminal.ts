import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { findProgram } from '../util/find-program.ts';
import { SandboxError } from './sandbox.ts';

const READY_POLL_MS = 10;
// ~2.5 s in all (10, 20, … 100 ms, then 100 ms): a loaded daemon can take that long to accept it.
const FIRST_COPY_TRIES = 30;

export interface WindowSize {
  rows: number;
  cols: number;
}

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
 * The caller's terminal during an interactive run that has a pseudo-terminal of its own (both
 * backends): its mode saved before the run and restored after (`stty -g`), whoever changed it,
 * even a runtime killed with SIGKILL; raw mode when gradebox itself proxies the bytes (docker);
 * and its window size copied onto the run's pty at the start and on every SIGWINCH, by a
 * backend-specific `apply` (crun 1.8 sets no size and ignores SIGWINCH; Docker needs a resize
 * call). stty works on any descriptor, where Node's raw mode needs a tty.ReadStream.
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
    // node:tty only here, for interactive sessions: a grading run never needs it.
    if (!process.getBuiltinModule('node:tty').isatty(fd)) throw new RangeError(`a run with a terminal needs a terminal on its stdin (fd ${fd})`);
    const path = findProgram('stty');
    if (path === undefined) throw new SandboxError('stty is missing; interactive sessions with a terminal need it', 'apt-get install coreutils');
    const saved = spawnSync(path, ['-g'], { stdio: [fd, 'pipe', 'ignore'], encoding: 'utf8' });
    if (saved.status !== 0) throw new SandboxError(`cannot read the terminal's mode: stty -g exited ${saved.status ?? saved.signal ?? '?'}`);
    return new HostTerminal(fd, path, saved.stdout.trim());
  }

  /**
   * Raw mode without echo, as `docker run -it` sets it: every byte (Ctrl-C as 0x03 among them)
   * goes to the run's pty, whose own line discipline echoes and turns it into signals.
   */
  raw(): void {
    const result = spawnSync(this.#stty, ['raw', '-echo'], { stdio: [this.fd, 'ignore', 'ignore'] });
    if (result.status !== 0) throw new SandboxError(`cannot put the terminal in raw mode: stty exited ${result.status ?? result.signal ?? '?'}`);
  }

  /** Puts the terminal back in the mode it had when attached (synchronously: before anything else prints). */
  restore(): void {
    spawnSync(this.#stty, [this.#saved], { stdio: [this.fd, 'ignore', 'ignore'] });
  }

  /** This terminal's window size, or undefined when it cannot be read. */
  async size(): Promise<WindowSize | undefined> {
    const match = /^(\d+) (\d+)\s*$/.exec((await stty(this.#stty, this.fd, ['size'])) ?? '');
    return match === null ? undefined : { rows: Number(match[1]), cols: Number(match[2]) };
  }

  /** Sets the window size of the terminal at `path` (e.g. a run's pty reached through /proc). */
  async setSizeOf(path: string, size: WindowSize): Promise<void> {
    await stty(this.#stty, this.fd, ['-F', path, 'rows', String(size.rows), 'cols', String(size.cols)]);
  }

  /**
   * Copies this terminal's window size to the run with `apply` once `ready` says the run can take
   * it (polled; default at once), and again on every SIGWINCH, until the returned function is
   * called. Copies never overlap; a SIGWINCH during one makes one more. The first copy is retried
   * a few times when it fails, as `docker run -t` does (a resize right after the start was seen
   * to fail under load); later failures (the run ending) are ignored. `firstDone` is called once
   * the first copy has succeeded or been given up (or following stopped before).
   */
  followWindowSize(
    apply: (size: WindowSize) => Promise<void>, ready: () => Promise<boolean> = async () => true, firstDone: () => void = () => undefined,
  ): () => void {
    let stopped = false;
    let running: Promise<void> | undefined;
    let again = false;
    const copyOnce = async (): Promise<boolean> => {
      const size = await this.size();
      if (size === undefined || stopped) return false;
      return apply(size).then(() => true, () => false);
    };
    const copy = async (): Promise<void> => {
      do {
        again = false;
        await copyOnce();
      } while (again && !stopped);
    };
    // Until the first copy is done, a SIGWINCH only asks for one more after it.
    let first = true;
    const sync = (): void => {
      if (running !== undefined || first) {
        again = true;
        return;
      }
      running = copy().finally(() => (running = undefined));
    };
    void (async () => {
      while (!stopped && !(await ready().catch(() => false))) await sleep(READY_POLL_MS);
      running = (async () => {
        for (let attempt = 1; !stopped && attempt <= FIRST_COPY_TRIES; attempt++) {
          if (await copyOnce()) break;
          await sleep(Math.min(attempt, 10) * READY_POLL_MS);
        }
        first = false;
        firstDone();
        if (again && !stopped) await copy();
      })().finally(() => (running = undefined));
    })().finally(() => {
      // Stopped while waiting for `ready`: the first copy never came.
      if (first) firstDone();
    });
    process.on('SIGWINCH', sync);
    return () => {
      stopped = true;
      process.off('SIGWINCH', sync);
    };
  }
}
