import { ImageError } from '../image/image.ts';
import { SandboxError } from '../sandbox/sandbox.ts';
import { BuildContextError } from '../toolkit/build-context.ts';
import { SubmissionPathError } from '../toolkit/submission-path-error.ts';
import type { Failure } from './client-failures.ts';
import { ExitCode } from './exit-codes.ts';
import { Interrupted, interruptSignal } from './interrupt.ts';
import { paint } from './terminal.ts';
import { safeText } from './untrusted-text.ts';
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

/**
 * Messages may quote what a grader, an image or a submission holds (a file name in a submission or
 * an image, a symlink target, a server's echo of either): they go through safeText, as any
 * untrusted text does, before they reach the terminal.
 */
function reportError(error: unknown): number {
  const say = (label: string, text: string): void => void process.stderr.write(`${label} ${safeText(text)}\n`);
  const err = paint('red', 'error:', process.stderr);
  if (error instanceof UsageError || error instanceof SubmissionPathError) {
    say(err, `${error.message}\n(see --help)`);
    return ExitCode.usage;
  }
  if (error instanceof SandboxError) {
    say(err, error.message);
    if (error.hint) say('fix:', error.hint);
    return ExitCode.environment;
  }
  const failure = describeClientFailure?.(error);
  if (failure) {
    say(err, failure.message.replaceAll('\n', '\n  '));
    if (failure.usage) process.stderr.write('(see --help)\n');
    if (failure.hint) say('hint:', failure.hint);
    return failure.exitCode;
  }
  if (error instanceof ImageError) {
    say(err, error.message);
    if (error instanceof BuildContextError) say('hint:', error.hint);
    return ExitCode.graderError;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  say(err, `unexpected failure: ${message}\nPlease report this as a gradebox bug.`);
  return ExitCode.graderError;
}
