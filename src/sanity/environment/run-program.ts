import { execFile } from 'node:child_process';

/** What a finished program said. */
export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when it could not be started or ran past the timeout. */
  error?: string;
}

/** Runs a program to completion (killed after `timeoutMs`); never rejects. */
export function runProgram(file: string, args: readonly string[], timeoutMs = 5_000): Promise<ProgramResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const failed = error !== null && typeof error.code !== 'number' ? (error.killed ? `no answer within ${timeoutMs} ms` : error.message) : undefined;
      resolve({ code, stdout, stderr, ...(failed === undefined ? {} : { error: failed }) });
    });
  });
}
