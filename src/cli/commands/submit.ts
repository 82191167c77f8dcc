import { Command } from 'commander';
import { collectSubmission, submissionForm } from '../../client/submission-files.ts';
import { ExitCode } from '../exit-codes.ts';
import type { ApiClient } from '../../client/api-client.ts';
import { formatTime, humanBytes } from '../format-server.ts';
import { positiveNumber } from '../option-parsers.ts';
import { reportSubmission } from '../report-submission.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { UsageError } from '../usage-error.ts';
import { MAX_TIMEOUT_SECONDS } from '../../sandbox/limits.ts';

interface SubmitFlags extends ServerFlags {
  wait?: boolean;
  timeout?: number;
  authorTest?: boolean;
  drafts?: boolean;
  part?: string[];
  json?: boolean;
}

/** `gradebox submit COURSE ASSIGNMENT PATH...`: send files for grading, optionally wait for the result. */
export function submitCommand(): Command {
  return withServerOption(new Command('submit'))
    .description('Submit files for grading: files, folders, or one zip/tar archive; --wait for the result')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .argument('<path...>', 'files and folders to submit (a folder\'s files keep their paths inside it), or one .zip, .tar, .tar.gz')
    .option('--wait', 'wait until every part is graded and print status, score and feedback')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this long (grading goes on)', positiveNumber('--timeout', MAX_TIMEOUT_SECONDS))
    .option('--author-test', 'an author test run (staff): graded at author-test priority, not counted as a student submission')
    .option('--drafts', 'with --author-test: grade with the newest draft graders instead of the published ones')
    .option('--part <part>', 'grade only this part (repeatable; default: every part with a grader)', collect)
    .option('--json', 'print the Submission (with --wait, once graded) as JSON on stdout')
    .addHelpText('after', `
\`submit c a main.py util.py\` sends two files; \`submit c a ./work\` sends the files under ./work
with their paths inside it (./work/src/x.py as src/x.py); symbolic links to files are followed.
The first line on stdout is the submission id. With --wait the result of each part follows,
as the server streams it (server-sent events; polled every second when events are unavailable).
A late submission is announced on stderr first, with the penalty it gets (\`warning: this
submission is late: 2 h late: more than 10 min late ×0.8 …\`); after the assignment's cutoff
(moved by your extension, if any) the server refuses it (exit 1).
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox submit cs101 hw1 ./solution --wait
  gradebox submit cs101 hw1 solution.zip
  gradebox submit cs101 hw1 ./tests/good --author-test --drafts --wait --timeout 600 --json | jq .parts

Exit codes: 0 submitted (with --wait: every part graded, whatever the score), 1 refused (no such
assignment, too large, not allowed, past the cutoff, every allowed submission made) or, with --wait, a part not graded (grader error, timeout,
out of memory, output limit, not gradable), 2 usage error (e.g. a missing PATH) or the server is
unreachable or busy, or too soon after your last submission (the assignment's minimum interval:
the message says when to submit again), or --timeout ran out (grading goes on; run again later).`)
    .action(runAction(async (signal, course: string, assignment: string, paths: string[], flags: SubmitFlags) => {
      if (flags.drafts && !flags.authorTest) throw new UsageError('--drafts needs --author-test (students are always graded by the published graders)');
      if (flags.timeout !== undefined && !flags.wait) throw new UsageError('--timeout needs --wait');
      const content = await collectSubmission(paths);
      const form = await submissionForm(content, {
        ...(flags.authorTest ? { kind: 'author-test' as const } : {}),
        ...(flags.drafts ? { useDrafts: true } : {}),
        ...(flags.part ? { parts: flags.part } : {}),
      });
      const client = await connect(flags, signal);
      if (!flags.authorTest) await warnIfLate(client, course, assignment);
      const submitted = await client.submit(course, assignment, form);
      if (!flags.json) process.stdout.write(`${submitted.id}\n`);
      const what = content.kind === 'archive' ? `archive ${content.file}` : `${submitted.files.length} ${submitted.files.length === 1 ? 'file' : 'files'}`;
      process.stderr.write(`submitted ${what} (${humanBytes(submitted.totalBytes)}) to ${course}/${assignment} as ${submitted.id}\n`);
      if (!flags.wait) {
        if (flags.json) printJson(submitted);
        return ExitCode.ok;
      }
      return reportSubmission(client, submitted, flags, signal);
    }));
}

/**
 * Says which late penalty this submission gets, before it is sent: only when one applies (late
 * work without a policy, or within a grace period, loses nothing). A failed look-up says nothing: the submission that follows reports the same failure (or succeeds on a server
 * without late rules).
 */
async function warnIfLate(client: ApiClient, course: string, assignment: string): Promise<void> {
  const status = await client.lateStatus(course, assignment).catch(() => undefined);
  if (status === undefined || status.factor === 1 || status.refused) return;
  const cutoff = status.cutoff === null ? '' : `; no submissions after ${formatTime(status.cutoff)}`;
  const extended = status.dueAt !== status.deadline ? ' by your extension' : '';
  process.stderr.write(`warning: this submission is late: ${status.rule} (due ${formatTime(status.dueAt)}${extended}${cutoff})\n`);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
