import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SandboxError } from '../sandbox.ts';

const KILL_RETRY_MS = 25;
// If the runtime is still there this long after the run was killed, it is wedged: kill it too.
const RUNTIME_KILL_MS = 5000;

/** What `<runtime> run` ended with, as the supervisor saw it. */
export interface RuntimeExit {
  /** Exit status of `<runtime> run`: the program's status, or 128+n when it died of signal n. */
  status: number | null;
  /** Set when the runtime itself died of a signal. */
  runtimeSignal: NodeJS.Signals | null;
}

/**
 * Stops one supervised run on request (timeout, output flood, abort): kills every process of the
 * run through `kill` (its cgroup) until the runtime exits, and SIGKILLs a runtime that is still
 * there long after. The first reason given wins; nothing happens once the runtime has exited.
 */
export class RunStopper<Reason extends string> {
  #reason: Reason | undefined;
  #exited = false;
  #retry: NodeJS.Timeout | undefined;
  #escalation: NodeJS.Timeout | undefined;
  private readonly killRuntime: () => void;
  private readonly pidFile: string;
  private readonly kill: () => Promise<void>;

  /**
   * `killRuntime` SIGKILLs the runtime process itself; `kill` kills every process of the run (its
   * cgroup).
   */
  constructor(killRuntime: () => void, pidFile: string, kill: () => Promise<void>) {
    this.killRuntime = killRuntime;
    this.pidFile = pidFile;
    this.kill = kill;
  }

  /** Why the run was stopped, if it was. */
  get reason(): Reason | undefined {
    return this.#reason;
  }

  stop(reason: Reason): void {
    if (this.#reason !== undefined || this.#exited) return;
    this.#reason = reason;
    this.#killOnce();
    // Keep at it until the runtime exits: the first try may come before the container exists.
    this.#retry = setInterval(() => this.#killOnce(), KILL_RETRY_MS);
    this.#escalation = setTimeout(() => this.killRuntime(), RUNTIME_KILL_MS);
  }

  /** The runtime has exited: stop trying. */
  exited(): void {
    this.#exited = true;
    clearInterval(this.#retry);
    clearTimeout(this.#escalation);
  }

  #killOnce(): void {
    // Only once the runtime has written the pid file: the container is then fully started and
    // the runtime reaps whatever dies. Killing its setup processes earlier strands them as
    // zombies of the host's init; a runtime that fails before that exits on its own.
    if (!this.#exited && existsSync(this.pidFile)) void this.kill().catch(() => undefined);
  }
}

/**
 * Resolves when the runtime process has exited and, if `closed` is given, once that has resolved
 * too (e.g. the output pipes are drained). Rejects with a SandboxError if it cannot be started.
 */
export function runtimeExit(child: ChildProcess, path: string, closed?: () => Promise<void>): Promise<RuntimeExit> {
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new SandboxError(`cannot start ${path}: ${error.message}`, undefined, { cause: error })));
    child.once('exit', (status, runtimeSignal) => {
      if (closed === undefined) resolve({ status, runtimeSignal });
      else void closed().then(() => resolve({ status, runtimeSignal }));
    });
  });
}

/** The runtime's last error message from its log (runc writes JSON lines, crun plain text). */
export async function runtimeError(logFile: string): Promise<string | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) errors.push(entry.msg);
    } catch {
      // Not a JSON log line (crun writes plain text).
      if (line.trim()) errors.push(line.trim());
    }
  }
  return errors.at(-1);
}
