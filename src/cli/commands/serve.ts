import { Command, Option } from 'commander';
import { join } from 'node:path';
import { DEFAULT_SUBMISSION_INTAKE_LIMITS } from '../../intake/intake-limits.ts';
import { DEFAULT_GRADER_LIMIT_RANGES, type GraderLimitRanges } from '../../platform/model.ts';
import { SANDBOX_BACKENDS } from '../../sandbox/open-sandbox.ts';
import { DEFAULT_TRAFFIC_LIMITS } from '../../server/traffic/traffic-limits.ts';
import { gradeboxHome } from '../../toolkit/gradebox-home.ts';
import { gradeboxVersion } from '../../version.ts';
import { ExitCode } from '../exit-codes.ts';
import { oneOf, positiveInteger } from '../option-parsers.ts';
import { rangeOption, type NumberRange } from '../range-option.ts';
import { runAction } from '../run-action.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

const MIB = 1024 * 1024;

interface ServeFlags {
  data?: string;
  host: string;
  port: number;
  workers: number | 'auto';
  database?: string;
  databaseSchema?: string;
  backend: (typeof SANDBOX_BACKENDS)[number];
  log: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  graderCpus: NumberRange;
  graderMemory: NumberRange;
  graderTimeout: NumberRange;
  defaultTimeout: number;
  maxSubmissionSize: number;
  maxSubmissionFiles: number;
  maxConnections?: number;
  maxConnectionsPerAddress: number;
  json?: boolean;
}

