import { constants } from 'node:os';
import { isatty } from 'node:tty';
import { PROTOCOL_NAMES, type Protocol } from '../../grader/protocol-names.ts';
import { Command, Option } from 'commander';
import { MAX_TIMEOUT_SECONDS, resolveLimits, type Limits } from '../../sandbox/limits.ts';
import { SANDBOX_BACKENDS } from '../../sandbox/open-sandbox.ts';
import { inspect, type InspectResult, type InspectSession } from '../../toolkit/inspect.ts';
import { ExitCode } from '../exit-codes.ts';
import { Interrupted } from '../interrupt.ts';
import { autogradeEnvJson, collect, envJson, envPair, oneOf, scriptProtocol, positiveInteger, positiveNumber, runUser, USER_OPTION_HELP } from '../option-parsers.ts';
import type { RunUser } from '../../sandbox/sandbox.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

/** Exit code when `--timeout` ended the session, as timeout(1) uses. */
export const TIMEOUT_EXIT_CODE = 124;

interface InspectFlags {
  submission?: string;
  shell?: string;
  protocol?: Protocol;
  script?: string;
  scriptArg?: string[];
  autogradeEnv?: Record<string, unknown>;
  superUser?: boolean;
  user?: RunUser;
  unlimitedMemory?: boolean;
  memory: number;
  cpus: number;
  timeout?: number;
  allowNetwork?: boolean;
  partId?: string;
  env?: Record<string, string>;
  envJson?: Record<string, string>;
  backend: (typeof SANDBOX_BACKENDS)[number];
  rm: boolean;
}

/** `gradebox inspect IMAGE`: an interactive shell in the sandbox a grading of IMAGE gets. */
export function inspectCommand(): Command {
  return new Command('inspect')
    .description('Open a shell in the production sandbox of a grader image, with the protocol\'s layout (and a submission)')
    .argument('<image>', 'docker save tarball, OCI layout (dir or tar), or an image name in the local Docker daemon')
    .option('-d, --submission <dir>', 'submission folder, placed where grading puts it (read-only /shared/submission, or /autograder/submission)')
    .option('--shell <path>', 'shell to run: an absolute path or a name on the image\'s PATH (default: /bin/bash if the image has it, else /bin/sh)', shellArgument)
    .addOption(
      new Option('--protocol <protocol>', 'layout to reproduce (default: gradescope when /autograder/run_autograder exists, else coursera)')
        .argParser(oneOf('--protocol', PROTOCOL_NAMES)),
    )
    .option('--script <path>', 'script graders: the grading script (the banner shows how to run it; implies --protocol script)')
    .option('--script-arg <arg>', 'script graders: an argument for the script (repeatable)', collect)
    .option('--autograde-env <json>', 'script graders: CODIO_AUTOGRADE_ENV to simulate (a JSON object or a file), merged over the defaults', autogradeEnvJson)
    .option('--super-user', 'run as root inside the sandbox (uid 0 of its own user namespace, never host root): a container root\'s capabilities there, seccomp and no_new_privs as always')
    .addOption(new Option('--user <user>', USER_OPTION_HELP).argParser(runUser).conflicts('superUser'))
    .addOption(new Option('--unlimited-memory', "let the session use the host's RAM instead of --memory").conflicts('memory'))
    .option('--memory <MiB>', 'memory limit (swap included)', positiveInteger('--memory'), 1024)
    .option('--cpus <n>', 'CPU limit, fractions allowed', positiveNumber('--cpus'), 1)
    .option('--timeout <seconds>', 'end the session after this long (default: no limit)', positiveNumber('--timeout', MAX_TIMEOUT_SECONDS))
    .option('--allow-network', "give the session network access (the oci backend shares the host's network)")
    .option('--part-id <id>', 'part id, as grading passes it (env partId)')
    .option('--env <KEY=VALUE>', 'extra environment variable (repeatable)', envPair)
    .option('--env-json <json>', 'extra environment variables as a JSON object', envJson)
    .addOption(new Option('--backend <backend>', 'sandbox backend').argParser(oneOf('--backend', SANDBOX_BACKENDS)).default('auto'))
    .option('--no-rm', "keep the session's scratch files (shared dir, writable layer) afterwards; their path is printed")
    .addHelpText('after', `
With a terminal on stdin the shell gets a terminal of its own (prompt, line editing, Ctrl-C,
window size); otherwise it reads commands from stdin:  echo 'ls /shared' | gradebox inspect IMAGE

Examples:
  gradebox inspect grader.tar
  gradebox inspect grader.tar -d ./submission
  gradebox inspect grader.tar -d ./submission --super-user --shell /bin/sh

Exit codes: the shell's exit code (128+n if it died of signal n); 124 --timeout ended it;
1 the image cannot be used or has no such shell, 2 usage error (or an unusable -d folder),
3 sandbox or environment error, 129/130/143 gradebox got SIGHUP/SIGINT/SIGTERM.`)
    .action(runAction(async (signal, image: string, flags: InspectFlags) => {
      const limits = checkedLimits({ memoryMiB: flags.memory, cpus: flags.cpus, timeoutSeconds: flags.timeout });
      const hangup = hangupSignal();
      const stop = AbortSignal.any([signal, hangup.signal]);
      const terminal = isatty(0);
      const progress = progressReporter();
      try {
        const result = await inspect({
          image,
          submissionDir: flags.submission,
          shell: flags.shell,
          protocol: scriptProtocol(flags, false),
          ...(flags.script !== undefined || flags.autogradeEnv !== undefined
            ? { script: { ...(flags.script !== undefined ? { path: flags.script } : {}), args: flags.scriptArg ?? [], ...(flags.autogradeEnv ? { autogradeEnv: flags.autogradeEnv } : {}) } }
            : {}),
          superUser: flags.superUser === true,
          ...(flags.user !== undefined ? { user: flags.user } : {}),
          network: flags.allowNetwork === true,
          keep: !flags.rm,
          limits,
          unlimitedMemory: flags.unlimitedMemory === true,
          env: { ...flags.envJson, ...flags.env },
          partId: flags.partId,
          backend: flags.backend,
          io: { terminal },
          signal: stop,
          onProgress: progress.update,
          onStart: (session) => {
            progress.stop();
            for (const warning of session.warnings) say(`${paint('yellow', 'warning:', process.stderr)} ${warning}`);
            if (terminal) say(banner(session));
          },
        });
        return report(result, stop);
      } catch (error) {
        if (stop.reason instanceof Interrupted) return stop.reason.exitCode;
        throw error;
      } finally {
        progress.stop();
        hangup.dispose();
      }
    }));
}

