import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { HostTerminal } from '../host-terminal.ts';
import type { InteractiveIo } from '../sandbox.ts';
import type { ContainerExit } from './run-container.ts';
import type { OciRuntime } from './runtime.ts';
import { RunStopper, runtimeError, runtimeExit } from './runtime-process.ts';

export interface AttachedOptions {
  runtime: OciRuntime;
  /** The runtime's state directory (`--root`). */
  root: string;
  id: string;
  bundle: string;
  pidFile: string;
  logFile: string;
  timeoutMs: number;
  io: Required<InteractiveIo>;
  signal?: AbortSignal;
  /** Kills every process of the run; called repeatedly until the runtime exits. */
  kill: () => Promise<void>;
}

/** How an attached run ended: a ContainerExit without captured output. */
export type AttachedExit = Omit<ContainerExit, 'stdout' | 'stderr' | 'stoppedFor'> & {
  stoppedFor: 'timeout' | 'killed' | undefined;
};

/**
 * Runs the prepared bundle with `<runtime> run` in the foreground, attached to the caller's file
 * descriptors: nothing is captured or copied by gradebox. With `io.terminal` the config asks for
 * a terminal and the runtime proxies the pty it allocates to these descriptors (see
 * HostTerminal); without, the runtime hands them on (crun passes them to the program as they are,
 * runc through pipes of its own). The runtime stays in this process's process group, which is
 * the terminal's foreground group, so it may read the terminal. Stops the whole run on timeout or
 * abort, as for grading runs.
 */
export async function runAttached(options: AttachedOptions): Promise<AttachedExit> {
  const { runtime, root, id, bundle, pidFile, logFile, io } = options;
  const terminal = io.terminal ? HostTerminal.attach(io.stdin) : undefined;
  // process.hrtime, not the global `performance`, whose first use loads perf_hooks (~1 ms of a one-shot command).
  const startedAt = process.hrtime.bigint();
  const child = spawn(runtime.path, [
    '--root', root, '--log', logFile, '--log-format', 'json',
    'run', ...(runtime.keep ? ['--keep'] : []), '--bundle', bundle, '--pid-file', pidFile, id,
  ], { stdio: [io.stdin, io.stdout, io.stderr] });

  const stopper = new RunStopper<'timeout' | 'killed'>(() => child.kill('SIGKILL'), pidFile, options.kill);
  // runc sets the size and follows SIGWINCH itself, crun 1.8 does neither; the same size again is harmless.
  const unfollow = terminal?.followWindowSize(async (size) => {
    // Looked up each time: the pty is checked to still be the program's stdin.
    const target = await runTerminal(pidFile);
    if (target !== undefined) await terminal.setSizeOf(target, size);
  }, async () => (await runTerminal(pidFile)) !== undefined);
  const timer = setTimeout(() => stopper.stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stopper.stop('killed');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const { status, runtimeSignal } = await runtimeExit(child, runtime.path);
    stopper.exited();
    const wallMs = Math.round(Number(process.hrtime.bigint() - startedAt) / 1e6);
    const started = existsSync(pidFile);
    const error = status === 0 && started ? undefined : await runtimeError(logFile);
    return { status, runtimeSignal, stoppedFor: stopper.reason, started, runtimeError: error, wallMs };
  } finally {
    stopper.exited();
    unfollow?.();
    // The runtime restores the terminal when it exits normally; not when it was SIGKILLed.
    terminal?.restore();
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
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
