import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { Container } from 'dockerode';
import { OutputCapture } from '../output-capture.ts';
import type { CapturedOutput, EndReason } from '../sandbox.ts';
import { daemonMessage } from './docker-client.ts';

export interface GraderRunOptions {
  timeoutMs: number;
  capBytes: number;
  limitBytes: number;
  signal?: AbortSignal;
}

export interface GraderExit {
  /** The container's exit status: the grader's, or 128+n when it died of signal n. */
  status: number | null;
  /** Why the supervisor stopped the run, if it did. */
  stoppedFor: Exclude<EndReason, 'exited' | 'out-of-memory'> | undefined;
  /** The daemon's message when the container could not start (e.g. the program does not exist). */
  startError: string | undefined;
  wallMs: number;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
}

// SIGKILL again at this pace until the container is gone: a kill sent while the daemon was
// still starting it may have found nothing to signal.
const KILL_RETRY_MS = 250;
// The attach stream ends as the container exits; this only guards against one that never does.
const DRAIN_MS = 2000;

/**
 * Starts the created grader container and supervises it until it exits: stdout and stderr come
 * from the attach stream (opened before the start, so nothing is missed) through Docker's
 * multiplexed format into an OutputCapture; the wall-clock timeout, an output flood or an abort
 * SIGKILL the container's init, and with it the whole pid namespace. The clock runs from the
 * start request, as the oci backend's runs from spawning its runtime.
 */
export async function runGraderContainer(docker: Docker, container: Container, options: GraderRunOptions): Promise<GraderExit> {
  let stoppedFor: GraderExit['stoppedFor'];
  let started = false;
  let exited = false;
  let killer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (started && !exited) void container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  };
  const stop = (reason: NonNullable<GraderExit['stoppedFor']>): void => {
    if (stoppedFor !== undefined || exited) return;
    stoppedFor = reason;
    kill();
    killer = setInterval(kill, KILL_RETRY_MS);
  };

  const capture = new OutputCapture({ capBytes: options.capBytes, limitBytes: options.limitBytes, onLimit: () => stop('output-limit') });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  capture.attach(stdout, 'stdout');
  capture.attach(stderr, 'stderr');
  // A chunk demultiplexed after the streams were ended must not become an uncaught error.
  for (const stream of [stdout, stderr]) stream.on('error', () => undefined);
  const attached = await container.attach({ stream: true, stdout: true, stderr: true });
  const ended = new Promise<void>((resolve) => {
    attached.once('end', resolve);
    attached.once('close', resolve);
    attached.once('error', () => resolve());
  });
  docker.modem.demuxStream(attached, stdout, stderr);

  const onAbort = (): void => stop('killed');
  if (options.signal?.aborted) stop('killed');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const startedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let status: number | null = null;
  let startError: string | undefined;
  try {
    if (stoppedFor === undefined) {
      timer = setTimeout(() => stop('timeout'), options.timeoutMs);
      try {
        await container.start();
        started = true;
      } catch (error) {
        startError = daemonMessage(error);
      }
    }
    if (started) {
      // Stopped while the start request was on its way: the kill then found nothing to signal.
      if (stoppedFor !== undefined) kill();
      const result = (await container.wait()) as { StatusCode?: number };
      status = typeof result.StatusCode === 'number' ? result.StatusCode : null;
    }
  } finally {
    exited = true;
    clearTimeout(timer);
    clearInterval(killer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  const wallMs = started ? Math.max(1, Math.round(performance.now() - startedAt)) : 0;
  let drainTimer: NodeJS.Timeout | undefined;
  if (started) await Promise.race([ended, new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, DRAIN_MS)))]);
  clearTimeout(drainTimer);
  (attached as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  stdout.end();
  stderr.end();
  // Chunks still buffered in the pass-throughs reach the capture before it is read.
  await Promise.all([finished(stdout), finished(stderr)]).catch(() => undefined);
  return { status, stoppedFor, startError, wallMs, ...capture.result() };
}
