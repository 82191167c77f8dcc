import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as os } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SandboxError } from '../sandbox.ts';
import { fitsOneLine, refHelperShell, shellQuote, spawnHelperShell, type HelperShell } from './helper-shell.ts';
import { isAlive } from '../../util/is-alive.ts';
import { runtimeExit, type RuntimeExit } from './runtime-process.ts';

/**
 * Starts `<runtime> run` for grading runs through a long-lived launcher shell instead of Node's
 * spawn. Node's spawn forks the whole supervisor on its main thread: ~2 ms from a fresh Node,
 * ~20 ms with 200 MB resident (the grading server's heap and caches), during which HTTP and every
 * other run wait. The launcher is a helper shell (busybox's when installed, see helper-shell.ts)
 * whose fork costs ~0.1 ms whatever the supervisor's size.
 *
 * Why a shell and not a small Node launcher: a fresh Node still pays ~2 ms of CPU per spawn (on
 * another core, but a grading machine is CPU-bound), starts in ~70 ms and holds ~70 MB, which
 * would make one-shot `gradebox grade local` slower, not faster; busybox starts in a millisecond.
 * What the shell cannot tell is whether the runtime exited with 128+n or died of signal n (both
 * are `$?` = 128+n); the runtime forwards catchable signals to its container, so only SIGKILL
 * kills it, and the one SIGKILL that matters, the supervisor's own to a wedged runtime, is known
 * here and reported as today (status null, SIGKILL). Another signal's killing the runtime itself
 * (an administrator's SIGKILL, a crash) reads as the runtime's exit status 128+n.
 *
 * Protocol, one line per run on the shell's stdin (every word quoted), run `n` of this shell:
 *
 *   (if mkfifo -m 600 OUT ERR; then echo n F; else echo n E; exit; fi
 *    { RUNTIME ARGS... </dev/null >&3 2>&4 3>&- 4>&- & echo n P $!; } 3>OUT 4>ERR || { echo n E; exit; }
 *    wait $!; echo n X $?) </dev/null & echo n S $!
 *
 * A subshell per run (S: its pid) makes the two FIFOs in the run directory and says so (F); the
 * supervisor opens their read ends (non-blocking, so at once), which lets the subshell's blocking
 * opens for writing return; it starts the runtime with them as stdout and stderr and reports the
 * runtime's pid (P), then its exit status (X). The supervisor reads the FIFOs only from P on: a
 * FIFO without a writer reads as end of file. E means nothing was started: that run falls back to
 * Node's spawn. The subshells write their lines to the shell's stdout (short lines, one write
 * each, so they never interleave); after X the shell is told `wait S`, reaping the subshell.
 *
 * The runtime's stdout and stderr are FIFOs rather than the socket pairs Node's spawn gives;
 * the container gets them as they are, as before. Both runtimes reset the SIGINT and SIGQUIT that
 * a shell ignores in background jobs before they start the program (checked with crun 1.8.1 and
 * runc 1.1.5), so the program's signal dispositions are as before. The shell has a session of its
 * own: Ctrl-C at a terminal reaches the supervisor, which stops the run through its cgroup, not
 * the runtime.
 *
 * The same shell runs the supervisor's short host commands (mount(8) and umount(8) for scratch
 * areas, see mount-tools.ts), so a one-shot `gradebox grade local` forks Node once, not twice:
 *
 *   o=$(cd -- DIR 2>&1 && exec COMMAND ARGS... 2>&1 </dev/null); s=$?;
 *   [ -z "$o" ] || printf '%s\n' "$o" | while IFS= read -r l; do echo "n O $l"; done; echo n C $s
 *
 * Every line of the command's output comes back prefixed (O), each in one short write, so it can
 * interleave with runs' lines but never split or fake one; C carries its exit status. Commands
 * run in the shell's foreground (one fork and exec each, as a spawn would be, no subshell): they
 * are short, and runs only wait for them to be forked. One that hangs is given up on after
 * COMMAND_TIMEOUT_MS with the shell, which the next run or command replaces.
 *
 * The shell exits when its stdin ends (the supervisor died); runs it started go on, like an
 * orphaned runtime of a direct spawn, until cleanupStale removes them (it finds the runtime by
 * its command line, which is the same either way). It is restarted when it dies, is unref'd while
 * no run is in progress, and a run falls back to Node's spawn when no shell can be started or
 * the shell died before starting it.
 */

