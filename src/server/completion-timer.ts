/**
 * Runs the platform's due completions (assignments' `completeAt`) at start-up — so a completion
 * time that passed while the server was down is acted on at once — and then every few seconds.
 * Several servers on one database may all run it: the platform lets one of them hold each
 * schedule, and completes each student once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Platform } from '../platform/platform.ts';

/** How often due completions are looked for. */
export const COMPLETION_POLL_MS = 5_000;

export interface CompletionTimer {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startCompletionTimer(platform: Platform, options: { pollMs?: number; onError: (error: unknown) => void }): CompletionTimer {
  // Names this process in the schedules' leases.
  const runner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (running !== undefined || stopped) return;
    running = platform
      .runDueCompletions(runner)
      .then(() => undefined, options.onError)
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, options.pollMs ?? COMPLETION_POLL_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
