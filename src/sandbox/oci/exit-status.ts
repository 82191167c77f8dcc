import { constants as os } from 'node:os';
import { SandboxError, type EndReason } from '../sandbox.ts';

/** What the supervisor knows when `<runtime> run` has exited. */
export interface RuntimeOutcome {
  /** Exit status of `<runtime> run`: the program's status, or 128+n when it died of signal n. */
  status: number | null;
  runtimeSignal: NodeJS.Signals | null;
  /** Why the supervisor stopped the run, if it did. */
  stoppedFor: EndReason | undefined;
  /** Whether the program's process was created (the runtime wrote its pid file). */
  started: boolean;
  runtimeError: string | undefined;
  /** The runtime's stderr where it was captured, for a message when its log has none. */
  stderrText?: string;
}

export interface ExitStatus {
  reason: EndReason;
  exitCode: number | null;
  signal: string | null;
}

// First name wins where two share a number (SIGABRT before SIGIOT).
const signalNames = new Map<number, string>();
for (const [name, number] of Object.entries(os.signals)) if (!signalNames.has(number)) signalNames.set(number, name);

/**
 * The program could not be executed: an author's mistake, reported like a shell would (127: not
 * found, 126: found but not executable), from runc's or crun's message.
 */
function execFailureStatus(message: string): number | undefined {
  if (/unable to start container process: exec: /.test(message)) return /permission denied|exec format error/.test(message) ? 126 : 127; // runc
  if (/^executable file `.*` not found/.test(message)) return 127; // crun
  if (/^open executable: |exec format error/i.test(message)) return 126; // crun
  return undefined;
}

/**
 * How a run ended, from the runtime's exit and the OOM kills its cgroup counted. A grading run is
 * `out-of-memory` whenever the limit killed anything (`oom: 'any'`); an interactive session only
 * when its program itself was killed (`oom: 'program'`), since a shell outlives a killed child.
 * Throws SandboxError when the runtime itself failed.
 */
export function exitStatus(exit: RuntimeOutcome, oomKills: number, oom: 'any' | 'program'): ExitStatus {
  if (exit.stoppedFor !== undefined) return { reason: exit.stoppedFor, exitCode: null, signal: 'SIGKILL' };
  if (exit.status === null) {
    throw new SandboxError(`the OCI runtime was killed by ${exit.runtimeSignal ?? 'a signal'}`);
  }
  if (!exit.started) {
    const message = exit.runtimeError ?? exit.stderrText?.trim().split('\n').at(-1) ?? '';
    const status = execFailureStatus(message);
    if (status !== undefined) return { reason: 'exited', exitCode: status, signal: null };
    throw new SandboxError(`the OCI runtime could not start the run: ${message}`);
  }
  // runc and crun report death by signal n as 128+n, like a shell.
  const signal = exit.status > 128 ? signalNames.get(exit.status - 128) : undefined;
  const killedByLimit = oomKills > 0 && (oom === 'any' || signal === 'SIGKILL');
  const reason: EndReason = killedByLimit ? 'out-of-memory' : 'exited';
  return signal === undefined ? { reason, exitCode: exit.status, signal: null } : { reason, exitCode: null, signal };
}
