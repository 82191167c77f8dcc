import { posix } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { commandArguments, heredocsOf, type DockerfileModel } from './dockerfile-model.ts';

/** A word of a shell command and the 1-based line it is on. */
export interface Word {
  text: string;
  line: number;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh']);
// A here-document whose first line is a shebang for another interpreter is not shell.
const FOREIGN_SHEBANG = /^#!\S*(\s+\S+)*?\b(python\d*(\.\d+)?|perl|node|ruby|php|Rscript)\b/;

/**
 * The simple commands of a RUN instruction as lists of words, split at `&&`, `||`, `;`, `|` and
 * at line ends that are not continued. Shell-form only (exec form has one command), and here-
 * documents count when the shell runs them (`RUN <<EOF`, `RUN bash <<EOF`), not when another
 * program reads them (`RUN python3 <<EOF`). Quotes are not interpreted: good enough to find an
 * `apt-get install` and its options, which is all the rules need.
 */
export function runCommands(run: Instruction, file: DockerfileModel): Word[][] {
  const args = commandArguments(run);
  const first = args[0];
  if (first === undefined || run.getArgumentsContent()?.trim().startsWith('[')) return [];
  const escape = file.ast.getEscapeCharacter();
  const skipped = new Set<number>(); // 0-based lines that are not shell: foreign bodies, terminators
  const firstWord = first.getValue();
  const shellBody = firstWord.startsWith('<<') || SHELLS.has(posix.basename(firstWord));
  for (const heredoc of heredocsOf(run)) {
    const content = heredoc.getContentRange();
    const end = heredoc.getDelimiterRange();
    if (end !== null) skipped.add(end.start.line);
    const firstLine = content === null ? '' : (file.lines[content.start.line] ?? '');
    if (content !== null && (!shellBody || FOREIGN_SHEBANG.test(firstLine))) {
      for (let l = content.start.line; l <= content.end.line; l++) skipped.add(l);
    }
  }
  const commands: Word[][] = [];
  let current: Word[] = [];
  const endCommand = (): void => {
    if (current.length > 0) commands.push(current);
    current = [];
  };
  const range = run.getRange();
  let continued = false;
  for (let l = first.getRange().start.line; l <= range.end.line; l++) {
    let text = file.lines[l] ?? '';
    if (l === first.getRange().start.line) text = text.slice(first.getRange().start.character);
    if (l === range.end.line) text = text.slice(0, Math.max(0, range.end.character - (l === first.getRange().start.line ? first.getRange().start.character : 0)));
    // Docker drops comment lines inside a continued instruction.
    if (skipped.has(l) || (continued && /^\s*#/.test(text))) continue;
    continued = text.trimEnd().endsWith(escape);
    if (continued) text = text.trimEnd().slice(0, -escape.length);
    for (const match of text.matchAll(/&&|\|\||[;|]|[^\s;&|]+/g)) {
      const token = match[0];
      if (/^(&&|\|\||;|\|)$/.test(token)) endCommand();
      else if (!token.startsWith('<<')) current.push({ text: token, line: l + 1 });
    }
    if (!continued) endCommand();
  }
  endCommand();
  return commands;
}

/** The program a command runs, past `VAR=value` prefixes, `sudo` and `env`. */
export function commandProgram(words: readonly Word[]): { program: string; index: number } | undefined {
  for (let i = 0; i < words.length; i++) {
    const text = words[i]?.text ?? '';
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(text) || text === 'sudo' || text === 'env') continue;
    return { program: posix.basename(text), index: i };
  }
  return undefined;
}
