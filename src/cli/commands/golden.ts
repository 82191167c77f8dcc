/**
 * `gradebox golden pin|list|unpin|run`: golden submissions, pinned with their expected per-part
 * results; `gradebox publish` refuses drafts that change them (docs/course-workflow.md).
 */
import { Command } from 'commander';
import { ApiError } from '../../client/client-errors.ts';
import { runGoldensAndWait } from '../../client/golden-runs.ts';
import { collectSubmission, submissionForm } from '../../client/submission-files.ts';
import { waitForGrading } from '../../client/wait-for-grading.ts';
import type { GoldenOutcome, GoldenSubmission } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { safeLine } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface PinFlags extends ServerFlags {
  submission?: string;
  label?: string;
  expect?: string[];
  json?: boolean;
}

const EXIT_CODES = `Exit codes: 0 done, 1 refused (no such course, assignment, submission or part; not staff, or a
token without the author scope; points out of range; already golden), 2 usage error or the server
busy or unreachable; 130 interrupted.`;

/** `--expect PART=POINTS`, repeatable: points are a number; the server checks the range. */
export function parseExpectations(values: readonly string[]): Record<string, number> {
  const expect: Record<string, number> = {};
  for (const value of values) {
    const match = /^([^=\s]+)=(.+)$/.exec(value);
    const points = match === null ? Number.NaN : Number(match[2]);
    if (match === null || !Number.isFinite(points) || match[2]!.trim() === '') {
      throw new UsageError(`--expect ${value}: expected PART=POINTS, e.g. --expect sums=7.5`);
    }
    if (Object.hasOwn(expect, match[1]!)) throw new UsageError(`--expect: part ${match[1]} is given twice`);
    expect[match[1]!] = points;
  }
  return expect;
}

/** `gradebox golden pin COURSE ASSIGNMENT (--submission ID | SAMPLE...)`. */
export function goldenPinCommand(): Command {
  return withServerOption(new Command('pin'))
    .description("Pin a submission as golden with its expected per-part results (default: its current ones)")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .argument('[sample...]', 'a sample to upload as an author test and pin: a folder (its files), files, or a .zip/.tar/.tar.gz archive')
    .option('--submission <id>', "pin this submission of the assignment (a student's or an author test) instead of uploading a sample")
    .option('--label <label>', 'a name for the golden (default: the submitter and the submission id)')
    .option('--expect <part=points>', 'the points PART must get (repeatable); other parts expect the current result', (value: string, previous: string[] = []) => [...previous, value])
    .option('--json', 'print the GoldenSubmission as JSON on stdout')
    .addHelpText('after', `
A golden submission is graded again by every draft before it is published (gradebox publish does
it); a draft that gives it another result than expected is not published unless you accept the
change (gradebox publish --accept-changes). A student's submission is never graded again itself:
goldens are graded as author-test copies, so the student sees nothing change.

A SAMPLE is uploaded as an author test, graded with the published graders (the newest drafts
before anything is published; a progress line while it waits), then pinned. Needs a staff role in the course and a token with the author scope.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox golden pin cs101 hw1 --submission sub_5bouKUO4KzPsjwxaBPJ --label "sam, off by one"
  gradebox golden pin cs101 hw1 ./samples/perfect --expect sums=10 --expect loops=5

${EXIT_CODES}`)
    .action(runAction(async (signal, course: string, assignment: string, samples: string[], flags: PinFlags) => {
      if ((flags.submission === undefined) === (samples.length === 0)) throw new UsageError('give either --submission ID or a SAMPLE to upload (one of them)');
      const expect = parseExpectations(flags.expect ?? []);
      const content = samples.length > 0 ? await collectSubmission(samples) : undefined;
      const client = await connect(flags, signal);
      let submissionId = flags.submission;
      if (content !== undefined) {
        let submitted;
        try {
          submitted = await client.submit(course, assignment, await submissionForm(content, { kind: 'author-test' }));
        } catch (error) {
          // Before the first publish there is no live grader: the drafts grade the sample instead.
          if (!(error instanceof ApiError && error.code === 'not-ready')) throw error;
          if (!flags.json) process.stderr.write('note: no published grader yet: the sample is graded by the newest drafts\n');
          submitted = await client.submit(course, assignment, await submissionForm(content, { kind: 'author-test', useDrafts: true }));
        }
        const progress = flags.json ? undefined : progressReporter();
        try {
          progress?.update({ phase: `grading the sample ${submitted.id}`, done: 0 });
          await waitForGrading(client, submitted.id, { signal });
        } finally {
          progress?.stop();
        }
        submissionId = submitted.id;
      }
      const golden = await client.pinGolden(course, assignment, {
        submissionId: submissionId!,
        ...(flags.label === undefined ? {} : { label: flags.label }),
        ...(Object.keys(expect).length === 0 ? {} : { expect }),
      });
      if (flags.json) printJson(golden);
      else process.stdout.write(`pinned ${golden.id} (${safeLine(golden.label)}) on ${course}/${assignment}: expects ${golden.expected.map((e) => `${e.partId} ${outcome(e)}`).join(', ')}\n`);
      return ExitCode.ok;
    }));
}

