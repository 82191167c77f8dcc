#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ExitCode } from './exit-codes.ts';
import { catCommand } from './commands/cat.ts';
import { gradeCommand } from './commands/grade.ts';
import { inspectCommand } from './commands/inspect.ts';
import { lsCommand } from './commands/ls.ts';
import { sanityCommand } from './commands/sanity.ts';
import { UsageError } from './usage-error.ts';
import { gradeboxVersion } from '../version.ts';
import { serveCommand } from './commands/serve.ts';
import { applyCommand } from './commands/apply.ts';
import { assignmentsCommand } from './commands/assignments.ts';
import { coursesCommand } from './commands/courses.ts';
import { loginCommand } from './commands/login.ts';
import { logoutCommand } from './commands/logout.ts';
import { publishCommand } from './commands/publish.ts';
import { submitCommand } from './commands/submit.ts';
import { submissionCommand } from './commands/submission.ts';
import { uploadCommand } from './commands/upload.ts';
import { whoamiCommand } from './commands/whoami.ts';
import { tokensCommand } from './commands/tokens.ts';
import { usersCommand } from './commands/users.ts';

/** The `gradebox` program: one file per command under commands/, each thin over library code. */
export function buildProgram(): Command {
  const program = new Command('gradebox')
    .description('Write, test and ship autograders; run the gradebox grading service.')
    .version(gradeboxVersion())
    // Program options only before a command: `grade remote --version 3` is the command's own option.
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok/graded, 1 grader error or refused by the server, 2 usage error or server busy/unreachable (retry later), 3 sandbox or environment error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).')
    .exitOverride();
  program.addCommand(gradeCommand());
  program.addCommand(inspectCommand());
  program.addCommand(lsCommand());
  program.addCommand(catCommand());
  program.addCommand(sanityCommand());
  program.addCommand(serveCommand());
  // Server commands (src/client/): talk to a gradebox server over its HTTP API.
  for (const command of [loginCommand(), logoutCommand(), whoamiCommand(), usersCommand(), tokensCommand(), coursesCommand(), assignmentsCommand(), applyCommand(), uploadCommand(), publishCommand(), submitCommand(), submissionCommand()]) {
    program.addCommand(command);
  }
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

// Commander exits with 1 on its own usage errors; gradebox documents 2 for those.
// Subcommands added with addCommand do not inherit showHelpAfterError, so set it on each.
function applyExitOverride(command: Command): void {
  command.exitOverride().showHelpAfterError('(add --help for usage)');
  for (const sub of command.commands) applyExitOverride(sub);
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else if (error instanceof UsageError) {
      // Thrown by option parsers before an action runs.
      process.stderr.write(`error: ${error.message}\n(see --help)\n`);
      process.exitCode = ExitCode.usage;
    } else {
      throw error;
    }
  }
}

await main();
