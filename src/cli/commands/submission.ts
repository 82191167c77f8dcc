import { Command } from 'commander';
import { positiveNumber } from '../option-parsers.ts';
import { reportSubmission, type ReportFlags } from '../report-submission.ts';
import { runAction } from '../run-action.ts';
import { connect, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { UsageError } from '../usage-error.ts';
import { MAX_TIMEOUT_SECONDS } from '../../sandbox/limits.ts';

type SubmissionFlags = ServerFlags & ReportFlags;

/** `gradebox submission ID`: a submission's state and results, e.g. after `submit --wait --timeout` gave up. */
export function submissionCommand(): Command {
  return withServerOption(new Command('submission'))
    .description("Show a submission's status and results; --wait for its grading to finish")
    .argument('<id>', 'submission id (printed by gradebox submit)')
    .option('--wait', 'wait until every part is graded')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this long (grading goes on)', positiveNumber('--timeout', MAX_TIMEOUT_SECONDS))
    .option('--json', 'print the Submission as JSON on stdout')
    .addHelpText('after', `
Students see their own submissions (score, feedback and what the grader made visible); staff see
every submission of their courses, with each part's job phases.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox submission sub_3kTq9…
  gradebox submission sub_3kTq9… --wait --timeout 600 --json | jq '.parts[].result.score'

Exit codes: 0 shown (with --wait: every part graded, whatever the score), 1 no such submission or
not allowed, or with --wait a part not graded (grader error, timeout, out of memory, output limit,
not gradable), 2 usage error, the server unreachable or busy, or --timeout ran out.`)
    .action(runAction(async (signal, id: string, flags: SubmissionFlags) => {
      if (flags.timeout !== undefined && !flags.wait) throw new UsageError('--timeout needs --wait');
      if (!/^[A-Za-z0-9_:-]{1,128}$/.test(id)) throw new UsageError(`"${id}" is not a submission id (gradebox submit prints it, e.g. sub_…)`);
      const client = await connect(flags, signal);
      return reportSubmission(client, await client.submission(id, signal), flags, signal);
    }));
}
