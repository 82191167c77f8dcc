import { posix } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { copyOperands, lineOf, ofKind, type DockerfileModel } from '../dockerfile-model.ts';
import type { Hit, LintRule } from '../finding.ts';
import { gradescopeLine, RUN_AUTOGRADER } from '../grader-kind.ts';

// Gradescope builds an autograder from a zip: its own base image, the zip unpacked in
// /autograder/source, setup.sh run, run_autograder copied to /autograder/run_autograder. Its
// harness then runs run_autograder as root, with network access, after putting the submission in
// /autograder/submission. A Dockerfile does all of the building itself, and gradebox runs
// /autograder/run_autograder as root in a user namespace, without network, with
// /autograder/submission and /autograder/results mounted fresh (docs/grader-contract.md).
// These rules say where a Gradescope-style Dockerfile will behave differently here.

const COPIES = ['COPY', 'ADD'];

function copies(file: DockerfileModel): { instruction: Instruction; sources: string[]; destination: string; line: number }[] {
  return file.finalImage.filter((i) => COPIES.includes(i.getKeyword())).flatMap((instruction) => {
    const operands = copyOperands(instruction);
    return operands === undefined ? [] : [{ instruction, ...operands }];
  });
}

const runMentions = (file: DockerfileModel, pattern: RegExp): boolean =>
  ofKind(file.finalImage, 'RUN').some((run) => pattern.test(run.getArgumentsContent() ?? ''));

/** GB080: how gradebox runs a Gradescope grader, and the difference that matters most: no network. */
export const gradescopeRun: LintRule = {
  id: 'GB080',
  severity: 'info',
  title: 'Gradescope grader: gradebox runs /autograder/run_autograder as root, without network',
  fix: 'download and install everything while the image builds (RUN, setup.sh), never in run_autograder',
  check: (file) => {
    const line = gradescopeLine(file);
    return line === undefined ? [] : [{
      line,
      message: `this is a Gradescope grader: gradebox runs ${RUN_AUTOGRADER} in /autograder as root (uid 0 inside a user namespace), as Gradescope does, but with no network: whatever it fetches while grading (pip install, git pull, curl, apt-get) fails here`,
    }];
  },
};

/** GB081: nothing puts run_autograder where gradebox (and Gradescope's harness) runs it. */
export const runAutograderMissing: LintRule = {
  id: 'GB081',
  severity: 'error',
  title: 'Gradescope grader without /autograder/run_autograder',
  fix: 'COPY run_autograder /autograder/run_autograder, then RUN chmod +x /autograder/run_autograder',
  check: (file) => {
    const line = gradescopeLine(file);
    if (line === undefined || runMentions(file, /\brun_autograder\b/)) return [];
    // COPY . /autograder/ may well hold it: the build context is not visible here.
    const placed = copies(file).some(({ destination }) => [RUN_AUTOGRADER, '/autograder', '/autograder/'].includes(posix.normalize(destination)));
    return placed ? [] : [{
      line,
      message: `nothing in this file puts ${RUN_AUTOGRADER} in the image: Gradescope copies it there when it builds from a zip, docker build does not; without it gradebox sees no Gradescope grader and runs the image's ENTRYPOINT/CMD as a Coursera one`,
    }];
  },
};

/** GB082: setup.sh is in the image but never run (Gradescope runs it only for zip uploads). */
export const setupNotRun: LintRule = {
  id: 'GB082',
  severity: 'warning',
  title: 'setup.sh copied into a Gradescope grader but never run',
  fix: 'RUN bash /autograder/source/setup.sh (after the COPY)',
  check: (file) => {
    if (gradescopeLine(file) === undefined || runMentions(file, /\bsetup\.sh\b/)) return [];
    const hits: Hit[] = [];
    for (const { sources, destination, line } of copies(file)) {
      const named = posix.basename(destination) === 'setup.sh' ? destination
        : sources.some((s) => posix.basename(s) === 'setup.sh') ? posix.join(destination, 'setup.sh') : undefined;
      if (named === undefined) continue;
      hits.push({
        line,
        message: `setup.sh is copied but no RUN runs it: Gradescope runs setup.sh when it builds an autograder from a zip, docker build does not, so what it installs is missing`,
        fix: `RUN bash ${named.startsWith('/') ? named : 'setup.sh'}`,
      });
    }
    return hits;
  },
};

const MOUNTED: Record<string, string> = {
  '/autograder/submission': 'gradebox mounts a copy of the submission there for each run',
  '/autograder/results': 'gradebox mounts a fresh, empty directory there for each run',
  '/autograder/submission_metadata.json': 'gradebox writes that file for each run',
};

/** GB083: files put where gradebox mounts or writes its own at grading time are hidden or replaced. */
export const shadowedByRun: LintRule = {
  id: 'GB083',
  severity: 'warning',
  title: 'files put in /autograder/submission, /autograder/results or submission_metadata.json, which each run replaces',
  fix: 'keep the grader\'s own files elsewhere, e.g. under /autograder/source',
  check: (file) => (gradescopeLine(file) === undefined ? [] : copies(file).flatMap(({ instruction, destination, line }) => {
    const target = posix.normalize(destination).replace(/(.)\/$/, '$1');
    const place = Object.keys(MOUNTED).find((p) => target === p || target.startsWith(`${p}/`));
    return place === undefined ? [] : [{
      line,
      message: `${instruction.getKeyword()} puts files in ${target}, which the grader never sees: ${MOUNTED[place] ?? ''}`,
    }];
  })),
};

/** GB084: USER has no effect on a Gradescope grader: it runs as root, as on Gradescope. */
export const gradescopeUser: LintRule = {
  id: 'GB084',
  severity: 'info',
  title: 'USER in a Gradescope grader (it runs as root all the same)',
  fix: 'remove USER; to run students\' code unprivileged, create a user and switch to it in run_autograder (runuser, su), or grade and upload with --user UID',
  check: (file) => {
    if (gradescopeLine(file) === undefined) return [];
    const user = ofKind(file.finalImage, 'USER').at(-1);
    const name = user?.getArgumentsContent()?.trim().split(':')[0];
    if (user === undefined || name === undefined || name === '' || name === 'root' || name === '0') return [];
    return [{
      line: lineOf(user),
      message: `USER ${name} does not apply: gradebox runs ${RUN_AUTOGRADER} as root (uid 0 inside a user namespace), as Gradescope's harness does, whatever USER says (only --user changes it)`,
    }];
  },
};
