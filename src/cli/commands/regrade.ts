import { Command, Option } from 'commander';
import type { ApiClient } from '../../client/api-client.ts';
import { waitForRegrade } from '../../client/wait-for-regrade.ts';
import type { Regrade, RegradeGrader } from '../../platform/regrade-model.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatPreview, regradeLine } from '../format-regrade.ts';
import { checkedName, collect, positiveInteger } from '../option-parsers.ts';
import { progressReporter } from '../progress.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { UsageError } from '../usage-error.ts';

interface RegradeFlags extends ServerFlags {
  part?: string[];
  student?: string[];
  version?: number;
  draft?: boolean;
  dryRun?: boolean;
  wait: boolean;
  all?: boolean;
  json?: boolean;
}

const EXIT_CODES = `Exit codes: 0 done (a dry run: finished, its preview shown), 1 refused (no such course,
assignment, student, part or version; nothing to regrade; another regrade open; not allowed) or
a regrade that ended with failed jobs or was cancelled, 2 usage error or the server unreachable
or busy, 130 interrupted (the regrade goes on on the server: gradebox regrades cancel ID stops it).`;

/** `gradebox regrade COURSE ASSIGNMENT`: regrades (or dry-runs) the counting submissions (docs/course-workflow.md, "Regrade"). */
export function regradeCommand(): Command {
  return withServerOption(new Command('regrade'))
    .description('Regrade every student\'s counting submission (or some students\' and parts) with the published grader, a version or the draft; --dry-run previews the changes first')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--part <part>', 'only this part (repeatable)', collect)
    .option('--student <login>', 'only this student (repeatable)', collect)
    .addOption(new Option('--version <n>', 'grade with version N of each part (gradebox assignments lists versions)').argParser(positiveInteger('--version')).conflicts('draft'))
    .option('--draft', 'grade with each part\'s newest draft (needs --dry-run: applying it publishes the draft)')
    .option('--dry-run', 'grade into shadow results: students see nothing until `gradebox regrades apply ID`')
    .option('--no-wait', 'start it and print its id; do not wait')
    .option('--all', 'dry run: list every student and part in the preview, not only the changed ones')
    .option('--json', 'print the Regrade (a dry run: {regrade, preview}) as JSON on stdout')
    .addHelpText('after', `
Regrades are bulk-priority jobs: students' new submissions always go first. Each student's
counting submission is regraded in place (its submittedAt and completion date, and so its late
penalty, stay). A regrade's results are official as they arrive; a dry run's are shadow results
until an instructor applies them (manual overrides are never overwritten). The command waits with
a progress bar (on a terminal) and, for a dry run, prints per student and part the current and
new points, the tests whose outcome flipped and a summary.
TAs may start dry runs; regrading without one, and applying, are for instructors.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox regrade cs101 hw1 --dry-run                 # everyone, published grader, preview
  gradebox regrade cs101 hw1 --draft --dry-run         # try the draft on everyone's work
  gradebox regrades apply rg_…                         # then make it official (publishes the draft)
  gradebox regrade cs101 hw1 --student sam --part p1   # one student's part, official at once
  gradebox regrade cs101 hw1 --version 3 --no-wait --json

${EXIT_CODES}`)
    .action(runAction(async (signal, course: string, assignment: string, flags: RegradeFlags) => {
      checkedName('course', 'COURSE')(course);
      checkedName('assignment', 'ASSIGNMENT')(assignment);
      for (const part of flags.part ?? []) checkedName('part', '--part')(part);
      for (const student of flags.student ?? []) checkedName('login', '--student')(student);
      if (flags.draft === true && flags.dryRun !== true) throw new UsageError('--draft needs --dry-run: a dry run of the draft is applied (and the draft published) with gradebox regrades apply ID');
      const grader: RegradeGrader = flags.version !== undefined ? { kind: 'version', number: flags.version } : flags.draft === true ? { kind: 'draft' } : { kind: 'published' };
      const client = await connect(flags, signal);
      const started = await client.startRegrade(course, assignment, {
        ...(flags.student ? { students: flags.student } : {}),
        ...(flags.part ? { parts: flags.part } : {}),
        grader,
        dryRun: flags.dryRun === true,
      });
      process.stderr.write(`${regradeLine(started)}\n`);
      if (!flags.wait) {
        if (flags.json) printJson(started);
        else process.stdout.write(`${started.id}\n`);
        return ExitCode.ok;
      }
      return finish(client, started, signal, flags);
    }));
}

