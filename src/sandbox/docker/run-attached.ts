import type { Socket } from 'node:net';
import type Docker from 'dockerode';
import type { Container } from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostTerminal, WindowSize } from '../host-terminal.ts';
import type { InteractiveIo } from '../sandbox.ts';
import { readCaller, writeCaller } from './caller-streams.ts';
import { ContainerSupervisor, type SupervisedExit } from './container-supervisor.ts';

export interface AttachedOptions {
  io: Required<InteractiveIo>;
  /** The caller's terminal (attached, mode saved) when the container has a pty. */
  terminal: HostTerminal | undefined;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** How an attached run ended: the container's exit, and why the supervisor stopped it if it did. */
export interface AttachedExit extends SupervisedExit {
  stoppedFor: 'timeout' | 'killed' | undefined;
}

/**
 * Docker watches a terminal session's input for a detach sequence (default Ctrl-P Ctrl-Q) and holds
 * back a byte that starts it until the next one arrives, so readline's Ctrl-P would lag a key
 * behind, and Ctrl-P Ctrl-Q would leave the session running with nobody attached. The API cannot
 * turn it off; 0xFF 0xFE never occur in UTF-8 input. Written into the path as they are, because
 * the client's query encoding would turn them into UTF-8 (four bytes the daemon refuses).
 */
const DETACH_KEYS = '%FF%2C%FE';
// The attach stream ends as the container exits; this only guards against one that never does.
const DRAIN_MS = 2000;
// An attach that ended this long before the container did was dropped by the daemon (the exit
// itself is reported within milliseconds), so nothing typed reaches the session any more.
const DROPPED_MS = 10_000;
// The first window size is sent again this long after it was set, before typed input goes through.
const RESIZE_AGAIN_MS = 200;

/** `POST /containers/{id}/attach` with stdin, hijacked: one socket carrying the caller's input in and the output out. */
function attachHijacked(docker: Docker, container: Container): Promise<Socket> {
  return new Promise((resolve, reject) => {
    docker.modem.dial({
      path: `/containers/${container.id}/attach?detachKeys=${DETACH_KEYS}&`,
      method: 'POST',
      isStream: true,
      hijack: true,
      openStdin: true,
      statusCodes: { 101: true, 200: true, 404: 'no such container', 500: 'server error' },
      options: { stream: true, stdin: true, stdout: true, stderr: true },
    }, (error, stream) => (error === null ? resolve(stream as Socket) : reject(error)));
  });
}

/**
 * Runs the created session container attached to the caller's descriptors, as `docker run -it`
 * (with `terminal`) or `docker run -i` does: the attach is opened before the start so no byte is
 * missed. With a terminal the container has a pty; the caller's terminal goes raw, so every key,
 * Ctrl-C among them, reaches the pty, whose line discipline makes signals of them in the
 * container; the pty's size follows the terminal's (SIGWINCH). Without, input is copied until it
 * ends, which closes the program's stdin (StdinOnce), and its stdout and stderr come back
 * demultiplexed. The wall-clock timeout and an abort SIGKILL the container. Input is read by
 * gradebox here, unlike the oci backend, because the daemon (possibly remote) owns the container's
 * descriptors.
 */
export async function runAttachedContainer(docker: Docker, container: Container, options: AttachedOptions): Promise<AttachedExit> {
  const { io, terminal } = options;
  const supervisor = new ContainerSupervisor(container);
  const socket = await attachHijacked(docker, container);
  const stdout = writeCaller(io.stdout);
  const stderr = writeCaller(io.stderr);
  let exited = false;
  let dropped: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    const end = (): void => {
      if (!exited) dropped ??= setTimeout(() => supervisor.stop('killed'), DROPPED_MS);
      resolve();
    };
    socket.once('end', end);
    socket.once('close', end);
    socket.on('error', end);
  });
  if (terminal !== undefined) socket.on('data', (chunk: Buffer) => stdout.stream.write(chunk));
  else docker.modem.demuxStream(socket, stdout.stream, stderr.stream);

  const forward = (chunk: Buffer): void => {
    if (!socket.destroyed && !socket.writableEnded) socket.write(chunk);
  };
  // With a terminal, what the caller types waits until the container's pty has the caller's
  // window size: the pty starts at 0x0 and the size can only be set once the container runs, so a
  // command typed at once (`stty size`, a full-screen editor) would otherwise see no size.
  let held: Buffer[] | undefined = terminal !== undefined ? [] : undefined;
  const release = (): void => {
    const chunks = held ?? [];
    held = undefined;
    for (const chunk of chunks) forward(chunk);
  };
  const stopReading = readCaller(io.stdin, (chunk) => {
    if (held !== undefined) held.push(chunk);
    else forward(chunk);
  }, () => {
    // A half-close: the daemon closes the program's stdin (StdinOnce) and output keeps coming.
    // With a pty it would end the attach instead; a terminal's input ends with SIGHUP anyway.
    if (terminal === undefined && !socket.destroyed) socket.end();
  });

  let unfollow: (() => void) | undefined;
  try {
    terminal?.raw();
    const exit = await supervisor.startAndWait({
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onStarted: () => {
        const resize = (size: WindowSize): Promise<void> => container.resize({ h: size.rows, w: size.cols });
        unfollow = terminal?.followWindowSize(resize, undefined, () => {
          // A resize right after the start was seen to leave the pty at 0x0 without an error, under
          // load (this daemon's API, 1.41, cannot give the size at create): send it once more.
          void sleep(RESIZE_AGAIN_MS)
            .then(() => terminal.size())
            .then((size) => (size === undefined || exited ? undefined : resize(size)))
            .catch(() => undefined)
            .finally(release);
        });
      },
    });
    exited = true;
    let drain: NodeJS.Timeout | undefined;
    if (exit.started) await Promise.race([ended, new Promise<void>((resolve) => (drain = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(drain);
    return { ...exit, stoppedFor: supervisor.reason };
  } finally {
    exited = true;
    clearTimeout(dropped);
    unfollow?.();
    stopReading();
    socket.destroy();
    await Promise.all([stdout.release(), stderr.release()]);
    terminal?.restore();
  }
}
