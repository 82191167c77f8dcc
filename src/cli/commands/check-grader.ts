import { Command, Option } from 'commander';
import type { CaseReport, CheckSummary } from '../../grader-check/check-report.ts';
import { HOSTILE_CASE_IDS } from '../../grader-check/hostile-cases.ts';
import { MAX_TIMEOUT_SECONDS, resolveLimits, type Limits } from '../../sandbox/limits.ts';
import { SANDBOX_BACKENDS } from '../../sandbox/open-sandbox.ts';
import type { RunUser } from '../../sandbox/sandbox.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatCase, formatSummary } from '../format-grader-check.ts';
import { versionLabel } from '../format-server.ts';
import { envPair, oneOf, positiveInteger, positiveNumber, runUser, USER_OPTION_HELP } from '../option-parsers.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

interface CheckGraderFlags extends ServerFlags {
  remote?: boolean;
  sample?: string;
  case?: string[];
  saveCases?: string;
  partId?: string;
  points?: number;
  env?: Record<string, string>;
  protocol?: 'coursera' | 'gradescope';
  user?: RunUser;
  timeout?: number;
  memory?: number;
  cpus?: number;
  backend: (typeof SANDBOX_BACKENDS)[number];
  version?: string;
  draft?: boolean;
  json?: boolean;
}

/** Options that only the local check takes, and only the remote one. */
const LOCAL_ONLY = ['partId', 'points', 'env', 'protocol', 'user', 'memory', 'cpus'] as const;
const REMOTE_ONLY = ['version', 'draft', 'server'] as const;

/** `gradebox check-grader IMAGE` and `gradebox check-grader --remote COURSE ASSIGNMENT PART`. */
export function checkGraderCommand(): Command {
  return withServerOption(new Command('check-grader'))
    .description('Run a grader against built-in hostile and malformed submissions and report how it fared on each')
    .argument('<image-or-part...>', 'IMAGE (as `grade local` takes), or with --remote: COURSE ASSIGNMENT PART')
    .option('--remote', "check a grader version on the server (default: the part's newest draft), graded there as author test runs")
    .option('--sample <dir>', 'a good submission to derive the cases from (its files replaced by hostile ones in the same language, under the same names)')
    .option('--case <id>', `only this case (repeatable): ${HOSTILE_CASE_IDS.join(', ')}`, caseId)
    .option('--save-cases <dir>', "keep each case's submission in DIR/<case>/ (a new or empty folder), to reproduce one with `grade local`")
    .option('--part-id <id>', 'local: part id passed to the grader, as for `grade local`')
    .option('--points <n>', "local: the part's points, as for `grade local`", positiveNumber('--points'))
    .option('--env <KEY=VALUE>', 'local: extra environment variable for the grader (repeatable)', envPair)
    .addOption(new Option('--protocol <protocol>', 'local: grader protocol (default: detected, as for `grade local`)').argParser(oneOf('--protocol', ['coursera', 'gradescope'] as const)))
    .option('--user <user>', `local: ${USER_OPTION_HELP}`, runUser)
    .option('--timeout <seconds>', 'local: wall-clock limit of each case (default 120); --remote: give up waiting for the results after this long', positiveNumber('--timeout', MAX_TIMEOUT_SECONDS))
    .option('--memory <MiB>', 'local: memory limit of each case (default 1024)', positiveInteger('--memory'))
    .option('--cpus <n>', 'local: CPU limit of each case (default 1)', positiveNumber('--cpus'))
    .addOption(new Option('--backend <backend>', 'local: sandbox backend, oci, docker or auto, as for `grade local`').argParser(oneOf('--backend', SANDBOX_BACKENDS)).default('auto'))
    .option('--version <version>', '--remote: the grader version to check: its id, or its number (3 or v3)')
    .option('--draft', "--remote: the part's newest draft (the default)")
    .option('--json', 'print {…, cases: [{id, title, expect, verdict, reasons, result, submissionId}], summary} on stdout')
    .addHelpText('after', `
Each case is a submission a student could send: empty files, wrong names, an endless loop, a
fork bomb, a memory bomb, an output flood, a network attempt, a forged result, a huge file,
binary garbage, odd file names (docs/check-grader.md). Give --sample with a good submission, so
that the hostile code comes under the file names and in the language the grader expects.
A case is good when the student gets a sensible result with a message; bad when the grader
crashes (grader-error), the whole grading hits the time or memory limit or the output limit,
the student gets no message, a forged result is taken, or what the student sees shows the
grader's internals (its stack frames and paths).
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox check-grader grader.tar --sample ./solution --part-id sums
  gradebox check-grader grader.tar --case fork-bomb --case memory-bomb --backend docker
  gradebox check-grader --remote cs101 hw1 sums --sample ./solution
  gradebox check-grader --remote cs101 hw1 sums --version v3 --json | jq '.cases[] | select(.verdict == "bad")'

Exit codes: 0 no case was bad (every case handled or skipped), 1 a case was bad, or the image
cannot be used, or the server refused (no such part or version, no draft); 2 usage error, the
server busy or unreachable, or --timeout ran out (--remote); 3 sandbox or environment error;
130 interrupted.`)
    .action(runAction(async (signal, operands: string[], flags: CheckGraderFlags) => {
      const given = (names: readonly (keyof CheckGraderFlags)[]): string[] => names.filter((n) => flags[n] !== undefined).map(optionName);
      if (flags.remote) {
        if (operands.length !== 3) throw new UsageError(`--remote takes COURSE ASSIGNMENT PART (got ${operands.length} ${operands.length === 1 ? 'argument' : 'arguments'})`);
        const local = given(LOCAL_ONLY);
        if (local.length > 0) throw new UsageError(`${local.join(', ')} ${local.length === 1 ? 'is' : 'are'} for a local check; with --remote the grader version's own settings apply`);
        if (flags.version !== undefined && flags.draft) throw new UsageError('--version and --draft name different versions; give one');
        return remoteCheck(signal, operands as [string, string, string], flags);
      }
      if (operands.length !== 1) throw new UsageError(`check-grader takes one IMAGE (got ${operands.length} arguments); to check a version on a server, add --remote COURSE ASSIGNMENT PART`);
      const remote = given(REMOTE_ONLY);
      if (remote.length > 0) throw new UsageError(`${remote.join(', ')} ${remote.length === 1 ? 'needs' : 'need'} --remote`);
      return localCheck(signal, operands[0]!, flags);
    }));
}

