import { posix } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { copyOperands, execForm, externalBase, lineOf, ofKind, stageChain, type DockerfileModel } from '../dockerfile-model.ts';
import type { Hit, LintRule } from '../finding.ts';

// Only the final image's ENTRYPOINT matters: build stages are never run as graders.

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'fish']);
const RUN_AUTOGRADER = '/autograder/run_autograder';

/**
 * The line that makes this a Gradescope grader, for which gradebox runs /autograder/run_autograder
 * and ignores ENTRYPOINT: a COPY/ADD into /autograder, a RUN naming run_autograder, or a
 * Gradescope base image. Undefined for a Coursera-style grader.
 */
export function gradescopeLine(file: DockerfileModel): number | undefined {
  if (file.final === undefined) return undefined;
  const base = externalBase(file.final);
  if (/gradescope\/autograder/i.test(base.getImage() ?? '')) return lineOf(base);
  for (const instruction of file.finalImage) {
    const keyword = instruction.getKeyword();
    const copied = keyword === 'COPY' || keyword === 'ADD' ? copyOperands(instruction)?.destination : undefined;
    if (copied !== undefined && /^\/autograder(\/|$)/.test(copied)) return lineOf(instruction);
    if (keyword === 'RUN' && instruction.getArgumentsContent()?.includes(RUN_AUTOGRADER)) return lineOf(instruction);
  }
  return undefined;
}

function effectiveEntrypoint(file: DockerfileModel): Instruction | undefined {
  return ofKind(file.finalImage, 'ENTRYPOINT').at(-1);
}

/** The shell word of an argv made of a shell and options only (`sh`, `bash -l`, `sh -c`), else undefined. */
function bareShell(argv: readonly string[]): string | undefined {
  const [program, ...rest] = argv;
  return program !== undefined && SHELLS.has(posix.basename(program)) && rest.every((a) => a.startsWith('-')) ? argv.join(' ') : undefined;
}

/** An exec-form array as people write it: `["python3", "/grader/grade.py"]`. */
const jsonArray = (words: readonly string[]): string => `[${words.map((w) => JSON.stringify(w)).join(', ')}]`;

const shellWords = (instruction: Instruction): string[] => (instruction.getArgumentsContent() ?? '').trim().split(/\s+/).filter(Boolean);

/** GB030: the final image has no ENTRYPOINT, so a Coursera-style run has nothing to start. */
export const missingEntrypoint: LintRule = {
  id: 'GB030',
  severity: 'error',
  title: 'no ENTRYPOINT in the final image (Coursera-style graders)',
  fix: 'add ENTRYPOINT ["/path/to/grader"] in exec form',
  check: (file) => {
    if (file.final === undefined || gradescopeLine(file) !== undefined) return [];
    const entrypoint = effectiveEntrypoint(file);
    const cleared = entrypoint !== undefined && execForm(entrypoint)?.length === 0;
    if (entrypoint !== undefined && !cleared) return [];
    const cmd = ofKind(file.finalImage, 'CMD').at(-1);
    const line = cleared ? lineOf(entrypoint) : lineOf(file.final.from);
    const what = cleared ? 'ENTRYPOINT [] clears the entrypoint' : 'the final image has no ENTRYPOINT';
    if (cmd !== undefined) {
      return [{
        line,
        message: `${what}, only CMD (line ${lineOf(cmd)}): the part id is passed as arguments, which replace CMD, so the grader would never start`,
        fix: `turn the CMD into ENTRYPOINT${execForm(cmd) === undefined ? '' : ` ${jsonArray(execForm(cmd) ?? [])}`}`,
      }];
    }
    return [{ line, message: `${what} and no CMD: nothing would run, unless the base image sets one (not visible here; repeat it in this file)` }];
  },
};

/** GB031: several ENTRYPOINTs in one stage of the final image: all but the last have no effect. */
export const redefinedEntrypoint: LintRule = {
  id: 'GB031',
  severity: 'warning',
  title: 'ENTRYPOINT given more than once in a stage of the final image',
  fix: 'keep only the last ENTRYPOINT',
  check: (file) => (file.final === undefined ? [] : stageChain(file.final).flatMap((stage) => {
    const entrypoints = ofKind(stage.body, 'ENTRYPOINT');
    const last = entrypoints.at(-1);
    return last === undefined ? [] : entrypoints.slice(0, -1).map((e) => ({
      line: lineOf(e),
      message: `this ENTRYPOINT has no effect: the one on line ${lineOf(last)} replaces it`,
      fix: 'delete it',
    }));
  })),
};

