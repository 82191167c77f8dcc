import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { Container } from 'dockerode';
import { OutputCapture } from '../output-capture.ts';
import type { CapturedOutput, EndReason } from '../sandbox.ts';
import { ContainerSupervisor } from './container-supervisor.ts';

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
  const supervisor = new ContainerSupervisor<'output-limit'>(container);
  const capture = new OutputCapture({ capBytes: options.capBytes, limitBytes: options.limitBytes, onLimit: () => supervisor.stop('output-limit') });
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

  const { status, startError, started, wallMs } = await supervisor.startAndWait({ timeoutMs: options.timeoutMs, signal: options.signal });
  let drainTimer: NodeJS.Timeout | undefined;
  if (started) await Promise.race([ended, new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, DRAIN_MS)))]);
  clearTimeout(drainTimer);
  (attached as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  stdout.end();
  stderr.end();
  // Chunks still buffered in the pass-throughs reach the capture before it is read.
  await Promise.all([finished(stdout), finished(stderr)]).catch(() => undefined);
  return { status, stoppedFor: supervisor.reason, startError, wallMs, ...capture.result() };
}
