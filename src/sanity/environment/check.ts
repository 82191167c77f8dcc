/** The outcome of one environment check. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** What was found, in one line (versions, paths, figures). */
  detail: string;
  /** How to fix a warn or fail, in one line. */
  fix?: string;
}

/**
 * One environment check: whether this machine can grade, and if not, how to fix it. Checks are
 * independent and may run in parallel; `run` reports problems as a result and should not throw
 * (a throw is reported as a fail by `runChecks`). The server can reuse them for a health page.
 */
export interface Check {
  /** Stable id for --json and for the server, e.g. `oci-runtime`. */
  id: string;
  /** Short name for people, e.g. `OCI runtime`. */
  title: string;
  run(): Promise<CheckResult>;
}

/** A check's result with its id, title and how long it took. */
export interface CheckReport extends CheckResult {
  id: string;
  title: string;
  ms: number;
}

/** Runs the checks in parallel and returns their reports in the order given. */
export async function runChecks(checks: readonly Check[]): Promise<CheckReport[]> {
  return Promise.all(checks.map(async (check): Promise<CheckReport> => {
    const started = performance.now();
    let result: CheckResult;
    try {
      result = await check.run();
    } catch (error) {
      result = { status: 'fail', detail: `the check itself failed: ${(error as Error).message}`, fix: 'please report this as a gradebox bug' };
    }
    return { id: check.id, title: check.title, ...result, ms: Math.round(performance.now() - started) };
  }));
}
