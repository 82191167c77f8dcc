import { PROTOCOL_NAMES, type Protocol } from '../../grader/protocol-names.ts';
import { Command, Option } from 'commander';
import { gradeLocal } from '../../toolkit/grade-local.ts';
import { MAX_TIMEOUT_SECONDS, resolveLimits, type Limits } from '../../sandbox/limits.ts';
import { SANDBOX_BACKENDS } from '../../sandbox/open-sandbox.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatGradeResult } from '../format-grade-result.ts';
import { gradingNotes } from '../grading-notes.ts';
import { autogradeEnvJson, collect, envJson, envPair, oneOf, scriptProtocol, positiveInteger, positiveNumber, runUser, USER_OPTION_HELP } from '../option-parsers.ts';
import type { RunUser } from '../../sandbox/sandbox.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { UsageError } from '../usage-error.ts';

interface GradeLocalFlags {
  partId?: string;
  points?: number;
  env?: Record<string, string>;
  envJson?: Record<string, string>;
  timeout?: number;
  memory: number;
  cpus: number;
  protocol?: Protocol;
  script?: string;
  scriptArg?: string[];
  autogradeEnv?: Record<string, unknown>;
  user?: RunUser;
  backend: (typeof SANDBOX_BACKENDS)[number];
  rm: boolean;
  json?: boolean;
}

/** `gradebox grade local IMAGE SUBMISSION_DIR [ARGS...]`: grade exactly as production will. */
export function gradeLocalCommand(): Command {
  return new Command('local')
    .description('Grade a submission directory with a grader image, in the production sandbox')
    .argument('<image>', 'docker save tarball, OCI layout (dir or tar), or an image name in the local Docker daemon')
    .argument('<submission-dir>', 'directory holding the submission files')
    .argument('[args...]', 'extra arguments for the grader entrypoint (e.g. the part id); put them after --')
    .option('--part-id <id>', 'part id passed to the grader (env partId, and the arguments "partId ID" when no ARGS are given)')
    .option('--points <n>', "the part's points: Gradescope's total_points, and what a score without tests' max_score is taken out of", positiveNumber('--points'))
    .option('--env <KEY=VALUE>', 'extra environment variable for the grader (repeatable)', envPair)
    .option('--env-json <json>', 'extra environment variables as a JSON object', envJson)
    .option('--timeout <seconds>', 'wall-clock limit, the whole process tree killed after it; script graders 180 (default: 1200)', positiveNumber('--timeout', MAX_TIMEOUT_SECONDS))
    .option('--memory <MiB>', 'memory limit (swap included)', positiveInteger('--memory'), 1024)
    .option('--cpus <n>', 'CPU limit, fractions allowed', positiveNumber('--cpus'), 1)
    .addOption(
      new Option('--protocol <protocol>', 'grader protocol (default: script with --script, gradescope when /autograder/run_autograder exists, else coursera)')
        .argParser(oneOf('--protocol', PROTOCOL_NAMES)),
    )
    .option('--script <path>', "script graders: the grading script in the image, absolute or relative to /home/codio/workspace (e.g. .guides/secure/grade.py)")
    .option('--script-arg <arg>', "script graders: an argument for the script, e.g. a deadline 2016-11-24T14:30 (repeatable)", collect)
    .option('--autograde-env <json>', "script graders: CODIO_AUTOGRADE_ENV to simulate (a JSON object or a file), merged over the defaults", autogradeEnvJson)
    .option('--user <user>', USER_OPTION_HELP, runUser)
    .addOption(
      new Option('--backend <backend>', 'sandbox backend: oci (runc/crun, needs root), docker (a Docker daemon, DOCKER_HOST honoured), or auto (oci when a runtime works here, else docker)')
        .argParser(oneOf('--backend', SANDBOX_BACKENDS)).default('auto'),
    )
    .option('--no-rm', "keep the run's scratch files (shared dir, writable layer) for debugging")
    .option('--json', 'print the full GradeResult as JSON on stdout')
    .addHelpText('after', `
Examples:
  gradebox grade local grader.tar ./submission
  gradebox grade local ./oci-layout ./submission --part-id hello -- --verbose
  gradebox grade local gradescope-grader.tar ./submission --points 20
  gradebox grade local my-grader:1.0 ./submission --memory 2048 --timeout 60 --json
  gradebox grade local grader.tar ./submission --backend docker

Exit codes: 0 graded, 1 not graded (grader error, timeout, out of memory, output limit, bad image),
2 usage error, 3 sandbox or environment error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).`)
    .action(runAction(async (signal, image: string, submissionDir: string, args: string[], flags: GradeLocalFlags) => {
      const protocol = scriptProtocol(flags, true);
      const limits = checkedLimits({ ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}), memoryMiB: flags.memory, cpus: flags.cpus });
      const progress = flags.json ? undefined : progressReporter();
      try {
        const result = await gradeLocal({
          image,
          submissionDir,
          args: [...(flags.scriptArg ?? []), ...args],
          partId: flags.partId,
          points: flags.points,
          env: { ...flags.envJson, ...flags.env },
          protocol,
          ...(flags.script !== undefined ? { script: { path: flags.script, ...(flags.autogradeEnv ? { autogradeEnv: flags.autogradeEnv } : {}) } } : {}),
          ...(flags.user !== undefined ? { user: flags.user } : {}),
          limits,
          backend: flags.backend,
          keep: !flags.rm,
          signal,
          onProgress: progress?.update,
        });
        progress?.stop();
        process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatGradeResult(result)}\n`);
        if (result.keptAt) process.stderr.write(`run files kept at ${result.keptAt}\n`);
        // Say why (and what to try) on stderr too, so it shows when stdout goes to a file or to jq.
        process.stderr.write(gradingNotes(result, { partIdGiven: flags.partId !== undefined, args }));
        return result.status === 'graded' ? ExitCode.ok : ExitCode.graderError;
      } finally {
        progress?.stop();
      }
    }));
}

/** The limits as the sandbox will apply them; a value it refuses (e.g. --memory 5) is a usage error, not a crash. */
function checkedLimits(limits: Partial<Limits>): Partial<Limits> {
  const options: Partial<Record<keyof Limits, string>> = { timeoutSeconds: '--timeout', memoryMiB: '--memory', cpus: '--cpus' };
  try {
    resolveLimits(limits);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const message = error.message.replace(/^limit (\w+)/, (whole, key: string) => options[key as keyof Limits] ?? whole);
    throw new UsageError(message, { cause: error });
  }
  return limits;
}
