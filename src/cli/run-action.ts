import { ImageError } from '../image/image.ts';
import { SandboxError } from '../sandbox/sandbox.ts';
import { SubmissionPathError } from '../toolkit/submission-path-error.ts';
import type { Failure } from './client-failures.ts';
import { ExitCode } from './exit-codes.ts';
import { Interrupted, interruptSignal } from './interrupt.ts';
import { paint } from './terminal.ts';
import { UsageError } from './usage-error.ts';

// The server commands' error mapping loads the HTTP client's modules: only once something failed.
let describeClientFailure: ((error: unknown) => Failure | undefined) | undefined;

/**
 * Wraps a command's action: gives it an AbortSignal wired to Ctrl-C, and turns what it throws into
 * one message on stderr and the documented exit code. The action returns its own exit code.
 */
export function runAction<A extends unknown[]>(
  action: (signal: AbortSignal, ...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const { signal, dispose } = interruptSignal();
    try {
      process.exitCode = await action(signal, ...args);
    } catch (error) {
      // An Interrupted thrown directly: Ctrl-C read as a key (a raw-mode prompt), not as a signal.
      const interrupted = signal.reason instanceof Interrupted ? signal.reason : error instanceof Interrupted ? error : undefined;
      describeClientFailure ??= (await import('./client-failures.ts')).describeClientFailure;
      process.exitCode = interrupted ? interrupted.exitCode : reportError(error);
    } finally {
      dispose();
    }
  };
}

function reportError(error: unknown): number {
  const err = paint('red', 'error:', process.stderr);
  if (error instanceof UsageError || error instanceof SubmissionPathError) {
    process.stderr.write(`${err} ${error.message}\n(see --help)\n`);
    return ExitCode.usage;
  }
  if (error instanceof SandboxError) {
    process.stderr.write(`${err} ${error.message}\n`);
    if (error.hint) process.stderr.write(`fix: ${error.hint}\n`);
    return ExitCode.environment;
  }
  const failure = describeClientFailure?.(error);
  if (failure) {
    process.stderr.write(`${err} ${failure.message.replaceAll('\n', '\n  ')}\n`);
    if (failure.usage) process.stderr.write('(see --help)\n');
    if (failure.hint) process.stderr.write(`hint: ${failure.hint}\n`);
    return failure.exitCode;
  }
  if (error instanceof ImageError) {
    process.stderr.write(`${err} ${error.message}\n`);
    return ExitCode.graderError;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${err} unexpected failure: ${message}\nPlease report this as a gradebox bug.\n`);
  return ExitCode.graderError;
}
