import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { OutputCapture } from '../output-capture.ts';
import { SandboxError, type CapturedOutput, type EndReason } from '../sandbox.ts';
import type { OciRuntime } from './runtime.ts';

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

const KILL_RETRY_MS = 25;
// If the runtime is still there this long after the run was killed, it is wedged: kill it too.
const RUNTIME_KILL_MS = 5000;
// After the runtime exits its pipes close at once (the pid namespace is gone); this only guards
// against a wedged pipe holding the supervisor forever.
const DRAIN_MS = 2000;

async function runtimeError(logFile: string): Promise<string | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) errors.push(entry.msg);
    } catch {
      // Not a JSON log line (crun writes plain text).
      if (line.trim()) errors.push(line.trim());
    }
  }
  return errors.at(-1);
}

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

  let stoppedFor: ContainerExit['stoppedFor'];
  let killer: NodeJS.Timeout | undefined;
  let escalation: NodeJS.Timeout | undefined;
  let exited = false;
  const killOnce = (): void => {
    // Only once the runtime has written the pid file: the container is then fully started and
    // the runtime reaps whatever dies. Killing its setup processes earlier strands them as
    // zombies of the host's init; a runtime that fails before that exits on its own.
    if (!exited && existsSync(pidFile)) void options.kill().catch(() => undefined);
  };
  const stop = (reason: NonNullable<ContainerExit['stoppedFor']>): void => {
    if (stoppedFor !== undefined || exited) return;
    stoppedFor = reason;
    killOnce();
    // Keep at it until the runtime exits: the first try may come before the container exists.
    killer = setInterval(killOnce, KILL_RETRY_MS);
    escalation = setTimeout(() => child.kill('SIGKILL'), RUNTIME_KILL_MS);
  };

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
    const [status, runtimeSignal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', (error) => reject(new SandboxError(`cannot start ${runtime.path}: ${error.message}`, undefined, { cause: error })));
      child.once('exit', (code, signal) => {
        exited = true;
        const drain = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, DRAIN_MS);
        child.once('close', () => {
          clearTimeout(drain);
          resolve([code, signal]);
        });
      });
    });
    const wallMs = Math.round(performance.now() - startedAt);
    const started = existsSync(pidFile);
    const error = status === 0 && started ? undefined : await runtimeError(logFile);
    return { status, runtimeSignal, stoppedFor, started, runtimeError: error, wallMs, ...capture.result() };
  } finally {
    exited = true;
    clearTimeout(timer);
    clearInterval(killer);
    clearTimeout(escalation);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
