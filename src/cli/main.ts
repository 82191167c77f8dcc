#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode } from './exit-codes.ts';
import { catCommand } from './commands/cat.ts';
import { gradeCommand } from './commands/grade.ts';
import { inspectCommand } from './commands/inspect.ts';
import { lsCommand } from './commands/ls.ts';
import { sanityCommand } from './commands/sanity.ts';
import { UsageError } from './usage-error.ts';

/** The `gradebox` program: one file per command under commands/, each thin over library code. */
export function buildProgram(): Command {
  const program = new Command('gradebox')
    .description('Write, test and ship autograders; run the gradebox grading service.')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok/graded, 1 grader error, 2 usage error, 3 sandbox or environment error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).')
    .exitOverride();
  program.addCommand(gradeCommand());
  program.addCommand(inspectCommand());
  program.addCommand(lsCommand());
  program.addCommand(catCommand());
  program.addCommand(sanityCommand());
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

// From our own package.json (two levels up from both src/cli and dist/cli): npm_package_version
// would be the version of whichever package's npm script happens to run gradebox.
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
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