/** Waits for a regrade with a progress bar, then prints it (a dry run: with its preview). */
async function finish(client: ApiClient, regrade: Regrade, signal: AbortSignal, flags: { json?: boolean; all?: boolean }): Promise<number> {
  const bar = progressReporter();
  const show = (r: Regrade): void => bar.update({ phase: r.dryRun ? 'dry run' : 'regrade', unit: 'jobs', done: r.progress.done, total: r.progress.total, failed: r.progress.failed, etaSeconds: r.progress.etaSeconds });
  show(regrade);
  let ended: Regrade;
  try {
    ended = regrade.state === 'running' ? await waitForRegrade(client, regrade.id, { signal, onUpdate: show }) : regrade;
  } finally {
    bar.stop();
  }
  if (signal.aborted) throw signal.reason;
  const preview = ended.dryRun && ended.state === 'finished' ? await client.regradePreview(ended.id) : undefined;
  if (flags.json) printJson(preview ? { regrade: ended, preview } : ended);
  else {
    if (preview) process.stdout.write(formatPreview(preview, { all: flags.all === true }));
    process.stderr.write(`${regradeLine(ended)}\n`);
    if (preview) process.stderr.write(`apply: gradebox regrades apply ${ended.id}   discard: gradebox regrades discard ${ended.id}\n`);
  }
  return ended.state === 'cancelled' || ended.progress.failed > 0 ? ExitCode.failed : ExitCode.ok;
}

interface IdFlags extends ServerFlags {
  json?: boolean;
  wait?: boolean;
  all?: boolean;
}

/** `gradebox regrades list|status|preview|apply|discard|cancel`: what follows a regrade. */
export function regradesCommand(): Command {
  const list = withServerOption(new Command('list'))
    .description('An assignment\'s regrades, newest first')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--json', 'print {regrades: Regrade[]} as JSON')
    .action(runAction(async (signal, course: string, assignment: string, flags: IdFlags) => {
      const regrades = await (await connect(flags, signal)).regrades(course, assignment);
      if (flags.json) printJson({ regrades });
      else process.stdout.write(regrades.length === 0 ? '' : `${regrades.map(regradeLine).join('\n')}\n`);
      return ExitCode.ok;
    }));
  const status = withServerOption(new Command('status'))
    .description('A regrade\'s state and progress (done / total / failed / ETA); --wait follows it to its end')
    .argument('<id>', 'regrade id (rg_…)')
    .option('--wait', 'wait with a progress bar until it has ended (a dry run: then show its preview)')
    .option('--all', 'with --wait, a dry run: list every row of the preview')
    .option('--json', 'print the Regrade as JSON')
    .action(runAction(async (signal, id: string, flags: IdFlags) => {
      const client = await connect(flags, signal);
      const regrade = await client.regrade(id);
      if (flags.wait === true) return finish(client, regrade, signal, flags);
      if (flags.json) printJson(regrade);
      else process.stdout.write(`${regradeLine(regrade)}\n`);
      return ExitCode.ok;
    }));
  const preview = withServerOption(new Command('preview'))
    .description('A dry run\'s changes per student and part: current and new points, delta, flipped tests, overrides, summary')
    .argument('<id>', 'dry run id (rg_…)')
    .option('--all', 'list every student and part, not only the changed ones')
    .option('--json', 'print the RegradePreview as JSON')
    .action(runAction(async (signal, id: string, flags: IdFlags) => {
      const shown = await (await connect(flags, signal)).regradePreview(id);
      if (flags.json) printJson(shown);
      else process.stdout.write(formatPreview(shown, { all: flags.all === true }));
      return ExitCode.ok;
    }));
  const ending = (action: 'apply' | 'discard' | 'cancel', description: string): Command =>
    withServerOption(new Command(action))
      .description(description)
      .argument('<id>', 'regrade id (rg_…)')
      .option('--json', 'print the Regrade as JSON')
      .action(runAction(async (signal, id: string, flags: IdFlags) => {
        const ended = await (await connect(flags, signal)).endRegrade(id, action);
        if (flags.json) printJson(ended);
        else process.stdout.write(`${regradeLine(ended)}\n`);
        return ExitCode.ok;
      }));
  return new Command('regrades')
    .description('Follow, preview, apply, discard or cancel regrades (started with gradebox regrade)')
    .addCommand(list)
    .addCommand(status)
    .addCommand(preview)
    .addCommand(ending('apply', 'Make a finished dry run\'s results official in one transaction (publishing its draft, if it ran one); instructors'))
    .addCommand(ending('discard', 'Drop a dry run\'s shadow results'))
    .addCommand(ending('cancel', 'Cancel a running regrade: unclaimed jobs leave the queue, running ones may finish'))
    .addHelpText('after', `
A dry run can be applied until the graders of its parts change (a publish, a new draft) or it is a
week old; then apply answers 409 and a new dry run is needed. Only one regrade of an assignment is
open at a time.
${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 done, 1 refused (no such regrade, not allowed, still running, already ended,
expired) or, with status --wait, a regrade with failed jobs or cancelled, 2 usage error or the
server unreachable or busy.`);
}
