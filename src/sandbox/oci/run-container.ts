import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { OutputCapture } from '../output-capture.ts';
import type { CapturedOutput, EndReason } from '../sandbox.ts';
import type { OciRuntime } from './runtime.ts';
import { RunStopper, runtimeError, runtimeExit } from './runtime-process.ts';

export interface ContainerOptions {
  runtime: OciRuntime;
  /** The runtime's state directory (`--root`). */
  root: string;
  id: string;
  bundle: string;
  pidFile: string;
  logFile: string;
  timeoutMs: number;
  capBytes: number;
  limitBytes: number;
  signal?: AbortSignal;
  /** Kills every process of the run; called repeatedly until the runtime exits. */
  kill: () => Promise<void>;
}

export interface ContainerExit {
  /** Exit status of `<runtime> run`: the grader's status, or 128+n when it died of signal n. */
  status: number | null;
  /** Set when the runtime itself died of a signal. */
  runtimeSignal: NodeJS.Signals | null;
  /** Why the supervisor stopped the run, if it did. */
  stoppedFor: Exclude<EndReason, 'exited' | 'out-of-memory'> | undefined;
  /** Whether the grader's process was created (the runtime wrote its pid file). */
  started: boolean;
  /** The runtime's own error message, from its log. */
  runtimeError: string | undefined;
  wallMs: number;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
}

// After the runtime exits its pipes close at once (the pid namespace is gone); this only guards
// against a wedged pipe holding the supervisor forever.
const DRAIN_MS = 2000;

/**
 * Runs the prepared bundle with `<runtime> run` and supervises it: captures stdout and stderr,
 * and stops the whole run on timeout, output flood or abort. Where the runtime has it, `--keep`
 * leaves the stopped container (and so its cgroups, with their usage counters) for the caller to
 * read and delete; other runtimes delete their own cgroup, below the run's (see OciRuntime.keep).
 */
export async function runContainer(options: ContainerOptions): Promise<ContainerExit> {
  const { runtime, root, id, bundle, pidFile, logFile } = options;
  const startedAt = performance.now();
  const child = spawn(runtime.path, [
    '--root', root, '--log', logFile, '--log-format', 'json',
    'run', ...(runtime.keep ? ['--keep'] : []), '--bundle', bundle, '--pid-file', pidFile, id,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });

  const stopper = new RunStopper<NonNullable<ContainerExit['stoppedFor']>>(child, pidFile, options.kill);
  const stop = (reason: NonNullable<ContainerExit['stoppedFor']>): void => stopper.stop(reason);

  const capture = new OutputCapture({
    capBytes: options.capBytes,
    limitBytes: options.limitBytes,
    onLimit: () => stop('output-limit'),
  });
  capture.attach(child.stdout, 'stdout');
  capture.attach(child.stderr, 'stderr');
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stop('killed');
  if (options.signal?.aborted) stop('killed');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const { status, runtimeSignal } = await runtimeExit(child, runtime.path, () => {
      stopper.exited();
      return new Promise((resolve) => {
        const drain = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, DRAIN_MS);
        child.once('close', () => {
          clearTimeout(drain);
          resolve();
        });
      });
    });
    const wallMs = Math.round(performance.now() - startedAt);
    const started = existsSync(pidFile);
    const error = status === 0 && started ? undefined : await runtimeError(logFile);
    return { status, runtimeSignal, stoppedFor: stopper.reason, started, runtimeError: error, wallMs, ...capture.result() };
  } finally {
    stopper.exited();
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
