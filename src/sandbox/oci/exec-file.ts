import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Helpers that take longer than this are wedged (a hung mount, a stuck runtime): SIGKILL them. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Runs a helper program (mount, runc) to completion and collects its output. Never throws for a
 * non-zero exit: callers decide what a failure means; it rejects only if the program cannot start.
 * A helper still running after `timeoutMs` is killed and reported with signal SIGKILL.
 */
export function execFile(file: string, args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Like {@link execFile} but rejects with the program's stderr when it does not exit 0. */
export async function execFileOk(file: string, args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ExecResult> {
  const result = await execFile(file, args, timeoutMs);
  if (result.code !== 0) {
    const why = result.stderr.trim() || `exit ${result.code ?? result.signal ?? '?'}`;
    throw new Error(`${file} ${args[0] ?? ''} failed: ${why}`);
  }
  return result;
}