async function localCheck(signal: AbortSignal, image: string, flags: CheckGraderFlags): Promise<number> {
  const [{ checkGraderLocal }, { prepareSaveDir }] = await Promise.all([import('../../toolkit/check-grader.ts'), import('../../grader-check/sample.ts')]);
  if (flags.saveCases !== undefined) await prepareSaveDir(flags.saveCases);
  // A case's line is printed between two progress lines: the spinner stops for it and starts again.
  let progress = flags.json ? undefined : progressReporter();
  try {
    const check = await checkGraderLocal({
      image,
      ...(flags.sample !== undefined ? { sampleDir: flags.sample } : {}),
      ...(flags.case !== undefined ? { cases: flags.case } : {}),
      ...(flags.saveCases !== undefined ? { saveDir: flags.saveCases } : {}),
      ...(flags.partId !== undefined ? { partId: flags.partId } : {}),
      ...(flags.points !== undefined ? { points: flags.points } : {}),
      env: flags.env ?? {},
      ...(flags.protocol ? { protocol: flags.protocol } : {}),
      ...(flags.user !== undefined ? { user: flags.user } : {}),
      limits: checkedLimits(flags),
      backend: flags.backend,
      signal,
      onProgress: (p) => progress?.update(p),
      onCase: (report) => {
        if (flags.json) return;
        progress?.stop();
        process.stdout.write(formatCase(report));
        progress = progressReporter();
      },
    });
    progress?.stop();
    if (flags.json) printJson(check);
    else process.stdout.write(formatSummary(check.summary));
    return finish(check.cases, check.summary);
  } finally {
    progress?.stop();
  }
}

async function remoteCheck(signal: AbortSignal, [course, assignment, part]: [string, string, string], flags: CheckGraderFlags): Promise<number> {
  const [{ checkGraderRemote }, { prepareSaveDir, sampleFiles }] = await Promise.all([import('../../client/check-grader-remote.ts'), import('../../grader-check/sample.ts')]);
  const sample = flags.sample === undefined ? [] : await sampleFiles(flags.sample);
  if (flags.saveCases !== undefined) await prepareSaveDir(flags.saveCases);
  const client = await connect(flags, signal);
  const progress = flags.json ? undefined : progressReporter();
  let check;
  try {
    check = await checkGraderRemote(client, {
      target: { course, assignment, part },
      wanted: flags.version !== undefined ? { version: flags.version } : { draft: true },
      sample,
      ...(flags.case !== undefined ? { cases: flags.case } : {}),
      ...(flags.saveCases !== undefined ? { saveDir: flags.saveCases } : {}),
      signal,
      ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout * 1000 } : {}),
      onProgress: (p) => progress?.update({ phase: `checking: ${p.done} of ${p.total} cases graded${p.phases ? `; ${p.phases}` : ''}`, done: 0 }),
    });
  } finally {
    progress?.stop();
  }
  if (flags.json) {
    printJson(check);
  } else {
    const v = check.version;
    process.stdout.write(`${paint('bold', `${course}/${assignment}/${part}`)}: grader ${versionLabel(v)} ${v.id}, chosen as ${check.chosenBy}; ` +
      `${v.cpus} CPU, ${v.memoryMiB} MiB, ${v.timeoutSeconds} s, ${v.protocol ?? 'protocol detected'}\n`);
    for (const report of check.cases) process.stdout.write(formatCase(report));
    process.stdout.write(formatSummary(check.summary));
  }
  return finish(check.cases, check.summary);
}

function finish(cases: readonly CaseReport[], summary: CheckSummary): number {
  if (summary.allHandled) return ExitCode.ok;
  const bad = cases.filter((c) => c.verdict === 'bad').map((c) => c.id);
  process.stderr.write(`${paint('red', 'error:', process.stderr)} the grader mishandled ${bad.length} ${bad.length === 1 ? 'case' : 'cases'}: ${bad.join(', ')}\n`);
  return ExitCode.graderError;
}

/** The limits the options ask for; one the sandbox cannot honour (e.g. --memory 5) is a usage error, not a crash. */
function checkedLimits(flags: CheckGraderFlags): Partial<Limits> {
  const limits: Partial<Limits> = {
    ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
    ...(flags.memory !== undefined ? { memoryMiB: flags.memory } : {}),
    ...(flags.cpus !== undefined ? { cpus: flags.cpus } : {}),
  };
  try {
    resolveLimits(limits);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const names: Record<string, string> = { timeoutSeconds: '--timeout', memoryMiB: '--memory', cpus: '--cpus' };
    throw new UsageError(error.message.replace(/^limit (\w+)/, (whole, key: string) => names[key] ?? whole), { cause: error });
  }
  return limits;
}

function optionName(flag: string): string {
  return `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const knownCase = oneOf('--case', HOSTILE_CASE_IDS);

function caseId(value: string, previous: string[] = []): string[] {
  return [...previous, knownCase(value)];
}
