import { posix } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { copyOperands, lineOf, type DockerfileModel, type Stage } from '../dockerfile-model.ts';
import type { Hit, LintRule } from '../finding.ts';

/** What a stage knows about its working directory at some point. */
type Workdir =
  | { kind: 'unset' } // no WORKDIR in this file: the base image's (usually /)
  | { kind: 'known'; path: string; line: number }
  | { kind: 'unresolved'; line: number }; // relative to an unknown one, or holding a ${VAR}

/**
 * The Coursera SDK required absolute COPY/ADD destinations. Docker resolves a relative one against
 * the WORKDIR: when this file sets none, that is the base image's working directory, invisible
 * here (GB020, an error, as Coursera had it); after a WORKDIR it is well defined but easy to
 * misread, so GB021 only warns and names the resolved path.
 */
function relativeDestinations(file: DockerfileModel): { noWorkdir: Hit[]; afterWorkdir: Hit[] } {
  const noWorkdir: Hit[] = [];
  const afterWorkdir: Hit[] = [];
  const endState = new Map<number, Workdir>();
  for (const stage of file.stages) {
    let workdir: Workdir = parentState(stage, endState);
    for (const instruction of stage.body) {
      const keyword = instruction.getKeyword();
      if (keyword === 'WORKDIR') workdir = nextWorkdir(workdir, instruction);
      if (keyword !== 'COPY' && keyword !== 'ADD') continue;
      const operands = copyOperands(instruction);
      const destination = operands?.destination;
      // Absolute, or a ${VAR} that cannot be judged here (Windows paths too: not our platform).
      if (operands === undefined || destination === undefined || /^[/$]/.test(destination) || /^[a-z]:[\\/]/i.test(destination)) continue;
      const where = `${keyword} destination ${JSON.stringify(destination)} is relative`;
      if (workdir.kind === 'unset') {
        const suggestion = /^\.\/?$/.test(destination) ? 'an absolute directory such as /grader/' : absolute('/', destination);
        noWorkdir.push({
          line: operands.line,
          message: `${where} and no WORKDIR precedes it: it lands in the base image's working directory, which this file does not show`,
          fix: `use an absolute destination: ${suggestion}`,
        });
      } else if (workdir.kind === 'known') {
        const resolved = absolute(workdir.path, destination);
        afterWorkdir.push({
          line: operands.line,
          message: `${where}: it resolves to ${resolved} (WORKDIR on line ${workdir.line})`,
          fix: `write the absolute path: ${resolved}`,
        });
      } else {
        afterWorkdir.push({
          line: operands.line,
          message: `${where}, to the WORKDIR on line ${workdir.line}, which cannot be resolved here`,
          fix: 'use an absolute destination',
        });
      }
    }
    endState.set(stage.index, workdir);
  }
  return { noWorkdir, afterWorkdir };
}

function parentState(stage: Stage, endState: ReadonlyMap<number, Workdir>): Workdir {
  return stage.parent === undefined ? { kind: 'unset' } : (endState.get(stage.parent.index) ?? { kind: 'unset' });
}

function nextWorkdir(current: Workdir, instruction: Instruction): Workdir {
  const path = instruction.getArgumentsContent()?.trim() ?? '';
  const line = lineOf(instruction);
  if (path === '' || path.includes('$')) return { kind: 'unresolved', line };
  if (path.startsWith('/')) return { kind: 'known', path: posix.normalize(path), line };
  // Relative WORKDIRs stack on the previous one; without one, on the base image's.
  return current.kind === 'known' ? { kind: 'known', path: posix.join(current.path, path), line } : { kind: 'unresolved', line };
}

/** `dir` joined with `destination`, keeping a trailing slash (it means "into this directory"). */
function absolute(dir: string, destination: string): string {
  const joined = posix.join(dir, destination);
  return destination.endsWith('/') || /(^|\/)\.$/.test(destination) ? `${joined.replace(/\/$/, '')}/` : joined;
}

/** GB020: relative COPY/ADD destination with no WORKDIR before it. */
export const relativeDestinationNoWorkdir: LintRule = {
  id: 'GB020',
  severity: 'error',
  title: 'COPY/ADD destination is relative and no WORKDIR precedes it',
  fix: 'use an absolute destination, e.g. COPY grader/ /grader/',
  check: (file) => relativeDestinations(file).noWorkdir,
};

/** GB021: relative COPY/ADD destination after a WORKDIR; fine for Docker, flagged with the resolved path. */
export const relativeDestinationAfterWorkdir: LintRule = {
  id: 'GB021',
  severity: 'warning',
  title: 'COPY/ADD destination is relative to a WORKDIR',
  fix: 'write the absolute path it resolves to',
  check: (file) => relativeDestinations(file).afterWorkdir,
};
