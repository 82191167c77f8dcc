import { posix } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { execForm, lineOf, ofKind, stageChain } from '../dockerfile-model.ts';
import { gradescopeLine, imageCommand, isCleared, RUN_AUTOGRADER, shellWords } from '../grader-kind.ts';
import type { Hit, LintRule } from '../finding.ts';

// Only the final image's ENTRYPOINT and CMD matter: build stages are never run as graders. gradebox
// runs a Coursera-style grader as `docker run IMAGE` does, with the part id in the environment
// ($partId, as Coursera's v2 graders get it); arguments reach it only from
// `gradebox grade local IMAGE DIR -- ARGS`, and then replace CMD as in `docker run IMAGE ARGS`.

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'fish']);

/** The shell word of an argv made of a shell and options only (`sh`, `bash -l`, `sh -c`), else undefined. */
function bareShell(argv: readonly string[]): string | undefined {
  const [program, ...rest] = argv;
  return program !== undefined && SHELLS.has(posix.basename(program)) && rest.every((a) => a.startsWith('-')) ? argv.join(' ') : undefined;
}

/** An exec-form array as people write it: `["python3", "/grader/grade.py"]`. */
const jsonArray = (words: readonly string[]): string => `[${words.map((w) => JSON.stringify(w)).join(', ')}]`;

/** GB030: neither ENTRYPOINT nor CMD in the final image, so a Coursera-style run has nothing to start. */
export const missingEntrypoint: LintRule = {
  id: 'GB030',
  severity: 'error',
  title: 'neither ENTRYPOINT nor CMD in the final image (Coursera-style graders)',
  fix: 'add ENTRYPOINT ["/path/to/grader"] in exec form',
  check: (file) => {
    if (file.final === undefined || gradescopeLine(file) !== undefined) return [];
    const { entrypoint, cmd } = imageCommand(file);
    if ((entrypoint !== undefined && !isCleared(entrypoint)) || cmd !== undefined) return [];
    const line = entrypoint === undefined ? lineOf(file.final.from) : lineOf(entrypoint);
    const what = entrypoint === undefined ? 'the final image has no ENTRYPOINT' : 'ENTRYPOINT [] clears the entrypoint';
    return [{ line, message: `${what} and no CMD: nothing would run, unless the base image sets a command (not visible here; repeat it in this file)` }];
  },
};

/** GB034: the grader is a CMD: fine (the part id comes in the environment), but arguments would replace it. */
export const cmdOnly: LintRule = {
  id: 'GB034',
  severity: 'info',
  title: 'CMD without ENTRYPOINT: it runs as is; arguments would replace it',
  fix: 'nothing to do if the grader reads $partId; if it takes arguments, make the command the ENTRYPOINT',
  check: (file) => {
    if (gradescopeLine(file) !== undefined) return [];
    const { entrypoint, cmd } = imageCommand(file);
    if (cmd === undefined || (entrypoint !== undefined && !isCleared(entrypoint))) return [];
    const argv = execForm(cmd);
    return [{
      line: lineOf(cmd),
      message: `the grader is this CMD, with no ENTRYPOINT: gradebox runs it as docker run does and, like Coursera, passes the part id in the environment ($partId); arguments (gradebox grade local … -- ARGS) would replace the CMD rather than follow it`,
      ...(argv === undefined || argv.length === 0 ? {} : { fix: `nothing to do if the grader reads $partId; if it takes arguments: ENTRYPOINT ${jsonArray(argv)}` }),
    }];
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

/** GB032: ENTRYPOINT is a bare shell with no command to run: it exits at once, grading nothing. */
export const shellEntrypoint: LintRule = {
  id: 'GB032',
  severity: 'error',
  title: 'ENTRYPOINT is a bare shell (["/bin/sh"], bash, sh -c) with no CMD to run',
  fix: 'point ENTRYPOINT at the grader itself: ENTRYPOINT ["/grader/run.sh"]',
  check: (file) => {
    if (gradescopeLine(file) !== undefined) return [];
    const { entrypoint, cmd } = imageCommand(file);
    if (entrypoint === undefined) return [];
    const argv = execForm(entrypoint);
    const shell = bareShell(argv ?? shellWords(entrypoint));
    // An exec-form shell runs the CMD after it (ENTRYPOINT ["/bin/sh", "-c"] + CMD ["…"]); shell form never does.
    if (shell === undefined || (argv !== undefined && cmd !== undefined)) return [];
    const fate = / -c$/.test(shell)
      ? 'sh -c needs a command string and fails without one'
      : 'it reads its commands from standard input, which is empty, and exits at once';
    return [{ line: lineOf(entrypoint), message: `ENTRYPOINT is a bare shell (${shell}) with no CMD to run: ${fate}, so nothing is graded` }];
  },
};

/** GB033: the ENTRYPOINT cannot receive the part id as an argument (shell form, or sh -c ignoring them). */
export const argumentsLost: LintRule = {
  id: 'GB033',
  severity: 'warning',
  title: 'ENTRYPOINT cannot receive arguments (shell form, or sh -c that ignores them)',
  fix: 'use exec form: ENTRYPOINT ["/grader/run.sh"]',
  check: (file) => {
    const { entrypoint, cmd } = gradescopeLine(file) === undefined ? imageCommand(file) : { entrypoint: undefined, cmd: undefined };
    if (entrypoint === undefined) return [];
    const hit = lostArguments(entrypoint, cmd);
    return hit === undefined ? [] : [hit];
  },
};

function lostArguments(entrypoint: Instruction, cmd: Instruction | undefined): Hit | undefined {
  const line = lineOf(entrypoint);
  const argv = execForm(entrypoint);
  if (argv === undefined) {
    const words = shellWords(entrypoint);
    if (words.length === 0 || bareShell(words) !== undefined) return undefined;
    const text = words.join(' ');
    if (text.startsWith('[')) {
      return {
        line,
        message: 'ENTRYPOINT looks like exec form but is not a valid JSON array of strings (single quotes?), so Docker runs it through /bin/sh -c, which ignores CMD and any arguments',
        fix: 'write a JSON array with double quotes: ENTRYPOINT ["/grader/run.sh"]',
      };
    }
    const simple = !/[|&;<>()$`\\"'*?~=]/.test(text);
    return {
      line,
      message: `ENTRYPOINT ${text} is in shell form: Docker runs it as /bin/sh -c '${text}', which ignores ${cmd === undefined ? '' : `the CMD (line ${lineOf(cmd)}) and `}any arguments (gradebox grade local … -- ARGS, or the command-line parameters Coursera's v1 graders got); the part id still arrives in $partId`,
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
    message: `ENTRYPOINT runs ${posix.basename(program)} -c ${JSON.stringify(script)}, which ignores the arguments after it: CMD or arguments given to the grader become $0, $1, … and are never used`,
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
    const { entrypoint } = imageCommand(file);
    if (detected === undefined || entrypoint === undefined) return [];
    return [{
      line: lineOf(entrypoint),
      message: `this is a Gradescope grader (line ${detected}), so gradebox runs ${RUN_AUTOGRADER} and this ENTRYPOINT is not used`,
    }];
  },
};
