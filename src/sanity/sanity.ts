import { lintDockerfileFile } from './dockerfile/lint-dockerfile.ts';
import type { Finding } from './dockerfile/finding.ts';
import { runChecks, type Check, type CheckReport } from './environment/check.ts';

export interface SanityOptions {
  /** Path of the Dockerfile to lint (a regular file); undefined skips the lint. */
  dockerfile?: string;
  /** Environment checks to run (see `environmentChecks`); undefined skips them. */
  checks?: readonly Check[];
}

export interface DockerfileReport {
  path: string;
  findings: Finding[];
}

/** What `gradebox sanity` found; `null` marks a part that was skipped. */
export interface SanityReport {
  environment: CheckReport[] | null;
  dockerfile: DockerfileReport | null;
  /** No environment check failed and no finding is an error. */
  ok: boolean;
}

/**
 * Checks that this machine can grade (environment) and that a grader's Dockerfile avoids known
 * mistakes (lint), both at once. The CLI prints the report; the server can show the same.
 */
export async function runSanity(options: SanityOptions): Promise<SanityReport> {
  const [environment, findings] = await Promise.all([
    options.checks === undefined ? null : runChecks(options.checks),
    options.dockerfile === undefined ? null : lintDockerfileFile(options.dockerfile),
  ]);
  const dockerfile = options.dockerfile === undefined || findings === null ? null : { path: options.dockerfile, findings };
  return { environment, dockerfile, ok: !environmentFailed({ environment }) && !lintFailed({ dockerfile }) };
}

/** Whether an environment check failed (the machine cannot grade). */
export function environmentFailed(report: Pick<SanityReport, 'environment'>): boolean {
  return report.environment?.some((check) => check.status === 'fail') ?? false;
}

/** Whether the Dockerfile has an error-level finding. */
export function lintFailed(report: Pick<SanityReport, 'dockerfile'>): boolean {
  return report.dockerfile?.findings.some((finding) => finding.severity === 'error') ?? false;
}