/** The runtime's output streams, once they can be read. */
export interface RuntimeOutput {
  stdout: Readable;
  stderr: Readable;
}

/** One `<runtime> run` process, however it was started. */
export interface RuntimeProcess {
  /** The runtime's exit; rejects with a SandboxError when it could not be started or was lost. */
  readonly exit: Promise<RuntimeExit>;
  /** Resolves once stdout and stderr have ended; destroys them after `ms` (a wedged pipe). */
  drain(ms: number): Promise<void>;
  /** SIGKILLs the runtime process itself (a wedged one), not its container. */
  kill(): void;
}

// After the shell died, a run it had not forked yet by then never will be; its fork would have
// been reported long before this.
const FORK_GRACE_MS = 1000;
// Output closed without an exit line: how often to look whether the runtime is still there.
const LOST_CHECK_MS = 500;

/**
 * Starts `<path> <args>` with stdin from /dev/null and stdout and stderr for `onOutput`, through
 * the launcher shell (FIFOs in `fifoDir`), else with Node's spawn.
 */
export function startRuntime(path: string, args: readonly string[], fifoDir: string, onOutput: (output: RuntimeOutput) => void): RuntimeProcess {
  const launcher = [path, ...args, fifoDir].every(fitsOneLine) ? currentLauncher() : undefined;
  if (launcher === undefined) return spawnRuntime(path, args, onOutput);
  const run = new LaunchedRun(path, args, [join(fifoDir, 'stdout.fifo'), join(fifoDir, 'stderr.fifo')], onOutput);
  launcher.launch(run);
  return run;
}

/** `<path> <args>` started with Node's spawn (the fallback, and what tests compare against). */
export function spawnRuntime(path: string, args: readonly string[], onOutput: (output: RuntimeOutput) => void): RuntimeProcess {
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  onOutput({ stdout: child.stdout, stderr: child.stderr });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    exit: runtimeExit(child, path),
    drain: (ms) => drained(closed, [child.stdout, child.stderr], ms),
    kill: () => child.kill('SIGKILL'),
  };
}

async function drained(closed: Promise<void>, streams: readonly Readable[], ms: number): Promise<void> {
  const timer = setTimeout(() => {
    for (const stream of streams) stream.destroy();
  }, ms);
  await closed;
  clearTimeout(timer);
}

/** What a host command run by the launcher shell (`runCommand`) said and how it exited. */
export interface CommandResult {
  /** The exit status; null when the command could not be run or did not finish in time. */
  code: number | null;
  /** Its stdout and stderr, together. */
  output: string;
}

const COMMAND_TIMEOUT_MS = 30_000;

/**
 * Runs `args` (a program and its arguments) in folder `cwd` from the launcher shell, stdin from
 * /dev/null; resolves with its exit status and output, never rejects once started. Commands may
 * run in parallel. Without a launcher shell it resolves with code null at once.
 */
export function runCommand(args: readonly string[], cwd = '/'): Promise<CommandResult> {
  if (args.length === 0 || ![...args, cwd].every(fitsOneLine)) throw new RangeError('a launcher command cannot hold newlines');
  const launcher = currentLauncher();
  if (launcher === undefined) return Promise.resolve({ code: null, output: 'cannot start a helper shell' });
  return launcher.command(args, cwd);
}

/**
 * Starts the launcher shell now if there is none, so that it is up by the time the run's bundle
 * is ready (a one-shot `gradebox grade local` has none yet): its fork and start overlap the
 * scratch mounts instead of following them.
 */
export function startLauncher(): void {
  currentLauncher();
}

let current: Launcher | undefined;
// Set when no shell can be started here: every run is then spawned directly.
let unavailable = false;

function currentLauncher(): Launcher | undefined {
  if (unavailable) return undefined;
  if (current === undefined || !current.alive) {
    current = Launcher.start();
    if (current === undefined) unavailable = true;
  }
  return current;
}

