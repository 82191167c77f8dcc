import { Command } from 'commander';
import { ApiError } from '../../client/client-errors.ts';
import { publishAssignments, type PublishResult } from '../../client/publish-assignments.ts';
import { describeClientFailure, publishExitCode } from '../client-failures.ts';
import { ExitCode } from '../exit-codes.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

interface PublishFlags extends ServerFlags {
  additionalAssignments?: string[];
  json?: boolean;
}

/** `gradebox publish COURSE ASSIGNMENT...`: makes each assignment's draft graders live. */
export function publishCommand(): Command {
  return withServerOption(new Command('publish'))
    .description("Publish assignments: each part's newest draft grader becomes the one that grades students")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--additional-assignments <assignment...>', 'more assignments of the same course to publish')
    .option('--json', 'print {course, results: [{assignment, ok, published, autograde, error}]} as JSON on stdout')
    .addHelpText('after', `
Each assignment is published on its own (all its parts at once); a failure does not stop the
others. One line per assignment on stdout; the reasons for failures on stderr.
${SERVER_ENVIRONMENT_HELP}

Exit codes, for CI scripts:
  0  every assignment was published
  1  at least one failed for good: no such assignment, nothing to publish (no draft), not ready,
     not allowed (publishing needs the instructor role and the author scope), not logged in
  2  every failure is worth retrying: the server was busy (429, 503, 507) or unreachable; run the
     same command again later (assignments already published report "nothing to publish" then).
     Usage errors also exit 2, before anything is sent.
Example:
  for try in 1 2 3 4 5; do gradebox publish cs101 hw1; s=$?; [ $s -ne 2 ] && break; sleep 30; done; exit $s`)
    .action(runAction(async (signal, course: string, assignment: string, flags: PublishFlags) => {
      const assignments = [assignment, ...(flags.additionalAssignments ?? [])];
      const twice = assignments.find((a, i) => assignments.indexOf(a) !== i);
      if (twice !== undefined) throw new UsageError(`assignment ${twice} is named twice`);
      const client = await connect(flags, signal);
      const results = await publishAssignments(client, course, assignments, {
        signal,
        ...(flags.json ? {} : { onResult: printResult }),
      });
      const exitCode = publishExitCode(results);
      if (flags.json) printJson({ course, exitCode, results: results.map(jsonResult) });
      else if (exitCode !== ExitCode.ok) process.stderr.write(`${summary(results, exitCode)}\n`);
      return exitCode;
    }));
}

function printResult(result: PublishResult): void {
  if (result.ok) {
    const { autograde } = result.outcome;
    // Older servers send no `autograde`.
    const parts = [...result.outcome.published.map((v) => `${v.partId} v${v.number}`), ...(autograde ? [`autograde v${autograde.number}`] : [])].join(', ');
    process.stdout.write(`${paint('green', 'published')}  ${result.assignment}  ${parts}\n`);
    return;
  }
  const failure = describeClientFailure(result.error);
  const label = result.retryable ? paint('yellow', 'retry later') : paint('red', 'failed');
  process.stdout.write(`${label}  ${result.assignment}  ${failure?.message ?? String(result.error)}\n`);
  if (failure?.hint) process.stderr.write(`hint: ${failure.hint}\n`);
}

function jsonResult(result: PublishResult): Record<string, unknown> {
  if (result.ok) return { assignment: result.assignment, ok: true, published: result.outcome.published, autograde: result.outcome.autograde ?? null, error: null };
  const error = result.error;
  return {
    assignment: result.assignment,
    ok: false,
    published: [],
    autograde: null,
    error: {
      message: error instanceof Error ? error.message : String(error),
      retryable: result.retryable,
      ...(error instanceof ApiError ? { status: error.status, code: error.code } : {}),
    },
  };
}

function summary(results: readonly PublishResult[], exitCode: number): string {
  const failed = results.filter((r) => !r.ok).length;
  const what = `${failed} of ${results.length} ${results.length === 1 ? 'assignment' : 'assignments'} not published`;
  return exitCode === ExitCode.retryLater ? `${what}; the server was busy or unreachable: run the same command again later` : what;
}
