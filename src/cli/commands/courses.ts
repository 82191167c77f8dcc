import { Command } from 'commander';
import { ExitCode } from '../exit-codes.ts';
import { table } from '../format-server.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';

interface CoursesFlags extends ServerFlags {
  json?: boolean;
}

/** `gradebox courses`: the courses the caller is in (all of them for an admin). */
export function coursesCommand(): Command {
  return withServerOption(new Command('courses'))
    .description('List your courses on the server, with your role in each (administrators see all)')
    .option('--json', 'print {courses: Course[]} as JSON on stdout')
    .addHelpText('after', `${SERVER_ENVIRONMENT_HELP}

Exit codes: 0 ok, 1 not logged in or refused, 2 usage error or the server is unreachable or busy.`)
    .action(runAction(async (signal, flags: CoursesFlags) => {
      const courses = await (await connect(flags, signal)).courses();
      if (flags.json) {
        printJson({ courses });
      } else if (courses.length === 0) {
        process.stderr.write('no courses: create one with `gradebox apply course.yaml`, or ask an instructor to add you\n');
      } else {
        const header = ['COURSE', 'ROLE', 'TITLE'].map((h) => paint('bold', h));
        process.stdout.write(table([header, ...courses.map((c) => [c.id, c.myRole ?? '(admin)', c.title])]));
      }
      return ExitCode.ok;
    }));
}
