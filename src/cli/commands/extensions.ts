import { Command } from 'commander';
import type { Extension } from '../../platform/model.ts';
import { nameProblem } from '../../platform/names.ts';
import { parseZonedTime, zonedTimeProblem } from '../../platform/zoned-time.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTime, table } from '../format-server.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { paint } from '../terminal.ts';
import { UsageError } from '../usage-error.ts';

interface ExtensionsFlags extends ServerFlags {
  grant?: string;
  until?: string;
  revoke?: string;
  json?: boolean;
}

/** `gradebox extensions COURSE ASSIGNMENT`: list, grant (--grant LOGIN --until TIME) or revoke (--revoke LOGIN) per-student deadlines. */
export function extensionsCommand(): Command {
  return withServerOption(new Command('extensions'))
    .description("List an assignment's extensions; staff grant (--grant LOGIN --until TIME) or revoke (--revoke LOGIN) them")
    .argument('<course>', 'course id')
    .argument('<assignment>', 'assignment id')
    .option('--grant <login>', "give this student their own deadline, --until (moves it when they have one)")
    .option('--until <time>', 'with --grant: the new deadline, a time with a time zone, e.g. 2026-03-03T23:59:00Z')
    .option('--revoke <login>', "take this student's extension away: the assignment's deadline holds again")
    .option('--json', 'print the Extension (granted or revoked), or {extensions: Extension[]}, as JSON on stdout')
    .addHelpText('after', `
An extension moves the student's deadline and, by as much, the assignment's cutoff. Grades read
after a grant or revocation use it at once; no grader runs again. Granting and revoking need an
instructor or TA of the course and a token with the \`manage\` scope; students see their own.
The course file may list extensions too (see \`gradebox apply\`).
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox extensions cs101 hw1
  gradebox extensions cs101 hw1 --grant alan --until 2026-03-03T23:59:00+01:00
  gradebox extensions cs101 hw1 --revoke alan

Exit codes: 0 ok, 1 refused (no such course, assignment or student; not staff; a time not after
the deadline), 2 usage error (e.g. --grant without --until, a time without a zone) or the server
is unreachable or busy.`)
    .action(runAction(async (signal, course: string, assignment: string, flags: ExtensionsFlags) => {
      const { grant, until, revoke } = flags;
      if (grant !== undefined && revoke !== undefined) throw new UsageError('--grant and --revoke do not go together: one change at a time');
      if (grant !== undefined && until === undefined) throw new UsageError('--grant needs --until TIME, the student\'s new deadline (e.g. 2026-03-03T23:59:00Z)');
      if (until !== undefined && grant === undefined) throw new UsageError('--until goes with --grant LOGIN');
      for (const [option, login] of [['--grant', grant], ['--revoke', revoke]] as const) {
        const problem = login === undefined ? undefined : nameProblem('login', login);
        if (problem !== undefined) throw new UsageError(`${option}: ${problem}`);
      }
      if (until !== undefined && parseZonedTime(until) === undefined) throw new UsageError(`--until: ${zonedTimeProblem(until)}`);
      const client = await connect(flags, signal);
      if (grant !== undefined && until !== undefined) {
        const extension = await client.grantExtension(course, assignment, grant, until);
        if (flags.json) printJson(extension);
        else process.stdout.write(`granted ${grant} an extension on ${course}/${assignment}: due ${formatTime(extension.until)} (the cutoff moves by as much)\n`);
        return ExitCode.ok;
      }
      if (revoke !== undefined) {
        const extension = await client.revokeExtension(course, assignment, revoke);
        if (flags.json) printJson(extension);
        else process.stdout.write(`revoked ${revoke}'s extension on ${course}/${assignment} (it was until ${formatTime(extension.until)}); the assignment's deadline holds for them again\n`);
        return ExitCode.ok;
      }
      const extensions = await client.extensions(course, assignment);
      if (flags.json) printJson({ extensions });
      else if (extensions.length === 0) process.stderr.write(`no extensions on ${course}/${assignment}\n`);
      else process.stdout.write(formatExtensions(extensions));
      return ExitCode.ok;
    }));
}

function formatExtensions(extensions: readonly Extension[]): string {
  const header = ['STUDENT', 'UNTIL', 'GRANTED BY', 'GRANTED'].map((h) => paint('bold', h));
  return table([header, ...extensions.map((e) => [e.login, formatTime(e.until), e.grantedBy, formatTime(e.grantedAt)])]);
}