/** `gradebox golden list COURSE ASSIGNMENT`. */
export function goldenListCommand(): Command {
  return withServerOption(new Command('list'))
    .description("List an assignment's golden submissions with their expectations and how they fare with the newest drafts")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--json', 'print {goldens: GoldenSubmission[]} as JSON on stdout')
    .addHelpText('after', `
One line per golden and part: what it expects and, when the part has a draft, its state with it:
not-run (gradebox golden run, or gradebox publish, grades it), grading, matches or changed.
Staff only.
${SERVER_ENVIRONMENT_HELP}

${EXIT_CODES}`)
    .action(runAction(async (signal, course: string, assignment: string, flags: ServerFlags & { json?: boolean }) => {
      const client = await connect(flags, signal);
      const goldens = await client.goldens(course, assignment);
      if (flags.json) printJson({ goldens });
      else if (goldens.length === 0) process.stderr.write(`no golden submissions on ${course}/${assignment} (pin one with gradebox golden pin)\n`);
      else process.stdout.write(goldenRows(goldens));
      return ExitCode.ok;
    }));
}

/** `gradebox golden unpin COURSE ASSIGNMENT GOLDEN`. */
export function goldenUnpinCommand(): Command {
  return withServerOption(new Command('unpin'))
    .description('Unpin a golden submission: drafts are no longer checked against it')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .argument('<golden>', 'the golden id (gold_…), as gradebox golden list shows it')
    .option('--json', 'print the removed GoldenSubmission as JSON on stdout')
    .addHelpText('after', `
The submission itself, and the copies graded for the golden, stay. Needs a staff role in the
course and a token with the author scope.
${SERVER_ENVIRONMENT_HELP}

${EXIT_CODES}`)
    .action(runAction(async (signal, course: string, assignment: string, goldenId: string, flags: ServerFlags & { json?: boolean }) => {
      const client = await connect(flags, signal);
      const golden = await client.unpinGolden(course, assignment, goldenId);
      if (flags.json) printJson(golden);
      else process.stdout.write(`unpinned ${golden.id} (${safeLine(golden.label)}) from ${course}/${assignment}\n`);
      return ExitCode.ok;
    }));
}

/** `gradebox golden run COURSE ASSIGNMENT`. */
export function goldenRunCommand(): Command {
  return withServerOption(new Command('run'))
    .description("Grade the golden submissions with the newest drafts, wait, and show which results would change")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--json', 'print {goldens: GoldenSubmission[]} as JSON on stdout')
    .addHelpText('after', `
What gradebox publish does first, without publishing: each golden not yet graded by a part's
newest draft is graded by it (an author-test copy, at author-test priority), with a progress bar
on stderr while they run; then the goldens are listed as gradebox golden list shows them.
${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 every golden matches its expectations (or there is no draft), 1 a result changed or
refused (not staff, no author scope, no such assignment), 2 usage error or the server busy or
unreachable; 130 interrupted.`)
    .action(runAction(async (signal, course: string, assignment: string, flags: ServerFlags & { json?: boolean }) => {
      const client = await connect(flags, signal);
      const progress = flags.json ? undefined : progressReporter();
      let goldens: GoldenSubmission[];
      try {
        goldens = await runGoldensAndWait(client, course, assignment, {
          signal,
          onProgress: (p) => progress?.update({ phase: 'grading golden submissions with the drafts', done: p.done, total: p.total, unit: 'items', noun: 'graded' }),
        });
      } finally {
        progress?.stop();
      }
      if (flags.json) printJson({ goldens });
      else if (goldens.length === 0) process.stderr.write(`no golden submissions on ${course}/${assignment} (pin one with gradebox golden pin)\n`);
      else process.stdout.write(goldenRows(goldens));
      return goldens.some((g) => g.drafts.some((d) => d.state === 'changed')) ? ExitCode.failed : ExitCode.ok;
    }));
}

function outcome(o: GoldenOutcome | null): string {
  if (o === null) return '—';
  return o.status === 'graded' ? `${o.points ?? 0} points` : o.status;
}

function goldenRows(goldens: readonly GoldenSubmission[]): string {
  const header = ['GOLDEN', 'LABEL', 'SOURCE', 'PART', 'EXPECTED', 'DRAFT', 'STATE', 'GOT'].map((h) => paint('bold', h));
  const rows: string[][] = [header];
  for (const golden of goldens) {
    const parts = [...new Set([...golden.expected.map((e) => e.partId), ...golden.drafts.map((d) => d.partId)])];
    for (const partId of parts) {
      const expected = golden.expected.find((e) => e.partId === partId) ?? null;
      const draft = golden.drafts.find((d) => d.partId === partId);
      const state = draft === undefined ? '—' : draft.state === 'changed' ? paint('red', 'changed') : draft.state === 'matches' ? paint('green', 'matches') : draft.state;
      rows.push([
        golden.id,
        safeLine(golden.label),
        `${golden.source.kind === 'student' ? golden.source.login : 'sample'}`,
        partId,
        `${outcome(expected)}${expected?.how === 'accepted' ? ` (accepted ${formatTime(expected.setAt)} by ${expected.setBy})` : ''}`,
        draft === undefined ? '—' : `v${draft.graderNumber}`,
        state,
        draft === undefined ? '—' : outcome(draft.got),
      ]);
    }
  }
  return table(rows);
}