function shellQuote(word: string): string {
  return /^[\w./:=@-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The exit code for how the session ended; says why on stderr when it was not the shell's own doing. */
function report(result: InspectResult, stop: AbortSignal): number {
  const { session } = result;
  if (result.keptAt !== undefined) say(`session files kept at ${result.keptAt}`);
  const err = paint('red', 'error:', process.stderr);
  switch (result.reason) {
    case 'killed':
      return stop.reason instanceof Interrupted ? stop.reason.exitCode : ExitCode.interrupted;
    case 'timeout':
      say(`${err} the session reached its --timeout of ${session.limits.timeoutSeconds} s and was stopped`);
      return TIMEOUT_EXIT_CODE;
    case 'out-of-memory':
      say(`${err} the shell was killed: the session reached its memory limit of ${session.limits.memoryMiB} MiB`);
      break;
    case 'exited':
      if (result.oomKills > 0) say(`note: the memory limit of ${session.limits.memoryMiB} MiB killed ${result.oomKills} process(es) during the session`);
  }
  if (result.exitCode !== null) return result.exitCode;
  const number = result.signal === null ? undefined : constants.signals[result.signal as NodeJS.Signals];
  return number === undefined ? ExitCode.graderError : 128 + number;
}

function banner(session: InspectSession): string {
  const who = session.user.uid === 0 ? 'root (uid 0 of the sandbox\'s user namespace)' : `uid ${session.user.uid}`;
  const where = session.submissionAt !== undefined ? `, submission at ${session.submissionAt}` : `, volumes ${session.volumes.join(' ')}`;
  const run = session.scriptCommand === undefined ? '' : `; grade with: ${session.scriptCommand.map(shellQuote).join(' ')}`;
  return `gradebox: ${session.shell} as ${who}, ${session.protocol} layout${where}${run}; exit or Ctrl-D ends the session`;
}

/** A line on stderr; a terminal that is gone (SIGHUP) must not turn cleanup into a crash. */
function say(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // Nowhere to report it.
  }
}

/**
 * An AbortSignal for SIGHUP (the terminal was closed): without a handler Node would exit at once
 * and leave the session's container, mounts and cgroups behind.
 */
function hangupSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onHangup = (): void => controller.abort(new Interrupted('SIGHUP'));
  process.on('SIGHUP', onHangup);
  // Writes to a closed terminal fail with EIO; they must not become an uncaught exception.
  const ignore = (): void => undefined;
  process.stderr.on('error', ignore);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGHUP', onHangup);
      process.stderr.off('error', ignore);
    },
  };
}

/** `--shell`: an absolute path, or a command name to look up on the image's PATH. */
function shellArgument(value: string): string {
  if (value === '' || value.includes('\0') || (value.includes('/') && !value.startsWith('/'))) {
    throw new UsageError(`--shell takes an absolute path (/bin/sh) or a command name (bash), got "${value}"`);
  }
  return value;
}

/** The limits as the sandbox will apply them; a value it refuses (e.g. --memory 5) is a usage error. */
function checkedLimits(limits: Partial<Limits>): Partial<Limits> {
  const names: Partial<Record<keyof Limits, string>> = { timeoutSeconds: '--timeout', memoryMiB: '--memory', cpus: '--cpus' };
  try {
    resolveLimits(limits);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(error.message.replace(/^limit (\w+)/, (whole, key: string) => names[key as keyof Limits] ?? whole), { cause: error });
  }
  return limits;
}
