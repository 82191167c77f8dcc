import { posix } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { copyOperands, execForm, lineOf, ofKind, type DockerfileModel } from '../dockerfile-model.ts';
import type { Hit, LintRule } from '../finding.ts';
import { gradescopeLine, imageCommand, isCleared, shellWords } from '../grader-kind.ts';

// Coursera's own samples start graders as ENTRYPOINT ["grader/grader.py"] or CMD ["Rscript",
// "grader/main.R"]: paths relative to the working directory, which work only because that is `/`.
// This file sets no WORKDIR, so the directory is the base image's: `/` for most bases, but not for
// one that sets a WORKDIR (jupyter, many language images' variants), nor after someone adds one.

/** The words the grader's command line is made of, each with the instruction it comes from. */
function commandWords(file: DockerfileModel): { word: string; instruction: Instruction }[] {
  const { entrypoint, cmd } = imageCommand(file);
  const active = entrypoint !== undefined && !isCleared(entrypoint) ? entrypoint : undefined;
  const parts: Instruction[] = [];
  if (active !== undefined) parts.push(active);
  // A shell-form ENTRYPOINT ignores CMD; an exec-form one gets it as arguments.
  if (cmd !== undefined && (active === undefined || execForm(active) !== undefined)) parts.push(cmd);
  return parts.flatMap((instruction) => {
    const argv = execForm(instruction);
    if (argv !== undefined) return argv.map((word) => ({ word, instruction }));
    const words = shellWords(instruction);
    // A shell command line that changes directory, or uses operators, is past judging word by word.
    if (words.some((w) => w === 'cd' || /[;&|<>()`]/.test(w))) return [];
    return words.map((word) => ({ word, instruction }));
  });
}

/**
 * A word that names a file relative to the working directory: it has a slash, does not start with
 * one (or with -, $, ~), and is no URL, option value or shell script (`sh -c "…"`). A word without a
 * slash counts only when the image has that very file at `/` (`COPY main.R /main.R`, then `main.R`).
 */
function relativePath(word: string, rootFiles: ReadonlySet<string>): boolean {
  if (/^[-/$~]/.test(word) || /[\s=:'"\\]/.test(word) || word.startsWith('<<')) return false;
  if (word.includes('/')) return /^[\w.@+,%-]/.test(word) && !/^\.\.?\/?$/.test(word);
  return rootFiles.has(`/${word}`);
}

/** Files COPY/ADD put directly in `/` (by destination path), for bare names in the command. */
function filesAtRoot(file: DockerfileModel): Set<string> {
  const found = new Set<string>();
  for (const instruction of [...ofKind(file.finalImage, 'COPY'), ...ofKind(file.finalImage, 'ADD')]) {
    const destination = copyOperands(instruction)?.destination;
    if (destination !== undefined && posix.dirname(destination) === '/' && !destination.endsWith('/')) found.add(destination);
  }
  return found;
}

/** GB036: the command names files relative to a working directory this file leaves to the base image. */
export const relativeCommandPath: LintRule = {
  id: 'GB036',
  severity: 'warning',
  title: 'ENTRYPOINT or CMD names a relative path and no WORKDIR sets the directory it depends on',
  fix: 'use the absolute path, e.g. ENTRYPOINT ["/grader/grader.py"]',
  check: (file) => {
    if (file.final === undefined || gradescopeLine(file) !== undefined || ofKind(file.finalImage, 'WORKDIR').length > 0) return [];
    const rootFiles = filesAtRoot(file);
    const hits: Hit[] = [];
    for (const { word, instruction } of commandWords(file)) {
      if (!relativePath(word, rootFiles)) continue;
      const absolute = posix.join('/', word);
      hits.push({
        line: lineOf(instruction),
        message: `${instruction.getKeyword()} uses "${word}", a path relative to the working directory: it means ${absolute} only while that is /, and with no WORKDIR in this file it is whatever the base image sets`,
        fix: `use the absolute path ${absolute}`,
      });
    }
    return hits;
  },
};
