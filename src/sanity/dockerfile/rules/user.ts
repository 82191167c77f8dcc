import { lineOf, ofKind, type DockerfileModel } from '../dockerfile-model.ts';
import type { LintRule } from '../finding.ts';
import { gradescopeLine } from '../grader-kind.ts';

// gradebox ignores the image's USER: a Coursera-style grader runs as uid/gid 1000 (docs/sandbox.md)
// unless its grader version says otherwise (`--user` of upload and grade local), so these rules are
// about the difference between `docker run` (which honours USER) and gradebox. Gradescope graders
// run as root, as on Gradescope; GB084 covers their USER.

const GRADER_UID = 1000;

function finalUser(file: DockerfileModel): { user: string; line: number } | undefined {
  if (gradescopeLine(file) !== undefined) return undefined;
  const last = ofKind(file.finalImage, 'USER').at(-1);
  const user = last?.getArgumentsContent()?.trim();
  return last === undefined || user === undefined || user === '' ? undefined : { user, line: lineOf(last) };
}

/** GB040: the final USER is root. */
export const rootUser: LintRule = {
  id: 'GB040',
  severity: 'info',
  title: 'the final USER is root',
  fix: 'if the grader needs root, grade and upload it with --user root; else create a uid-1000 user (useradd -u 1000 grader) and end with USER 1000',
  check: (file) => {
    const found = finalUser(file);
    const name = found?.user.split(':')[0];
    if (found === undefined || (name !== 'root' && name !== '0')) return [];
    return [{
      line: found.line,
      message: `USER ${found.user}: gradebox runs Coursera graders as uid ${GRADER_UID} whatever USER says (root only with --user root); files the grader reads or writes must be accessible to uid ${GRADER_UID}`,
    }];
  },
};

/** GB041: no USER at all: docker run would run as root, gradebox as uid 1000. */
export const noUser: LintRule = {
  id: 'GB041',
  severity: 'info',
  title: 'no USER in the final image',
  fix: 'add USER 1000 (after creating the user) and test with gradebox grade local',
  check: (file) => (file.final === undefined || gradescopeLine(file) !== undefined || finalUser(file) !== undefined ? [] : [{
    line: lineOf(file.final.from),
    message: `no USER: docker run would run the grader as root, gradebox runs it as uid ${GRADER_UID} (root only with --user root); test as that user (gradebox grade local, or docker run --user ${GRADER_UID}:${GRADER_UID})`,
  }]),
};

/** GB042: a numeric USER other than 1000: the grader will not run as that uid under gradebox. */
export const otherUid: LintRule = {
  id: 'GB042',
  severity: 'info',
  title: 'the final USER is a uid other than 1000',
  fix: `make the grader's files readable (and its work directories writable) by uid 1000, or grade and upload it with --user UID`,
  check: (file) => {
    const found = finalUser(file);
    const uid = found?.user.split(':')[0];
    if (found === undefined || uid === undefined || !/^\d+$/.test(uid) || Number(uid) === 0 || Number(uid) === GRADER_UID) return [];
    return [{
      line: found.line,
      message: `USER ${found.user}: gradebox runs Coursera graders as uid ${GRADER_UID}, not ${uid} (unless graded and uploaded with --user ${uid}); files owned by ${uid} with private permissions will be unreadable`,
    }];
  },
};
