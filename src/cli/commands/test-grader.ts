import { Command } from 'commander';
import { runAuthorTests, type AuthorTestRuns, type SampleRun } from '../../client/author-test-runs.ts';
import { MAX_TIMEOUT_SECONDS } from '../../sandbox/limits.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatGradeResult } from '../format-grade-result.ts';
import { formatPartOutcome, percent, table, versionLabel } from '../format-server.ts';
import { positiveNumber } from '../option-parsers.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface TestGraderFlags extends ServerFlags {
  version?: string;
  draft?: boolean;
  timeout?: number;
  json?: boolean;
}

/** `gradebox test-grader COURSE ASSIGNMENT PART SAMPLE...`: grade staff's samples with a grader version on the server. */
export function testGraderCommand(): Command {
  return withServerOption(new Command('test-grader'))
    .description("Grade sample submissions with a part's grader version on the server (default: its newest draft), as author test runs")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .argument('<part>', 'part id')
    .argument('<sample...>', 'samples, each one submission: a folder (its files), a file, or a .zip/.tar/.tar.gz archive')
    .option('--version <version>', 'the grader version to test: its id, or its number (3 or v3)')
    .option('--draft', "the part's newest draft (the default)")
    .option('--timeout <seconds>', 'give up waiting for the results after this long (grading goes on)', positiveNumber('--timeout', MAX_TIMEOUT_SECONDS))
    .option('--json', 'print {course, assignment, part, version, chosenBy, samples: [{sample, submissionId, result, refused}]} on stdout')
    .addHelpText('after', `
Each SAMPLE is sent as an author test run of PART, pinned to the grader version: graded at
author-test priority, never counted as a student's submission, whatever the version's status
(draft, published or superseded). For each sample the result is shown in full: status, score and
points, feedback, tests, the problems and warnings found in the grader's output, and the
grader's stdout and stderr (shown inertly: see README "Text from graders on your terminal").
Needs a token with the author scope and a staff role in the course. To test an assignment's
autograde script with simulated part results, use gradebox test-autograde.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox test-grader cs101 hw1 sums ./samples/good ./samples/wrong ./samples/empty.zip
  gradebox test-grader cs101 hw1 sums --version v2 ./samples/good --json | jq '.samples[].result.score'

Exit codes: 0 every sample graded (status graded, whatever the score), 1 a sample not graded
(grader error, timeout, …) or refused by the server, no such part or version, no draft;
2 usage error, the server busy or unreachable, or --timeout ran out; 130 interrupted.`)
    .action(runAction(async (signal, course: string, assignment: string, part: string, samples: string[], flags: TestGraderFlags) => {
      if (flags.version !== undefined && flags.draft) throw new UsageError('--version and --draft name different versions; give one');
      const client = await connect(flags, signal);
      const progress = flags.json ? undefined : progressReporter();
      let tested: AuthorTestRuns;
      try {
        tested = await runAuthorTests(client, { course, assignment, part }, samples.map((sample) => ({ label: sample, paths: [sample] })), {
          wanted: flags.version !== undefined ? { version: flags.version } : { draft: true },
          signal,
          ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout * 1000 } : {}),
          onProgress: (p) => progress?.update({ phase: `grading samples: ${p.done} of ${p.total} done${p.phases ? `; ${p.phases}` : ''}`, done: 0 }),
        });
      } finally {
        progress?.stop();
      }
      if (flags.json) printJson(jsonReport(tested));
      else process.stdout.write(humanReport(tested));
      const failed = tested.runs.filter((run) => run.outcome?.result?.status !== 'graded');
      if (failed.length > 0) {
        const what = failed.map((run) => `${safeLine(run.label)} (${run.refused ? 'refused' : (run.outcome?.result?.status ?? 'no result')})`).join(', ');
        process.stderr.write(`${paint('red', 'error:', process.stderr)} not graded: ${what}\n`);
        return ExitCode.failed;
      }
      return ExitCode.ok;
    }));
}

function jsonReport(tested: AuthorTestRuns): unknown {
  return {
    ...tested.target,
    version: tested.version,
    chosenBy: tested.chosenBy,
    samples: tested.runs.map((run) => ({
      sample: run.label,
      submissionId: run.submission?.id ?? null,
      result: run.outcome?.result ?? null,
      refused: run.refused ?? null,
    })),
  };
}

function humanReport(tested: AuthorTestRuns): string {
  const { target, version } = tested;
  const head = `${paint('bold', `${target.course}/${target.assignment}/${target.part}`)}: grader ${versionLabel(version)} ${version.id}, chosen as ${tested.chosenBy}; ` +
    `${version.cpus} CPU, ${version.memoryMiB} MiB, ${version.timeoutSeconds} s, ${version.protocol ?? 'protocol detected'}\n`;
  const samples = tested.runs.map(sampleReport).join('');
  const rows = [
    ['SAMPLE', 'SUBMISSION', 'STATUS', 'SCORE', 'POINTS'],
    ...tested.runs.map((run) => {
      const result = run.outcome?.result ?? null;
      return [
        safeLine(run.label),
        run.submission?.id ?? '—',
        run.refused ? 'refused' : (result?.status ?? 'no result'),
        percent(result?.score ?? null),
        result?.points == null ? '—' : `${result.points}/${run.outcome?.points ?? '?'}`,
      ];
    }),
  ];
  return `${head}${samples}\n${paint('bold', 'Summary:')}\n${table(rows)}`;
}

function sampleReport(run: SampleRun): string {
  const title = `\n${paint('bold', `── sample ${safeLine(run.label)}`)}${run.submission ? ` (${run.submission.id})` : ''}\n`;
  if (run.refused) return `${title}${paint('red', 'refused by the server')}: ${safeLine(run.refused.message)} (HTTP ${run.refused.status} ${run.refused.code})\n`;
  const full = run.outcome.result?.full;
  return `${title}${full ? `${formatGradeResult(full)}\n` : formatPartOutcome(run.outcome)}`;
}