/** One launcher shell and the runs it started whose subshells it has not reaped yet. */
class Launcher {
  readonly #shell: HelperShell;
  readonly #runs = new Map<number, LaunchedRun>();
  readonly #commands = new Map<number, ShellCommand>();
  #next = 0;
  #partial = '';
  #alive = true;
  #heard = false;

  private constructor(shell: HelperShell) {
    this.#shell = shell;
    refHelperShell(shell, false);
    shell.stdout.setEncoding('utf8');
    shell.stdout.on('data', (chunk: string) => this.#onData(chunk));
    // The shell is gone, and every subshell with it: nothing more will be reported.
    shell.stdout.once('close', () => {
      this.#alive = false;
      const runs = [...this.#runs.values()];
      this.#runs.clear();
      for (const run of runs) run.launcherLost();

    });
    shell.once('exit', () => {
      this.#alive = false;
      // The shell ran its commands itself: none can finish now.
      for (const command of this.#commands.values()) command.finish(null, '(the helper shell exited)');
      this.#commands.clear();
      // A shell that died before saying anything cannot launch here: spawn directly from now on.
      if (!this.#heard) unavailable = true;
      // Subshells live on and keep reporting on the same stdout; a run the shell had not forked
      // by then never will be.
      setTimeout(() => {
        for (const [n, run] of this.#runs) {
          if (run.subshell !== undefined) continue;
          this.#runs.delete(n);
          run.launcherLost();
        }
      }, FORK_GRACE_MS).unref();
    });
  }

  static start(): Launcher | undefined {
    const shell = spawnHelperShell({ detached: true });
    return shell === undefined ? undefined : new Launcher(shell);
  }

  get alive(): boolean {
    return this.#alive;
  }

  launch(run: LaunchedRun): void {
    const n = this.#next++;
    this.#runs.set(n, run);
    run.attach(this, n);
    refHelperShell(this.#shell, true);
    const [out, err] = run.fifos.map(shellQuote);
    const command = [run.path, ...run.args].map(shellQuote).join(' ');
    this.#shell.stdin.write(
      `(if mkfifo -m 600 ${out} ${err}; then echo ${n} F; else echo ${n} E; exit; fi; `
      + `{ ${command} </dev/null >&3 2>&4 3>&- 4>&- & echo ${n} P $!; } 3>${out} 4>${err} || { echo ${n} E; exit; }; `
      + `wait $!; echo ${n} X $?) </dev/null & echo ${n} S $!\n`,
    );
  }

  command(args: readonly string[], cwd: string): Promise<CommandResult> {
    const n = this.#next++;
    const command = new ShellCommand();
    this.#commands.set(n, command);
    refHelperShell(this.#shell, true);
    const timer = setTimeout(() => {
      command.finish(null, `(timed out after ${COMMAND_TIMEOUT_MS} ms)`);
      // The shell is stuck in it: end the shell (its 'exit' ends the other commands).
      this.#shell.kill('SIGKILL');
    }, COMMAND_TIMEOUT_MS);
    timer.unref();
    this.#shell.stdin.write(
      `o=$(cd -- ${shellQuote(cwd)} 2>&1 && exec ${args.map(shellQuote).join(' ')} 2>&1 </dev/null); s=$?; `
      + `[ -z "$o" ] || printf '%s\n' "$o" | while IFS= read -r l; do echo "${n} O $l"; done; echo ${n} C $s\n`,
    );
    return command.result.finally(() => clearTimeout(timer));
  }

  #unrefWhenIdle(): void {
    if (this.#runs.size === 0 && this.#commands.size === 0) refHelperShell(this.#shell, false);
  }

  /**
   * Forgets run `n` once it has ended and its subshell's pid is known, and reaps that subshell,
   * which has reported its last line or been killed (a zombie child of the shell until then).
   */
  settle(n: number): void {
    const run = this.#runs.get(n);
    if (run?.ended !== true || run.subshell === undefined) return;
    this.#runs.delete(n);
    if (this.#alive) this.#shell.stdin.write(`wait ${run.subshell} 2>/dev/null\n`);
    this.#unrefWhenIdle();
  }

  #onData(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    if (lines.length > 0) this.#heard = true;
    for (const line of lines) {
      const command = /^(\d+) ([OC])(?: (.*))?$/.exec(line);
      if (command !== null && this.#onCommandLine(Number(command[1]), command[2] ?? '', command[3] ?? '')) continue;
      const match = /^(\d+) ([SFEPX])(?: (\d+))?$/.exec(line);
      const n = Number(match?.[1]);
      const run = this.#runs.get(n);
      if (match === null || run === undefined) continue;
      const value = match[3] === undefined ? undefined : Number(match[3]);
      switch (match[2]) {
        case 'S': run.forked(value); break;
        case 'F': run.fifosMade(); break;
        case 'E': run.notStarted(); break;
        case 'P': run.started(value); break;
        case 'X': run.exited(value); break;
      }
      this.settle(n);
    }
  }

  /** Takes a line about command `n`; false when `n` is no command of this shell. */
  #onCommandLine(n: number, kind: string, rest: string): boolean {
    const command = this.#commands.get(n);
    if (command === undefined) return !this.#runs.has(n);
    if (kind === 'O') {
      command.output.push(rest);
    } else if (/^\d+$/.test(rest)) {
      command.finish(Number(rest));
      this.#commands.delete(n);
      this.#unrefWhenIdle();
    }
    return true;
  }
}

/** A host command run by the launcher shell (see runCommand). */
class ShellCommand {
  readonly result: Promise<CommandResult>;
  readonly output: string[] = [];
  done = false;
  #resolve!: (result: CommandResult) => void;

  constructor() {
    this.result = new Promise((resolve) => (this.#resolve = resolve));
  }

  finish(code: number | null, note?: string): void {
    if (this.done) return;
    this.done = true;
    this.#resolve({ code, output: [...this.output, ...(note === undefined ? [] : [note])].join('\n') });
  }
}

type Phase = 'sent' | 'fifos' | 'running' | 'ended';

/** A run started through the launcher; falls back to Node's spawn when the launcher cannot start it. */
class LaunchedRun implements RuntimeProcess {
  readonly exit: Promise<RuntimeExit>;
  readonly path: string;
  readonly args: readonly string[];
  readonly fifos: readonly [string, string];
  /** The subshell's pid, once the shell has reported forking it. */
  subshell: number | undefined;
  #launcher: Launcher | undefined;
  #n = 0;
  #phase: Phase = 'sent';
  #resolve!: (exit: RuntimeExit) => void;
  #reject!: (error: Error) => void;
  readonly #onOutput: (output: RuntimeOutput) => void;
  #fds: number[] = [];
  #streams: Socket[] = [];
  #closed: Promise<void> = Promise.resolve();
  #pid: number | undefined;
  #killedRuntime = false;
  #killSubshell = false;
  #direct: RuntimeProcess | undefined;
  #lostCheck: NodeJS.Timeout | undefined;

  constructor(path: string, args: readonly string[], fifos: readonly [string, string], onOutput: (output: RuntimeOutput) => void) {
    this.path = path;
    this.args = args;
    this.fifos = fifos;
    this.#onOutput = onOutput;
    this.exit = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get ended(): boolean {
    return this.#phase === 'ended';
  }

  attach(launcher: Launcher, n: number): void {
    this.#launcher = launcher;
    this.#n = n;
  }

  forked(subshell: number | undefined): void {
    this.subshell = subshell;
    // Given up on while the subshell may wait for a FIFO reader forever (see #abandon).
    if (this.#killSubshell && subshell !== undefined) killQuietly(subshell);
  }

  fifosMade(): void {
    if (this.#phase !== 'sent') return;
    try {
      for (const fifo of this.fifos) this.#fds.push(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
    } catch (error) {
      // The subshell then waits in its open for writing: end it.
      this.#abandon(new SandboxError(`cannot open the runtime's output FIFO: ${(error as Error).message}`, undefined, { cause: error }), true);
      return;
    }
    this.#phase = 'fifos';
  }

  notStarted(): void {
    if (this.#phase !== 'sent' && this.#phase !== 'fifos') return;
    this.#closeFds();
    this.#finish();
    this.#fallBack();
  }

  started(pid: number | undefined): void {
    if (this.#phase === 'ended' && pid !== undefined) {
      // Given up on before this: no one would watch it.
      killQuietly(pid);
      return;
    }
    if (this.#phase !== 'fifos') return;
    this.#phase = 'running';
    this.#pid = pid;
    // The runtime holds the write ends from here on, so end of file means that it and its
    // container closed them.
    try {
      for (const fd of this.#fds) this.#streams.push(new Socket({ fd, readable: true, writable: false }));
    } catch (error) {
      this.#abandon(new SandboxError(`cannot read the runtime's output: ${(error as Error).message}`, undefined, { cause: error }), false);
      return;
    }
    this.#fds = [];
    this.#closed = Promise.all(this.#streams.map((stream) => new Promise<void>((resolve) => stream.once('close', () => resolve()))))
      .then(() => this.#watchForLoss());
    const [stdout, stderr] = this.#streams;
    if (stdout !== undefined && stderr !== undefined) this.#onOutput({ stdout, stderr });
  }

  exited(status: number | undefined): void {
    if (this.#phase !== 'running' || status === undefined) return;
    this.#finish();
    // `$?` is 128+n both for an exit status of 128+n and for death by signal n; the runtime dies
    // of SIGKILL only when someone sent it, and this supervisor knows whether it did.
    const killed = this.#killedRuntime && status === 128 + os.signals.SIGKILL;
    this.#resolve(killed ? { status: null, runtimeSignal: 'SIGKILL' } : { status, runtimeSignal: null });
  }

  /** The shell and every subshell have stopped (or the shell before forking this run's). */
  launcherLost(): void {
    if (this.#phase === 'sent') {
      // The subshell, if any, had not got past its open of the FIFOs: nothing was started.
      this.#phase = 'ended';
      this.#fallBack();
    } else {
      this.#abandon(new SandboxError('the OCI runtime launcher exited during the run'), false);
    }
  }

  drain(ms: number): Promise<void> {
    if (this.#direct !== undefined) return this.#direct.drain(ms);
    return drained(this.#closed, this.#streams, ms);
  }

  kill(): void {
    if (this.#direct !== undefined) {
      this.#direct.kill();
    } else if (this.#phase === 'running' && this.#pid !== undefined) {
      this.#killedRuntime = true;
      killQuietly(this.#pid);
    } else {
      // Asked to kill a runtime that the launcher has not even started after all this time.
      this.#abandon(new SandboxError('the OCI runtime launcher did not start the runtime'), true);
    }
  }

  /** The output ended without an exit line: fail the run if the runtime is gone without one. */
  #watchForLoss(): void {
    if (this.#phase !== 'running') return;
    let misses = 0;
    this.#lostCheck = setInterval(() => {
      // A zombie still counts as alive; its subshell reaps it and reports at once.
      misses = this.#pid !== undefined && isAlive(this.#pid) ? 0 : misses + 1;
      if (misses >= 2) this.#abandon(new SandboxError('the OCI runtime launcher lost track of the runtime'), false);
    }, LOST_CHECK_MS);
  }

  /** Fails the run; with `killSubshell`, ends its subshell (now or once its pid is known). */
  #abandon(error: Error, killSubshell: boolean): void {
    if (this.#phase === 'ended') return;
    this.#closeFds();
    for (const stream of this.#streams) stream.destroy();
    this.#killSubshell = killSubshell;
    if (killSubshell && this.subshell !== undefined) killQuietly(this.subshell);
    this.#finish();
    this.#reject(error);
  }

  #fallBack(): void {
    try {
      this.#direct = spawnRuntime(this.path, this.args, this.#onOutput);
      this.#direct.exit.then(this.#resolve, this.#reject);
    } catch (error) {
      this.#reject(new SandboxError(`cannot start ${this.path}: ${(error as Error).message}`, undefined, { cause: error }));
    }
  }

  #finish(): void {
    this.#phase = 'ended';
    clearInterval(this.#lostCheck);
    this.#launcher?.settle(this.#n);
  }

  #closeFds(): void {
    // Those not yet owned by a stream.
    for (const fd of this.#fds.slice(this.#streams.length)) {
      try {
        closeSync(fd);
      } catch {
        // Closed already.
      }
    }
    this.#fds = [];
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
