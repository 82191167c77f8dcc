import type { Container } from 'dockerode';
import { daemonMessage } from './docker-client.ts';

// SIGKILL again at this pace until the container is gone: a kill sent while the daemon was
// still starting it may have found nothing to signal.
const KILL_RETRY_MS = 250;

/** How a supervised container ended, output aside. */
export interface SupervisedExit {
  /** The container's exit status: the program's, or 128+n when it died of signal n. */
  status: number | null;
  /** The daemon's message when the container could not start (e.g. the program does not exist). */
  startError: string | undefined;
  started: boolean;
  /** From the start request to the exit; 0 when it never started. */
  wallMs: number;
}

/**
 * Starts a created container and waits for its exit, SIGKILLing its init (and with it the whole
 * pid namespace) when the wall-clock timeout passes, the signal aborts, or the caller stops it
 * for a reason of its own (`Extra`, e.g. an output flood). Both the grading and the interactive
 * runs of the docker backend go through it, so they stop alike.
 */
export class ContainerSupervisor<Extra extends string = never> {
  readonly #container: Container;
  #reason: 'timeout' | 'killed' | Extra | undefined;
  #started = false;
  #exited = false;
  #killer: NodeJS.Timeout | undefined;

  constructor(container: Container) {
    this.#container = container;
  }

  /** Why the supervisor stopped the run, if it did (the first reason wins). */
  get reason(): 'timeout' | 'killed' | Extra | undefined {
    return this.#reason;
  }

  #kill(): void {
    if (this.#started && !this.#exited) void this.#container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  }

  stop(reason: 'timeout' | 'killed' | Extra): void {
    if (this.#reason !== undefined || this.#exited) return;
    this.#reason = reason;
    this.#kill();
    this.#killer = setInterval(() => this.#kill(), KILL_RETRY_MS);
  }

  /**
   * Starts the container unless already stopped, calls `onStarted` once it runs, and waits for
   * its exit. The clock runs from the start request, as the oci backend's runs from spawning its runtime.
   */
  async startAndWait(options: { timeoutMs: number; signal?: AbortSignal; onStarted?: () => void }): Promise<SupervisedExit> {
    const onAbort = (): void => this.stop('killed');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const startedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let status: number | null = null;
    let startError: string | undefined;
    try {
      if (this.#reason === undefined) {
        timer = setTimeout(() => this.stop('timeout'), options.timeoutMs);
        try {
          await this.#container.start();
          this.#started = true;
        } catch (error) {
          startError = daemonMessage(error);
        }
      }
      if (this.#started) {
        // Stopped while the start request was on its way: the kill then found nothing to signal.
        if (this.#reason !== undefined) this.#kill();
        options.onStarted?.();
        const result = (await this.#container.wait()) as { StatusCode?: number };
        status = typeof result.StatusCode === 'number' ? result.StatusCode : null;
      }
    } finally {
      this.#exited = true;
      clearTimeout(timer);
      clearInterval(this.#killer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    const wallMs = this.#started ? Math.max(1, Math.round(performance.now() - startedAt)) : 0;
    return { status, startError, started: this.#started, wallMs };
  }
}
