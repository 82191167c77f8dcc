import { constants } from 'node:os';

/** The abort reason when a signal stopped the work; the process exits with 128 + the signal's number. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  readonly exitCode: number;
  readonly signalName: NodeJS.Signals;
  constructor(signalName: NodeJS.Signals) {
    super(`interrupted by ${signalName}`);
    this.signalName = signalName;
    this.exitCode = 128 + constants.signals[signalName];
  }
}

/**
 * Turns Ctrl-C / SIGTERM into an AbortSignal so running work can clean up (kill the sandbox, unmount,
 * delete state) before the process exits. A second Ctrl-C exits at once.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(new Interrupted(name).exitCode);
    process.stderr.write(`\n${name} received: stopping and cleaning up (press Ctrl-C again to exit now)\n`);
    controller.abort(new Interrupted(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