/** GB032: ENTRYPOINT is a bare shell: the part id would be run as a script (or command) name. */
export const shellEntrypoint: LintRule = {
  id: 'GB032',
  severity: 'error',
  title: 'ENTRYPOINT is a bare shell (["/bin/sh"], bash, sh -c)',
  fix: 'point ENTRYPOINT at the grader itself: ENTRYPOINT ["/grader/run.sh"]',
  check: (file) => {
    const entrypoint = gradescopeLine(file) === undefined ? effectiveEntrypoint(file) : undefined;
    if (entrypoint === undefined) return [];
    const shell = bareShell(execForm(entrypoint) ?? shellWords(entrypoint));
    if (shell === undefined) return [];
    const fate = / -c$/.test(shell) ? 'run as a shell command' : 'opened as a script file';
    return [{ line: lineOf(entrypoint), message: `ENTRYPOINT is a bare shell (${shell}): the part id gradebox passes as its argument would be ${fate}` }];
  },
};

/** GB033: the ENTRYPOINT cannot receive the part id as an argument (shell form, or sh -c ignoring them). */
export const argumentsLost: LintRule = {
  id: 'GB033',
  severity: 'warning',
  title: 'ENTRYPOINT cannot receive arguments (shell form, or sh -c that ignores them)',
  fix: 'use exec form: ENTRYPOINT ["/grader/run.sh"]',
  check: (file) => {
    const entrypoint = gradescopeLine(file) === undefined ? effectiveEntrypoint(file) : undefined;
    if (entrypoint === undefined) return [];
    const hit = lostArguments(entrypoint);
    return hit === undefined ? [] : [hit];
  },
};

function lostArguments(entrypoint: Instruction): Hit | undefined {
  const line = lineOf(entrypoint);
  const argv = execForm(entrypoint);
  if (argv === undefined) {
    const words = shellWords(entrypoint);
    if (words.length === 0 || bareShell(words) !== undefined) return undefined;
    const text = words.join(' ');
    if (text.startsWith('[')) {
      return {
        line,
        message: 'ENTRYPOINT looks like exec form but is not a valid JSON array of strings (single quotes?), so Docker runs it through /bin/sh -c, which drops the part id argument and CMD',
        fix: 'write a JSON array with double quotes: ENTRYPOINT ["/grader/run.sh"]',
      };
    }
    const simple = !/[|&;<>()$`\\"'*?~=]/.test(text);
    return {
      line,
      message: `ENTRYPOINT ${text} is in shell form: Docker runs it as /bin/sh -c '${text}', which drops the arguments (the part id, left only in $partId) and CMD`,
      fix: simple ? `use exec form: ENTRYPOINT ${jsonArray(words)}` : 'move the command into a script and use exec form: ENTRYPOINT ["/grader/run.sh"]',
    };
  }
  const [program, ...rest] = argv;
  const c = rest.indexOf('-c');
  const script = rest[c + 1];
  if (program === undefined || !SHELLS.has(posix.basename(program)) || c < 0 || script === undefined) return undefined;
  // Arguments after `sh -c SCRIPT` become $0, $1, …: fine only if the script reads them.
  if (/\$\{?[@*0-9]/.test(script)) return undefined;
  return {
    line,
    message: `ENTRYPOINT runs ${posix.basename(program)} -c ${JSON.stringify(script)}, which ignores the arguments after it: the part id becomes $0 and is never used`,
    fix: `call the grader directly, or pass them on: ${jsonArray([program, '-c', `${script} "$@"`, 'sh'])}`,
  };
}

/** GB035: a Gradescope grader's ENTRYPOINT is not what gradebox runs. */
export const gradescopeEntrypoint: LintRule = {
  id: 'GB035',
  severity: 'info',
  title: 'ENTRYPOINT in a Gradescope grader (gradebox runs /autograder/run_autograder)',
  fix: 'nothing to do if intended; put the grading in /autograder/run_autograder',
  check: (file) => {
    const detected = gradescopeLine(file);
    const entrypoint = effectiveEntrypoint(file);
    if (detected === undefined || entrypoint === undefined) return [];
    return [{
      line: lineOf(entrypoint),
      message: `this is a Gradescope grader (line ${detected}), so gradebox runs ${RUN_AUTOGRADER} and this ENTRYPOINT is not used`,
    }];
  },
};
