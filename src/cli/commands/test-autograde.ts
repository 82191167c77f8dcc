import { Command } from 'commander';
import { parsePartResult, runAutogradeTests, type AutogradeSampleRun } from '../../client/autograde-test-runs.ts';
import { MAX_TIMEOUT_SECONDS } from '../../sandbox/limits.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatGradeResult } from '../format-grade-result.ts';
import { table } from '../format-server.ts';
import { positiveNumber } from '../option-parsers.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine, safeText } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface TestAutogradeFlags extends ServerFlags {
  version?: string;
  partResult?: Record<string, unknown>;
  timeout?: number;
  json?: boolean;
}

/** `--part-result PART=…`, repeatable: the simulated results by part. */
function partResultOption(value: string, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  try {
    return parsePartResult(value, previous);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `gradebox test-autograde COURSE ASSIGNMENT SAMPLE...`: Codio's "Test Autograde Script" on the server. */
export function testAutogradeCommand(): Command {
  return withServerOption(new Command('test-autograde'))
    .description("Run an assignment's autograde script (default: its newest draft) on sample submissions with part results you simulate, as author test runs")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id (autograde: script)')
    .argument('<sample...>', 'samples, each one run: a folder (its files), a file, or a .zip/.tar/.tar.gz archive')
    .option('--part-result <part=result>', "a part's simulated result, repeatable: PART=POINTS (3, 2.5), PART=N% of its points, or PART=ungraded (not answered); parts not given get full points", partResultOption)
    .option('--version <version>', 'the autograde grader version to run: its id, or its number (3 or v3), any status; default the newest draft')
    .option('--timeout <seconds>', 'give up waiting for the runs after this long (they go on)', positiveNumber('--timeout', MAX_TIMEOUT_SECONDS))
    .option('--json', 'print {course, assignment, samples: [{sample, test, refused}]} on stdout (test: id, grader, parts, status, grade, detail, result)')
    .addHelpText('after', `
Codio's "Test Autograde Script" before you publish: each SAMPLE is stored as an author-test
submission and the assignment's autograde grader (the script uploaded with gradebox upload IMAGE
COURSE ASSIGNMENT --autograde --script PATH) runs on it at author-test priority, with
CODIO_AUTOGRADE_ENV built from the part results given here instead of graded ones. No part
grader runs and no student's grade changes. For each sample: the parts as the script saw them,
the grade it reported (0-100) or why there is none, its feedback, and the whole result with the
script's stdout and stderr (shown inertly: see README "Text from graders on your terminal").
Needs a token with the author scope and a staff role in the course. To test a part's grader,
use gradebox test-grader.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox test-autograde cs101 unit1 ./samples/good
  gradebox test-autograde cs101 unit1 --part-result p1=3 --part-result p2=ungraded ./samples/good
  gradebox test-autograde cs101 unit1 --part-result p1=50% --version v2 ./samples/good --json | jq '.samples[].test.grade'

Exit codes: 0 every run reported a grade (whatever it is), 1 a run ended without a grade (the
script failed or reported none, a timeout, …) or a sample was refused, or the server refused the
request (not a script assignment, no autograde grader, no draft, a part or points it does not
take); 2 usage error, the server busy or unreachable, or --timeout ran out; 130 interrupted.`)
    .action(runAction(async (signal, course: string, assignment: string, samples: string[], flags: TestAutogradeFlags) => {
      if (flags.version !== undefined && flags.version.trim() === '') throw new UsageError('--version takes a version id or number');
      const client = await connect(flags, signal);
      const progress = flags.json ? undefined : progressReporter();
      let runs: AutogradeSampleRun[];
      try {
        runs = await runAutogradeTests(client, { course, assignment }, samples.map((sample) => ({ label: sample, paths: [sample] })), {
          ...(flags.version !== undefined ? { version: flags.version } : {}),
          ...(flags.partResult !== undefined ? { partResults: flags.partResult } : {}),
          ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout * 1000 } : {}),
          signal,
          onProgress: (p) => progress?.update({ phase: `autograde test runs: ${p.done} of ${p.total} done${p.running > 0 ? `; ${p.running} running` : ''}`, done: 0 }),
        });
      } finally {
        progress?.stop();
      }
      if (flags.json) printJson({ course, assignment, samples: runs.map((run) => ({ sample: run.label, test: run.test ?? null, refused: run.refused ?? null })) });
      else process.stdout.write(humanReport(course, assignment, runs));
      const failed = runs.filter((run) => run.test?.status !== 'graded');
      if (failed.length > 0) {
        const what = failed.map((run) => `${safeLine(run.label)} (${run.refused ? 'refused' : (run.test?.result?.status ?? run.test?.status ?? 'no result')})`).join(', ');
        process.stderr.write(`${paint('red', 'error:', process.stderr)} no grade reported: ${what}\n`);
        return ExitCode.failed;
      }
      return ExitCode.ok;
    }));
}

function humanReport(course: string, assignment: string, runs: readonly AutogradeSampleRun[]): string {
  const grader = runs.find((run) => run.test)?.test?.grader;
  const head = `${paint('bold', `${course}/${assignment} autograde`)}` +
    (grader ? `: grader v${grader.number} (${grader.status}) ${grader.id}; script ${safeLine(grader.script?.path ?? '?')}; ${grader.cpus} CPU, ${grader.memoryMiB} MiB, ${grader.timeoutSeconds} s` : '') + '\n';
  const rows = [
    ['SAMPLE', 'RUN', 'STATUS', 'GRADE'],
    ...runs.map((run) => [safeLine(run.label), run.test?.id ?? '—', run.refused ? 'refused' : (run.test?.status ?? '—'), run.test?.grade == null ? '—' : String(run.test.grade)]),
  ];
  return `${head}${runs.map(sampleReport).join('')}\n${paint('bold', 'Summary:')}\n${table(rows)}`;
}

function sampleReport(run: AutogradeSampleRun): string {
  const title = `\n${paint('bold', `── sample ${safeLine(run.label)}`)}${run.test ? ` (run ${run.test.id}, sample ${run.test.submissionId})` : ''}\n`;
  if (run.refused) return `${title}${paint('red', 'refused by the server')}: ${safeLine(run.refused.message)} (HTTP ${run.refused.status} ${run.refused.code})\n`;
  const { test } = run;
  const parts = test.parts.map((p) => `${p.part} ${p.earned === null ? 'ungraded' : `${p.earned}/${p.points}`}`).join(', ');
  const lines = [`Simulated part results: ${parts}`];
  if (test.status === 'graded') lines.push(`${paint('green', paint('bold', 'grade'))} ${paint('bold', String(test.grade))} (of 100, as the script reported it)`);
  else lines.push(`${paint('red', paint('bold', 'no grade'))}: ${safeText(test.detail ?? 'the script reported none')}`);
  if (test.lastError !== null) lines.push(paint('dim', `system errors on the way: ${safeLine(test.lastError)}`));
  return `${title}${lines.join('\n')}\n${test.result ? `${formatGradeResult(test.result)}\n` : ''}`;
}
