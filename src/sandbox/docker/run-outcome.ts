import { constants as os } from 'node:os';
import { SandboxError, type CapturedOutput, type EndReason, type RunOutcome, type RunSpec } from '../sandbox.ts';
import type { GraderExit } from './run-grader.ts';

// First name wins where two share a number (SIGABRT before SIGIOT).
const signalNames = new Map<number, string>();
for (const [name, number] of Object.entries(os.signals)) if (!signalNames.has(number)) signalNames.set(number, name);

export interface ExitVerdict {
  reason: EndReason;
  exitCode: number | null;
  signal: string | null;
  /** Replaces the captured stderr when the daemon, not the grader, said why it did not run. */
  stderr?: CapturedOutput;
}

/**
 * The grader's program could not be executed: an author's mistake, reported like a shell would
 * (127: not found, 126: found but not executable), with runc's words as the daemon relays them
 * ("… unable to start container process: exec: "/x": stat /x: no such file or directory: unknown").
 */
function execFailure(message: string): ExitVerdict | undefined {
  const match = /(?:unable to start container process|starting container process caused): (exec: .*?)(?:: unknown)?$/.exec(message.trim());
  if (match?.[1] === undefined) return undefined;
  const text = `${match[1]}\n`;
  const exitCode = /permission denied|exec format error/i.test(match[1]) ? 126 : 127;
  return { reason: 'exited', exitCode, signal: null, stderr: { text, bytes: Buffer.byteLength(text), truncated: false } };
}

/** How the run ended, from the grader container's exit (grading or attached) and whether the kernel's OOM kill counts as its end. */
export function classifyExit(exit: Pick<GraderExit, 'status' | 'stoppedFor' | 'startError'>, oomKilled: boolean): ExitVerdict {
  if (exit.stoppedFor !== undefined) return { reason: exit.stoppedFor, exitCode: null, signal: 'SIGKILL' };
  if (exit.startError !== undefined) {
    const failure = execFailure(exit.startError);
    if (failure !== undefined) return failure;
    throw new SandboxError(`the Docker daemon could not start the run: ${exit.startError}`);
  }
  if (exit.status === null) throw new SandboxError('the grader container ended without an exit status');
  const reason: EndReason = oomKilled ? 'out-of-memory' : 'exited';
  // Docker reports death by signal n as 128+n, like a shell (and like runc in the oci backend).
  const signal = exit.status > 128 ? signalNames.get(exit.status - 128) : undefined;
  return signal === undefined ? { reason, exitCode: exit.status, signal: null } : { reason, exitCode: null, signal };
}

/** The outcome of a run aborted before anything started. */
export function notStarted(spec: RunSpec): RunOutcome {
  const empty = { text: '', bytes: 0, truncated: false };
  const outputs = Object.fromEntries(spec.outputs.map((path) => [path, { ok: false as const, missing: true, error: `${path}: the run was aborted before it started` }]));
  return { reason: 'killed', exitCode: null, signal: null, stdout: empty, stderr: empty, outputs, usage: { wallMs: 0, cpuMs: 0, peakMemoryBytes: 0 } };
}
