import type { Instruction } from 'dockerfile-ast';
import { ofKind, type DockerfileModel } from '../dockerfile-model.ts';
import type { LintRule } from '../finding.ts';
import { commandProgram, runCommands, type Word } from '../shell-commands.ts';

/** One `apt-get install` (or `apt install`) in a RUN. */
interface AptInstall {
  run: Instruction;
  /** `apt-get` or `apt`, as written. */
  program: string;
  /** Line of the `apt-get` word. */
  line: number;
  /** The words after the program. */
  args: string[];
}

// Options of apt-get that take the next word as their value.
const WITH_VALUE = new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release']);

function aptInstalls(runs: readonly Instruction[], file: DockerfileModel): AptInstall[] {
  const found: AptInstall[] = [];
  for (const run of runs) {
    for (const words of runCommands(run, file)) {
      const program = commandProgram(words);
      if (program === undefined || !['apt-get', 'apt'].includes(program.program)) continue;
      const args = words.slice(program.index + 1).map((w: Word) => w.text);
      if (subcommand(args) === 'install') found.push({ run, program: program.program, line: words[program.index]?.line ?? 0, args });
    }
  }
  return found;
}

function subcommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

const option = (args: readonly string[], pattern: RegExp): boolean => args.some((a, i) => pattern.test(a) || (a === '-o' && pattern.test(`-o${args[i + 1] ?? ''}`)));

function cleansLists(run: Instruction, file: DockerfileModel): boolean {
  const flags = (run as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags();
  // A cache mount keeps the lists out of the image in the first place.
  if (flags.some((f) => f.getName() === 'mount' && /target=\/var\/lib\/apt(\/lists)?\/?(,|$)/.test(f.getValue() ?? ''))) return true;
  return runCommands(run, file).some((words) => {
    const program = commandProgram(words);
    return program?.program === 'rm' && words.slice(program.index + 1).some((w) => w.text.startsWith('/var/lib/apt/lists'));
  });
}

/** GB070: package lists left in the layer (tens of MiB) when the RUN installing packages does not remove them. */
export const aptListsKept: LintRule = {
  id: 'GB070',
  severity: 'warning',
  title: 'apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN',
  fix: 'end the same RUN with && rm -rf /var/lib/apt/lists/*',
  check: (file) => aptInstalls(ofKind(file.finalImage, 'RUN'), file)
    .filter((install, i, all) => all.findIndex((other) => other.run === install.run) === i && !cleansLists(install.run, file))
    .map((install) => ({
      line: install.line,
      message: `${install.program} install leaves the package lists (/var/lib/apt/lists) in the image: removing them in a later RUN does not shrink it`,
    })),
};

/** GB071: without -y apt-get asks for confirmation, and docker build has no one to answer. */
export const aptNoYes: LintRule = {
  id: 'GB071',
  severity: 'warning',
  title: 'apt-get install without -y',
  fix: 'add -y: apt-get install -y --no-install-recommends PACKAGES',
  check: (file) => aptInstalls(ofKind(file.instructions, 'RUN'), file)
    .filter((install) => !option(install.args, /^(-[a-z]*y[a-z]*|--yes|--assume-yes|-oAPT::Get::Assume-Yes=(true|1|yes))$/i))
    .map((install) => ({
      line: install.line,
      message: `${install.program} install without -y: when it asks "Do you want to continue?", the build has no terminal to answer and aborts`,
    })),
};

/** GB072: recommended packages make images much bigger, and graders rarely need them. */
export const aptRecommends: LintRule = {
  id: 'GB072',
  severity: 'info',
  title: 'apt-get install without --no-install-recommends',
  fix: 'add --no-install-recommends, then add any package the grader turns out to need',
  check: (file) => aptInstalls(ofKind(file.finalImage, 'RUN'), file)
    .filter((install) => !option(install.args, /^(--no-install-recommends|-oAPT::Install-Recommends=(false|0|no))$/i))
    .map((install) => ({ line: install.line, message: `${install.program} install also installs recommended packages, which graders rarely need` })),
};