/** `gradebox serve`: the grading service (HTTP API and workers) on one machine. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the grading service: HTTP API, job queue and grading workers, on an embedded database')
    .option('--data <dir>', 'data directory: database, submissions, grader images (default: $GRADEBOX_HOME/server)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', port, 8080)
    .option('--workers <n|auto>', 'gradings run at once by this process: a number, auto (one per CPU) or 0 (API only)', workers, 'auto')
    .option('--database <url>', 'a postgres:// URL to use instead of the embedded SQLite file')
    .option('--database-schema <name>', 'PostgreSQL schema for gradebox\'s tables (created when missing)')
    .addOption(new Option('--backend <backend>', 'sandbox backend for the workers').argParser(oneOf('--backend', SANDBOX_BACKENDS)).default('auto'))
    .addOption(new Option('--log <level>', 'request log level on stderr').choices(['silent', 'error', 'warn', 'info', 'debug']).default('warn'))
    .option('--grader-cpus <min-max>', 'CPUs a grader version may reserve', rangeOption('--grader-cpus', false), rangeOf(DEFAULT_GRADER_LIMIT_RANGES.cpus))
    .option('--grader-memory <min-max>', 'memory (MiB) a grader version may reserve', rangeOption('--grader-memory', true), rangeOf(DEFAULT_GRADER_LIMIT_RANGES.memoryMiB))
    .option('--grader-timeout <min-max>', 'timeout (s) a grader version may set', rangeOption('--grader-timeout', true), rangeOf(DEFAULT_GRADER_LIMIT_RANGES.timeoutSeconds))
    .option('--default-timeout <s>', 'timeout of grader versions that set none', positiveInteger('--default-timeout'), DEFAULT_GRADER_LIMIT_RANGES.timeoutSeconds.default)
    .option('--max-submission-size <MiB>', 'largest submission upload', positiveInteger('--max-submission-size'), DEFAULT_SUBMISSION_INTAKE_LIMITS.maxUploadBytes / MIB)
    .option('--max-submission-files <n>', 'most files in one submission', positiveInteger('--max-submission-files'), DEFAULT_SUBMISSION_INTAKE_LIMITS.maxFiles)
    .option('--max-connections <n>', 'connections open at once, all clients together (default: half the open-file limit, at most 10000)', positiveInteger('--max-connections'))
    .option('--max-connections-per-address <n>', 'connections open at once from one address; 0 turns per-address limits off (behind a reverse proxy)', wholeNumber('--max-connections-per-address'), DEFAULT_TRAFFIC_LIMITS.maxConnectionsPerAddress)
    .option('--json', 'print the address (and a first start\'s admin token) as one JSON line')
    .addHelpText('after', `
On the first start with an empty data directory, the server creates the user "admin" and prints a
one-time token with every scope: keep it (e.g. \`gradebox login --server URL --token TOKEN\`).
Stop with Ctrl-C or SIGTERM: gradings still running are given back to the queue and run again on
the next start.

Examples:
  gradebox serve
  gradebox serve --data /srv/gradebox --host 0.0.0.0 --port 8080 --workers 4

Exit codes: 0 stopped cleanly, 1 failed to start (data directory in use, port taken), 2 usage error,
3 no sandbox works on this machine (use --workers 0 for an API-only server).`)
    .action(runAction(async (signal: AbortSignal, flags: ServeFlags) => serve(signal, flags)));
}

async function serve(signal: AbortSignal, flags: ServeFlags): Promise<number> {
  // The server's modules (fastify, database drivers) load only for this command.
  const { startServer } = await import('../../server/start-server.ts');
  const { DataDirBusy } = await import('../../server/data-dir.ts');
  let server;
  try {
    server = await startServer({
      dataDir: flags.data ?? join(gradeboxHome(), 'server'),
      host: flags.host,
      port: flags.port,
      workers: flags.workers,
      ...(flags.database !== undefined ? { databaseUrl: flags.database } : {}),
      ...(flags.databaseSchema !== undefined ? { databaseSchema: flags.databaseSchema } : {}),
      backend: flags.backend,
      graderLimits: graderLimits(flags),
      intakeLimits: {
        maxUploadBytes: flags.maxSubmissionSize * MIB,
        maxFiles: flags.maxSubmissionFiles,
        // Unpacked archives may be larger than the upload, but not without bound.
        maxUnpackedBytes: Math.max(DEFAULT_SUBMISSION_INTAKE_LIMITS.maxUnpackedBytes, 2 * flags.maxSubmissionSize * MIB),
      },
      traffic: {
        ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
        maxConnectionsPerAddress: flags.maxConnectionsPerAddress,
      },
      version: gradeboxVersion(),
      // stdout carries the address and token (scripts read it); the log goes to stderr.
      logger: flags.log === 'silent' ? false : { level: flags.log, stream: process.stderr },
    });
  } catch (error) {
    if (error instanceof DataDirBusy || isAddressInUse(error)) {
      process.stderr.write(`${paint('red', 'error:', process.stderr)} ${(error as Error).message}\n`);
      return ExitCode.graderError;
    }
    throw error;
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ url: server.url, adminToken: server.adminToken?.token ?? null })}\n`);
  } else {
    process.stdout.write(`gradebox serving ${server.url}\n`);
    if (server.adminToken) {
      process.stdout.write(
        `admin token (shown once, keep it safe): ${server.adminToken.token}\n  gradebox login --server ${server.url} --token ${server.adminToken.token}\n`,
      );
    }
  }
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  return ExitCode.ok;
}

function graderLimits(flags: ServeFlags): GraderLimitRanges {
  const { min, max } = flags.graderTimeout;
  if (flags.defaultTimeout < min || flags.defaultTimeout > max) {
    throw new UsageError(`--default-timeout ${flags.defaultTimeout} is outside --grader-timeout ${min}-${max}`);
  }
  return { cpus: flags.graderCpus, memoryMiB: flags.graderMemory, timeoutSeconds: { min, max, default: flags.defaultTimeout } };
}

function rangeOf(range: NumberRange): NumberRange {
  return { min: range.min, max: range.max };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  return n;
}

function wholeNumber(option: string): (value: string) => number {
  return (value) => (value.trim() === '0' ? 0 : positiveInteger(option)(value));
}

function workers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  if (value === '0') return 0;
  return positiveInteger('--workers')(value);
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}
