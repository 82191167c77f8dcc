import { stat } from 'node:fs/promises';
import { Command } from 'commander';
import type { Finding, Severity } from '../../sanity/dockerfile/finding.ts';
import type { CheckReport, CheckStatus } from '../../sanity/environment/check.ts';
import type { SanityReport } from '../../sanity/sanity.ts';
import { ExitCode } from '../exit-codes.ts';
import { runAction } from '../run-action.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

const DEFAULT_DOCKERFILE = 'Dockerfile';

interface SanityFlags {
  file?: string;
  skipEnvironment?: boolean;
  json?: boolean;
}

/** `gradebox sanity`: can this machine grade, and does the grader's Dockerfile avoid known mistakes? */
export function sanityCommand(): Command {
  return new Command('sanity')
    .description('Check that this machine can run graders, and lint a grader Dockerfile')
    .option('-f, --file <path>', 'Dockerfile to lint (default: ./Dockerfile when it exists)')
    .option('--skip-environment', 'skip the environment checks; only lint the Dockerfile')
    .option('--json', 'print one JSON document: { environment, dockerfile: { path, findings }, ok }')
    .addHelpText('after', `
Examples:
  gradebox sanity                              # environment, and ./Dockerfile if there is one
  gradebox sanity -f graders/python/Dockerfile --skip-environment
  gradebox sanity --json | jq '.dockerfile.findings[] | select(.severity == "error")'

Rules: docs/sanity.md. Silence one on an instruction with a comment above it: # gradebox-ignore GB030

Exit codes: 0 ok (warnings and info allowed), 1 the Dockerfile has an error-level finding,
2 usage error (e.g. -f names no file), 3 an environment check failed (this wins over 1).`)
    .action(runAction(async (signal, flags: SanityFlags) => {
      const dockerfile = await dockerfileToLint(flags.file);
      // Loaded here, not at CLI start: dockerfile-ast alone costs ~35 ms to load.
      const [{ runSanity }, { environmentChecks }] = await Promise.all([
        import('../../sanity/sanity.ts'), import('../../sanity/environment/environment-checks.ts'),
      ]);
      const report = await runSanity({
        dockerfile,
        checks: flags.skipEnvironment ? undefined : environmentChecks(),
      });
      signal.throwIfAborted();
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, flags)}\n`);
      if (environmentFailed(report)) return ExitCode.environment;
      // 1 is "not graded" for grade; for sanity it means the Dockerfile has an error-level finding.
      return report.dockerfile?.findings.some((f) => f.severity === 'error') ? ExitCode.graderError : ExitCode.ok;
    }));
}

/** The Dockerfile to lint: `-f` must name a regular file; without it, ./Dockerfile if present. */
async function dockerfileToLint(file: string | undefined): Promise<string | undefined> {
  const path = file ?? DEFAULT_DOCKERFILE;
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (file === undefined && error.code === 'ENOENT') return undefined;
    throw new UsageError(error.code === 'ENOENT' ? `Dockerfile ${path} does not exist` : `cannot read Dockerfile ${path}: ${error.message}`);
  });
  if (info === undefined) return undefined;
  if (!info.isFile()) {
    if (file === undefined) return undefined;
    throw new UsageError(`${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}; -f takes the Dockerfile itself`);
  }
  return path;
}

const CHECK_MARK: Record<CheckStatus, ['green' | 'yellow' | 'red', string]> = { pass: ['green', '✓'], warn: ['yellow', '!'], fail: ['red', '✗'] };
const SEVERITY_STYLE: Record<Severity, 'red' | 'yellow' | 'cyan'> = { error: 'red', warning: 'yellow', info: 'cyan' };

/** The report for a person at a terminal: grouped, coloured when stdout allows, with a summary line. */
function formatReport(report: SanityReport, flags: SanityFlags): string {
  const lines: string[] = [];
  if (report.environment !== null) {
    lines.push(paint('bold', 'Environment'), ...report.environment.flatMap(formatCheck), '');
  }
  if (report.dockerfile === null) {
    lines.push(paint('bold', 'Dockerfile lint'), `  ${paint('dim', flags.file === undefined ? 'skipped: no ./Dockerfile here (lint one with -f PATH)' : 'skipped')}`, '');
  } else {
    const { path, findings } = report.dockerfile;
    lines.push(paint('bold', `Dockerfile lint: ${path}`));
    // Same width for every `path:line`, so severities and ids line up.
    const width = Math.max(0, ...findings.map((f) => `${path}:${f.line}`.length));
    lines.push(...(findings.length === 0 ? [`  ${paint('green', '✓')} no findings`] : findings.flatMap((f) => formatFinding(path, f, width))), '');
  }
  lines.push(summary(report));
  return lines.join('\n');
}

function formatCheck(check: CheckReport): string[] {
  const lines = [`  ${paint(...CHECK_MARK[check.status])} ${check.title.padEnd(14)} ${check.detail}`];
  if (check.fix !== undefined && check.status !== 'pass') lines.push(`  ${' '.repeat(16)} ${paint('dim', 'fix:')} ${check.fix}`);
  return lines;
}

function formatFinding(path: string, finding: Finding, width: number): string[] {
  const where = `${path}:${finding.line}`.padEnd(width);
  return [
    `  ${where}  ${paint(SEVERITY_STYLE[finding.severity], finding.severity.padEnd(7))} ${paint('dim', finding.rule)}  ${finding.message}`,
    `  ${' '.repeat(width)}  ${paint('dim', 'fix:')} ${finding.fix}`,
  ];
}

function summary(report: SanityReport): string {
  const parts: string[] = [];
  if (report.environment !== null) {
    const count = (status: CheckStatus): number => report.environment?.filter((c) => c.status === status).length ?? 0;
    parts.push(`environment ${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed`);
  }
  if (report.dockerfile !== null) {
    const count = (severity: Severity): number => report.dockerfile?.findings.filter((f) => f.severity === severity).length ?? 0;
    parts.push(`Dockerfile ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info`);
  }
  const verdict = report.ok ? paint('green', 'ok') : paint('red', environmentFailed(report) ? 'this machine cannot grade' : 'fix the errors');
  return `${paint('bold', 'sanity:')} ${parts.length === 0 ? 'nothing checked' : parts.join('; ')}: ${verdict}`;
}

function environmentFailed(report: SanityReport): boolean {
  return report.environment?.some((check) => check.status === 'fail') ?? false;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
