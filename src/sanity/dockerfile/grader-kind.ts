import type { Instruction } from 'dockerfile-ast';
import { hubName } from './base-reference.ts';
import { copyOperands, execForm, lineOf, rootStage, stageChain, type DockerfileModel } from './dockerfile-model.ts';

/** What gradebox runs for a Gradescope grader (docs/grader-contract.md). */
export const RUN_AUTOGRADER = '/autograder/run_autograder';

/**
 * The line that makes this a Gradescope grader, for which gradebox runs /autograder/run_autograder
 * and ignores ENTRYPOINT and CMD: a Gradescope base image (`gradescope/autograder-base`,
 * `gradescope/auto-builds`, build arguments substituted), a COPY/ADD into /autograder, or a RUN
 * naming run_autograder. Undefined for a Coursera-style grader.
 */
export function gradescopeLine(file: DockerfileModel): number | undefined {
  if (file.final === undefined) return undefined;
  const root = rootStage(file.final);
  const base = root.base?.resolved ?? root.base?.written;
  if (base !== undefined && /^gradescope\//.test(hubName(base))) return lineOf(root.from);
  for (const instruction of file.finalImage) {
    const keyword = instruction.getKeyword();
    const copied = keyword === 'COPY' || keyword === 'ADD' ? copyOperands(instruction)?.destination : undefined;
    if (copied !== undefined && /^\/autograder(\/|$)/.test(copied)) return lineOf(instruction);
    if (keyword === 'RUN' && instruction.getArgumentsContent()?.includes(RUN_AUTOGRADER)) return lineOf(instruction);
  }
  return undefined;
}

/** The ENTRYPOINT and CMD the final image ends up with, as far as this file shows them. */
export interface ImageCommand {
  /** The last ENTRYPOINT (an `ENTRYPOINT []` included: it clears the base image's). */
  entrypoint: Instruction | undefined;
  /** The CMD in effect, or undefined when there is none or an ENTRYPOINT reset it. */
  cmd: Instruction | undefined;
}

/**
 * Docker's rule: setting ENTRYPOINT resets the CMD inherited from the image being built on (a
 * parent stage included), but not a CMD set earlier in the same stage.
 */
export function imageCommand(file: DockerfileModel): ImageCommand {
  let entrypoint: Instruction | undefined;
  let cmd: Instruction | undefined;
  for (const stage of file.final === undefined ? [] : stageChain(file.final)) {
    let cmdSetHere = false;
    for (const instruction of stage.body) {
      const keyword = instruction.getKeyword();
      if (keyword === 'CMD') {
        cmd = instruction;
        cmdSetHere = true;
      } else if (keyword === 'ENTRYPOINT') {
        entrypoint = instruction;
        if (!cmdSetHere) cmd = undefined;
      }
    }
  }
  return { entrypoint, cmd };
}

/** Whether an ENTRYPOINT is `ENTRYPOINT []`, which leaves none. */
export function isCleared(entrypoint: Instruction): boolean {
  return execForm(entrypoint)?.length === 0;
}

/** The words of an instruction in shell form, split at blanks (quotes not interpreted). */
export function shellWords(instruction: Instruction): string[] {
  return (instruction.getArgumentsContent() ?? '').trim().split(/\s+/).filter(Boolean);
}
