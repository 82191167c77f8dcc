import type { Env, Instruction } from 'dockerfile-ast';
import { lineOf, ofKind } from '../dockerfile-model.ts';
import type { LintRule } from '../finding.ts';

// Instructions that describe how to *run* a container. gradebox runs graders its own way
// (docs/sandbox.md, docs/grader-contract.md): these rules say what each one becomes there.

/** Variables the Coursera protocol sets on every run, over the image's own. */
const RUN_VARIABLES = ['partId', 'filename', 'userId'];

/** GB050: EXPOSE: graders have no network. */
export const exposeIgnored: LintRule = {
  id: 'GB050',
  severity: 'info',
  title: 'EXPOSE is ignored (graders have no network)',
  fix: 'remove EXPOSE; a grader needs no ports',
  check: (file) => ofKind(file.finalImage, 'EXPOSE').map((expose) => ({
    line: lineOf(expose),
    message: `EXPOSE ${expose.getArgumentsContent() ?? ''} is ignored: graders run without a network (loopback only), so nothing can connect to it`,
  })),
};

/** GB051: VOLUME: gradebox creates no volume there. */
export const volumeIgnored: LintRule = {
  id: 'GB051',
  severity: 'warning',
  title: 'VOLUME is ignored (no volume is mounted there)',
  fix: 'remove VOLUME; write scratch files to /tmp, and results where the protocol says (/shared, /autograder/results)',
  check: (file) => ofKind(file.finalImage, 'VOLUME').map((volume) => {
    const paths = volume.getArgumentsContent() ?? '';
    const later = file.finalImage.slice(file.finalImage.indexOf(volume) + 1)
      .filter((i) => ['RUN', 'COPY', 'ADD'].includes(i.getKeyword()) && pathsOf(paths).some((p) => (i.getArgumentsContent() ?? '').includes(p)));
    const gotcha = later[0] === undefined ? '' : `; also, Docker's documentation warns that build steps changing a volume after VOLUME (line ${lineOf(later[0])}) may be discarded`;
    return {
      line: lineOf(volume),
      message: `VOLUME ${paths} is ignored by gradebox: it stays an ordinary directory of the image, writable only in the run's size-limited writable layer and gone after the run${gotcha}`,
    };
  }),
};

function pathsOf(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.filter((p): p is string => typeof p === 'string');
  } catch {
    // Shell form: paths separated by spaces.
  }
  return text.split(/\s+/).filter(Boolean);
}

/** GB052: ENV is kept, unlike EXPOSE and VOLUME: say exactly what the grader sees. */
export const envKept: LintRule = {
  id: 'GB052',
  severity: 'info',
  title: 'ENV is kept: the grader sees the image environment',
  fix: 'nothing to do; keep secrets out of ENV (GB060)',
  check: (file) => {
    const first = ofKind(file.finalImage, 'ENV')[0];
    return first === undefined ? [] : [{
      line: lineOf(first),
      message: 'ENV is kept: gradebox passes the image environment to the grader, then sets partId, filename and userId (Coursera graders) and the --env pairs, which replace same-named variables',
    }];
  },
};

/** GB053: ENV sets a variable gradebox overrides on every run. */
export const envOverridden: LintRule = {
  id: 'GB053',
  severity: 'warning',
  title: 'ENV sets partId, filename or userId, which gradebox sets on every run',
  fix: 'rename the variable; read the run-time value instead',
  check: (file) => ofKind(file.finalImage, 'ENV').flatMap((env) => (env as Env).getProperties()
    .filter((p) => RUN_VARIABLES.includes(p.getName()))
    .map((p) => ({
      line: lineOf(p),
      message: `ENV ${p.getName()} is replaced at run time: gradebox sets ${p.getName()} for each run of a Coursera-style grader`,
    }))),
};

const IGNORED: Record<string, string> = {
  HEALTHCHECK: 'graders are not probed; a run ends when its program exits or at the time limit',
  STOPSIGNAL: 'at the time limit every process of the run gets SIGKILL',
};

/** GB054: HEALTHCHECK and STOPSIGNAL: not used for graders. */
export const runOptionsIgnored: LintRule = {
  id: 'GB054',
  severity: 'info',
  title: 'HEALTHCHECK and STOPSIGNAL are ignored',
  fix: 'remove them; they do not apply to graders',
  check: (file) => file.finalImage.filter((i: Instruction) => IGNORED[i.getKeyword()] !== undefined).map((i) => ({
    line: lineOf(i),
    message: `${i.getKeyword()} is ignored: ${IGNORED[i.getKeyword()] ?? ''}`,
  })),
};

/** GB055: ONBUILD never affects the grader itself. */
export const onbuildInert: LintRule = {
  id: 'GB055',
  severity: 'info',
  title: 'ONBUILD has no effect on the grader',
  fix: 'move the step into this Dockerfile (or remove it) unless this image is a base for others',
  check: (file) => ofKind(file.finalImage, 'ONBUILD').map((onbuild) => ({
    line: lineOf(onbuild),
    message: `ONBUILD ${onbuild.getArgumentsContent() ?? ''} does nothing for this image or its grading: it runs only when another Dockerfile builds FROM this one`,
  })),
};
