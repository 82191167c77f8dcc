/**
 * Runs one of the platform's durable schedules (assignments' `completeAt`, `releaseAt`) at
 * start-up — so a time that passed while the server was down is acted on at once — and then every
 * few seconds. Several servers on one database may all run it: the platform lets one of them hold
 * each schedule (src/platform/durable-schedules.ts), and each action happens once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** How often due schedules are looked for. */
export const SCHEDULE_POLL_MS = 5_000;

export interface ScheduleTimer {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** `runDue(runner)`: the platform's `runDueCompletions` or `runDueReleases`, `runner` naming this process in leases. */
export function startScheduleTimer(runDue: (runner: string) => Promise<unknown>, options: { pollMs?: number; onError: (error: unknown) => void }): ScheduleTimer {
  const runner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (running !== undefined || stopped) return;
    running = runDue(runner)
      .then(() => undefined, options.onError)
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, options.pollMs ?? SCHEDULE_POLL_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
