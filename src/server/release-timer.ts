/**
 * Records the events of automatic releases (assignments' `releaseAt`) at start-up — so a release
 * time that passed while the server was down is recorded at once — and then every few seconds.
 * The grades are visible at the release time whatever this does (the read-time rule); several
 * servers on one database may all run it and each release is recorded once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Platform } from '../platform/platform.ts';

/** How often due releases are looked for. */
export const RELEASE_POLL_MS = 5_000;

export interface ReleaseTimer {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startReleaseTimer(platform: Platform, options: { pollMs?: number; onError: (error: unknown) => void }): ReleaseTimer {
  // Names this process in the schedules' leases.
  const runner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (running !== undefined || stopped) return;
    running = platform
      .runDueReleases(runner)
      .then(() => undefined, options.onError)
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, options.pollMs ?? RELEASE_POLL_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
