import { Command } from 'commander';
import type { CompletionOutcome } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { checkedName } from '../option-parsers.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { UsageError } from '../usage-error.ts';

interface CompleteFlags extends ServerFlags {
  student?: string;
  all?: boolean;
  json?: boolean;
}

/** `gradebox complete COURSE ASSIGNMENT`: marks work final, which grades it (docs/course-workflow.md). */
export function completeCommand(): Command {
  return withServerOption(new Command('complete'))
    .description('Mark an assignment complete (final): yours, one student\'s (--student) or every student\'s (--all); it is then graded')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id (its course file sets trigger: completion)')
    .option('--student <login>', 'staff: complete this student\'s work', checkedName('login', '--student'))
    .option('--all', 'staff: complete the work of every student of the course not completed yet')
    .option('--json', 'print {completions: Completion[], changed} as JSON on stdout')
    .addHelpText('after', `
Completing freezes the newest submission as the one graded (no submission: a grade of 0) and
locks the student's work: they cannot submit again until staff un-complete it (gradebox
uncomplete). Students complete their own work until the assignment's completion time; staff
complete anyone's. Read the grades with \`gradebox grades COURSE ASSIGNMENT\`.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox complete cs101 hw1                    # a student: my work is final
  gradebox complete cs101 hw1 --student sam      # staff, for one student
  gradebox complete cs101 hw1 --all              # staff, for everyone (prints how many changed)

Exit codes: 0 completed (with --all: also when nobody was left to complete), 1 refused (no such
course, assignment or student, already completed, not a completion assignment, locked, not
allowed), 2 usage error or the server unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string, flags: CompleteFlags) => {
      checkedName('course', 'COURSE')(course);
      checkedName('assignment', 'ASSIGNMENT')(assignment);
      if (flags.all === true && flags.student !== undefined) throw new UsageError('give --student LOGIN or --all, not both');
      const client = await connect(flags, signal);
      const target = flags.all === true ? { all: true } : flags.student !== undefined ? { login: flags.student } : {};
      const outcome = await client.complete(course, assignment, target);
      if (flags.json) printJson(outcome);
      else report(outcome, `${course}/${assignment}`, flags.all === true);
      return ExitCode.ok;
    }));
}

function report(outcome: CompletionOutcome, where: string, all: boolean): void {
  if (outcome.completions.length > 0) {
    process.stdout.write(table(outcome.completions.map((c) => [c.login, `completed ${formatTime(c.completedAt)}`, c.submissionId === null ? 'no submission (grade 0)' : `graded: ${c.submissionId}`])));
  }
  if (all) {
    const count = `${outcome.changed} ${outcome.changed === 1 ? 'student' : 'students'}`;
    process.stderr.write(`${where}: completed ${count}; the others were completed already\n`);
  }
  process.stderr.write(`grades: gradebox grades ${where.replace('/', ' ')}\n`);
}
