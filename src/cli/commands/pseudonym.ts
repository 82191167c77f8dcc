import { Command } from 'commander';
import type { Pseudonym } from '../../platform/model.ts';
import { ExitCode } from '../exit-codes.ts';
import { runAction } from '../run-action.ts';
import { connect, printJson, SERVER_ENVIRONMENT_HELP, withServerOption, type ServerFlags } from '../server-connection.ts';
import { safeLine } from '../untrusted-text.ts';
import { UsageError } from '../usage-error.ts';

interface PseudonymFlags extends ServerFlags {
  clear?: boolean;
  json?: boolean;
}

/** `gradebox pseudonym COURSE [NAME]`: show or choose the name you appear under on the course's leaderboards. */
export function pseudonymCommand(): Command {
  return withServerOption(new Command('pseudonym'))
    .description("Show or choose the name you appear under on the course's leaderboards")
    .argument('<course>', 'course id')
    .argument('[name]', 'the pseudonym to choose (quote it if it has spaces)')
    .option('--clear', 'give up your chosen pseudonym: you appear under a generated one again')
    .option('--json', 'print the Pseudonym {courseId, login, pseudonym, chosen} as JSON on stdout')
    .addHelpText('after', `
Leaderboards show students by pseudonym only. Until you choose one you appear under a generated
one (anonymous-…), the same every time. A pseudonym has 2 to 32 letters, digits, spaces and
- _ . ' ; it may not look like another student's pseudonym or any member's login (taken: exit 1),
nor pose as staff or gradebox. Choosing needs a token with the \`submit\` scope.
${SERVER_ENVIRONMENT_HELP}

Examples:
  gradebox pseudonym cs101
  gradebox pseudonym cs101 "Grace Hopper"
  gradebox pseudonym cs101 --clear

Exit codes: 0 ok, 1 refused (a name that may not be a pseudonym, taken, not a member), 2 usage
error or the server is unreachable or busy.`)
    .action(runAction(async (signal, course: string, name: string | undefined, flags: PseudonymFlags) => {
      if (flags.clear && name !== undefined) throw new UsageError('give a NAME or --clear, not both');
      const client = await connect(flags, signal);
      const pseudonym = flags.clear ? await client.setPseudonym(course, null) : name !== undefined ? await client.setPseudonym(course, name) : await client.pseudonym(course);
      if (flags.json) printJson(pseudonym);
      else process.stdout.write(describe(pseudonym));
      return ExitCode.ok;
    }));
}

function describe(p: Pseudonym): string {
  const how = p.chosen ? 'chosen by you' : `generated; choose your own with \`gradebox pseudonym ${safeLine(p.courseId)} NAME\``;
  return `your pseudonym in ${safeLine(p.courseId)}: ${safeLine(p.pseudonym)} (${how})\n`;
}
