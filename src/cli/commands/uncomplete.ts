import { Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { formatTime } from '../format-server.ts';
import { checkedName } from '../option-parsers.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';

interface UncompleteFlags extends ServerFlags {
  student: string;
  json?: boolean;
}

/** `gradebox uncomplete COURSE ASSIGNMENT --student LOGIN`: staff take a completion back. */
export function uncompleteCommand(): Command {
  return withServerOption(new Command('uncomplete'))
    .description('Staff: take back a student\'s completion, so they may submit again; completing again grades again')
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .requiredOption('--student <login>', 'whose completion to take back', checkedName('login', '--student'))
    .option('--json', 'print {completions: [the removed Completion], changed} as JSON on stdout')
    .addHelpText('after', `
The student's stored assignment grade goes with the completion. Completing again (gradebox
complete … --student LOGIN) freezes their newest submission then and grades it again, with the
new completion date (the time lateness is measured at).
${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 un-completed, 1 refused (not completed, no such course or assignment, not staff),
2 usage error or the server unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string, flags: UncompleteFlags) => {
      checkedName('course', 'COURSE')(course);
      checkedName('assignment', 'ASSIGNMENT')(assignment);
      const outcome = await (await connect(flags, signal)).uncomplete(course, assignment, flags.student);
      if (flags.json) printJson(outcome);
      else for (const c of outcome.completions) process.stdout.write(`un-completed ${c.login} (was completed ${formatTime(c.completedAt)} by ${c.completedBy}, ${c.how})\n`);
      return ExitCode.ok;
    }));
}
