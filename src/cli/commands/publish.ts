import { Command } from 'commander';
import { ApiError } from '../../client/client-errors.ts';
import { runGoldensAndWait } from '../../client/golden-runs.ts';
import { publishAssignments, type PublishResult } from '../../client/publish-assignments.ts';
import type { GoldenDraftCheck, GoldenOutcome } from '../../platform/model.ts';
import { describeClientFailure, publishExitCode } from '../client-failures.ts';
import { ExitCode } from '../exit-codes.ts';
import { table } from '../format-server.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface PublishFlags extends ServerFlags {
  additionalAssignments?: string[];
  acceptChanges?: boolean;
  json?: boolean;
}

/** `gradebox publish COURSE ASSIGNMENT...`: makes each assignment's draft graders live. */
export function publishCommand(): Command {
  return withServerOption(new Command('publish'))
    .description("Publish assignments: each part's newest draft grader becomes the one that grades students")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--additional-assignments <assignment...>', 'more assignments of the same course to publish')
    .option('--accept-changes', "publish even though golden submissions get other results, which become their expectations")
    .option('--json', 'print {course, results: [{assignment, ok, published, autograde, goldens, error}]} as JSON on stdout')
    .addHelpText('after', `
Each assignment is published on its own (all its parts at once); a failure does not stop the
others. One line per assignment on stdout; the reasons for failures on stderr.

Golden submissions (gradebox golden --help) not yet graded by the drafts are graded first, once
the server has said that you may publish (a progress bar on stderr while they run); when one
would get another result than it expects, the assignment is
not published and the differences are listed, unless --accept-changes (the new results then
become the expectations).
${SERVER_ENVIRONMENT_HELP}

Exit codes, for CI scripts:
  0  every assignment was published
  1  at least one failed for good: no such assignment, nothing to publish (no draft), not ready,
     golden results changed (without --accept-changes), not allowed (publishing needs the instructor role and the author scope), not logged in
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
      const gradeGoldens = async (name: string): Promise<void> => {
        const progress = flags.json ? undefined : progressReporter();
        try {
          await runGoldensAndWait(client, course, name, {
            signal,
            onProgress: (p) => progress?.update({ phase: `${name}: grading golden submissions with the drafts`, done: p.done, total: p.total, unit: 'items', noun: 'graded' }),
          });
        } finally {
          progress?.stop();
        }
      };
      const results = await publishAssignments(client, course, assignments, {
        signal,
        gradeGoldens,
        acceptChanges: flags.acceptChanges === true,
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
    const goldens = result.outcome.goldens;
    if (goldens !== undefined && goldens.accepted.length > 0) {
      process.stdout.write(`accepted ${goldens.accepted.length} changed golden ${goldens.accepted.length === 1 ? 'result' : 'results'} as the new expectations:\n${goldenTable(goldens.accepted)}`);
    } else if (goldens !== undefined && goldens.checked > 0) {
      process.stdout.write(`${goldens.checked} golden ${goldens.checked === 1 ? 'submission' : 'submissions'} unchanged\n`);
    }
    return;
  }
  const failure = describeClientFailure(result.error);
  const label = result.retryable ? paint('yellow', 'retry later') : paint('red', 'failed');
  // Server messages may quote graders' test names: shown as text, never as terminal controls.
  process.stdout.write(`${label}  ${result.assignment}  ${safeLine(failure?.message ?? String(result.error))}\n`);
  const changes = result.error instanceof ApiError && result.error.code === 'golden-changed' ? (result.error.details?.changes as GoldenDraftCheck[] | undefined) : undefined;
  if (changes !== undefined && changes.length > 0) process.stderr.write(`golden results that would change:\n${goldenTable(changes)}`);
  if (failure?.hint) process.stderr.write(`hint: ${failure.hint}\n`);
}

/** GOLDEN, PART, EXPECTED, GOT and the tests that changed, one golden part per line. */
function goldenTable(checks: readonly GoldenDraftCheck[]): string {
  const outcome = (o: GoldenOutcome | null): string => (o === null ? '—' : o.status === 'graded' ? `${o.points ?? 0} points` : o.status);
  const header = ['GOLDEN', 'PART', 'EXPECTED', 'GOT', 'TESTS CHANGED'].map((h) => paint('bold', h));
  return table([header, ...checks.map((c) => [safeLine(c.label), `${c.partId} v${c.graderNumber}`, outcome(c.expected), outcome(c.got), safeLine(c.changedTests.join(', ')) || '—'])]);
}

function jsonResult(result: PublishResult): Record<string, unknown> {
  if (result.ok) {
    return { assignment: result.assignment, ok: true, published: result.outcome.published, autograde: result.outcome.autograde ?? null, goldens: result.outcome.goldens ?? null, error: null };
  }
  const error = result.error;
  return {
    assignment: result.assignment,
    ok: false,
    published: [],
    autograde: null,
    error: {
      message: error instanceof Error ? error.message : String(error),
      retryable: result.retryable,
      ...(error instanceof ApiError ? { status: error.status, code: error.code, ...(error.details === undefined ? {} : { details: error.details }) } : {}),
    },
  };
}

function summary(results: readonly PublishResult[], exitCode: number): string {
  const failed = results.filter((r) => !r.ok).length;
  const what = `${failed} of ${results.length} ${results.length === 1 ? 'assignment' : 'assignments'} not published`;
  return exitCode === ExitCode.retryLater ? `${what}; the server was busy or unreachable: run the same command again later` : what;
}
