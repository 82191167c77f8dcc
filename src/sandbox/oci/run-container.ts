import { existsSync } from 'node:fs';
import { OutputCapture } from '../output-capture.ts';
import type { CapturedOutput, EndReason } from '../sandbox.ts';
import type { OciRuntime } from './runtime.ts';
import { startRuntime } from './runtime-launcher.ts';
import { RunStopper, runtimeError } from './runtime-process.ts';

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

// After the runtime exits its output closes at once (the pid namespace is gone); this only guards
// against a wedged pipe holding the supervisor forever.
const DRAIN_MS = 2000;

/**
 * Runs the prepared bundle with `<runtime> run` and supervises it: captures stdout and stderr,
 * and stops the whole run on timeout, output flood or abort. Where the runtime has it, `--keep`
 * leaves the stopped container (and so its cgroups, with their usage counters) for the caller to
 * read and delete; other runtimes delete their own cgroup, below the run's (see OciRuntime.keep).
 * The runtime is started by the launcher shell, not by Node's spawn (see runtime-launcher.ts),
 * with its output through FIFOs in the bundle directory.
 */
export async function runContainer(options: ContainerOptions): Promise<ContainerExit> {
  const { runtime, root, id, bundle, pidFile, logFile } = options;
  // process.hrtime, not the global `performance`, whose first use loads perf_hooks (~1 ms of a one-shot command).
  const startedAt = process.hrtime.bigint();
  const stopper = new RunStopper<NonNullable<ContainerExit['stoppedFor']>>(() => child.kill(), pidFile, options.kill);
  const stop = (reason: NonNullable<ContainerExit['stoppedFor']>): void => stopper.stop(reason);
  const capture = new OutputCapture({
    capBytes: options.capBytes,
    limitBytes: options.limitBytes,
    onLimit: () => stop('output-limit'),
  });
  const child = startRuntime(runtime.path, [
    '--root', root, '--log', logFile, '--log-format', 'json',
    'run', ...(runtime.keep ? ['--keep'] : []), '--bundle', bundle, '--pid-file', pidFile, id,
  ], bundle, ({ stdout, stderr }) => {
    capture.attach(stdout, 'stdout');
    capture.attach(stderr, 'stderr');
  });
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = (): void => stop('killed');
  if (options.signal?.aborted) stop('killed');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const { status, runtimeSignal } = await child.exit;
    stopper.exited();
    await child.drain(DRAIN_MS);
    const wallMs = Math.round(Number(process.hrtime.bigint() - startedAt) / 1e6);
    const started = existsSync(pidFile);
    const error = status === 0 && started ? undefined : await runtimeError(logFile);
    return { status, runtimeSignal, stoppedFor: stopper.reason, started, runtimeError: error, wallMs, ...capture.result() };
  } finally {
    stopper.exited();
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
