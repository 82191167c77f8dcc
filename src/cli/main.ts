#!/usr/bin/env node
import { Command, CommanderError, Help } from 'commander';
import { COMMAND_INDEX, type CommandEntry } from './command-index.ts';
import { ExitCode } from './exit-codes.ts';
import { UsageError } from './usage-error.ts';
import { gradeboxVersion } from '../version.ts';

/**
 * The `gradebox` program: one file per command under commands/, each thin over library code. All
 * commands are listed, but only the one `args` runs (or asks help for) is loaded; the others are
 * placeholders with their name and summary, enough for `gradebox --help` and for commander's
 * "unknown command, did you mean…".
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('gradebox')
    .description('Write, test and ship autograders; run the gradebox grading service.')
    .version(gradeboxVersion())
    // Program options only before a command: `grade remote --version 3` is the command's own option.
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok/graded, 1 grader error or refused by the server, 2 usage error or server busy/unreachable (retry later), 3 sandbox or environment error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).')
    .exitOverride();
  await addCommands(program, COMMAND_INDEX, args);
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

/** Adds `entries` to `parent`: the one `args` names loaded (with its own subcommands, likewise), the others as placeholders. */
async function addCommands(parent: Command, entries: readonly CommandEntry[], args: readonly string[]): Promise<void> {
  const { entry: wanted, rest } = commandNamed(entries, args);
  for (const entry of entries) parent.addCommand(entry === wanted ? await materialize(entry, rest) : placeholder(entry));
  // A placeholder has no options or arguments, so its line in the list comes from the index.
  const defaultHelp = new Help();
  parent.configureHelp({
    subcommandTerm: (command) => entries.find((e) => command.parent === parent && e.name === command.name())?.term ?? defaultHelp.subcommandTerm(command),
  });
}

async function materialize(entry: CommandEntry, args: readonly string[]): Promise<Command> {
  if ('load' in entry) return entry.load();
  const group = new Command(entry.name).description(entry.summary);
  await addCommands(group, entry.subcommands, args);
  return group;
}

/**
 * The entry the arguments run, and the arguments after its name: the first word that is not an
 * option (`[-h|-V] [--] COMMAND …`), or the one after `help`. Options before a command belong to
 * its parent, and the parents here (gradebox, grade) have none that take a value.
 */
function commandNamed(entries: readonly CommandEntry[], args: readonly string[]): { entry: CommandEntry | undefined; rest: readonly string[] } {
  let at = args.findIndex((arg, i) => !arg.startsWith('-') || args[i - 1] === '--');
  if (args[at] === 'help') at = args.findIndex((arg, i) => i > at && !arg.startsWith('-'));
  const entry = at < 0 ? undefined : entries.find((e) => e.name === args[at]);
  return { entry, rest: entry === undefined ? [] : args.slice(at + 1) };
}

function placeholder(entry: CommandEntry): Command {
  return new Command(entry.name).description(entry.summary).action(() => {
    throw new Error(`gradebox: the ${entry.name} command was not loaded`);
  });
}

// Commander exits with 1 on its own usage errors; gradebox documents 2 for those.
// Subcommands added with addCommand do not inherit showHelpAfterError, so set it on each.
function applyExitOverride(command: Command): void {
  command.exitOverride().showHelpAfterError('(add --help for usage)');
  for (const sub of command.commands) applyExitOverride(sub);
}

async function main(): Promise<void> {
  try {
    const args = process.argv.slice(2);
    await (await buildProgram(args)).parseAsync(args, { from: 'user' });
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
