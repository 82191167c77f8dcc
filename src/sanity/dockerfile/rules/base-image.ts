import { hubName, referenceParts, type BaseReference } from '../base-reference.ts';
import { lineOf, rootStage, type Stage } from '../dockerfile-model.ts';
import type { Hit, LintRule } from '../finding.ts';

/** GB010: the final image is based on ubuntu. */
export const ubuntuBase: LintRule = {
  id: 'GB010',
  severity: 'info',
  title: 'the grader image is based on ubuntu',
  fix: 'use a slim base for the language you grade in, e.g. python:3.12-slim or debian:bookworm-slim',
  check: (file) => {
    const root = file.final === undefined ? undefined : rootStage(file.final);
    const reference = root?.base?.resolved;
    if (root === undefined || reference === undefined || hubName(reference) !== 'ubuntu') return [];
    return [{
      line: lineOf(root.from),
      message: `${reference} is a general-purpose base (Coursera's checker flagged it too); a slim base keeps the grader small and quick to pull and unpack`,
    }];
  },
};

/** GB011: an external base image without a version (no tag, or `latest`), also when build arguments choose it. */
export const unpinnedBase: LintRule = {
  id: 'GB011',
  severity: 'warning',
  title: 'base image without a version: no tag, or :latest (also through a build argument\'s default)',
  fix: 'pin a version tag (python:3.12-slim) or a digest (python@sha256:…), in the FROM or as the ARG\'s default',
  check: (file) => file.stages.flatMap((stage) => {
    const hit = stage.parent === undefined && stage.base !== undefined ? unpinned(stage, stage.base) : undefined;
    return hit === undefined ? [] : [hit];
  }),
};

const MOVES = 'which moves: the grader can change or break with no change of yours';

function unpinned(stage: Stage, base: BaseReference): Hit | undefined {
  const line = lineOf(stage.from);
  const [first, ...more] = base.unset;
  if (first !== undefined) {
    const names = [first, ...more].join(', ');
    return {
      line,
      message: `base image ${base.written} depends on build argument${more.length > 0 ? 's' : ''} ${names} with no default: the image is whatever --build-arg gives at build time (the build fails without it), and its version is not in this file`,
      fix: `give ARG ${first} a pinned default before the first FROM, e.g. ARG ${first}=…:1.2`,
    };
  }
  const reference = base.resolved;
  // scratch is no image, and a reference that cannot be resolved here cannot be judged.
  if (reference === undefined || reference.toLowerCase() === 'scratch') return undefined;
  const { tag, digest } = referenceParts(reference);
  if (digest !== undefined || (tag !== undefined && tag !== '' && tag !== 'latest')) return undefined;
  const what = tag === undefined || tag === '' ? 'has no tag, so docker uses :latest' : 'uses :latest';
  if (base.defaults.length === 0) return { line, message: `base image ${reference} ${what}, ${MOVES}` };
  const from = base.defaults.map((d) => `ARG ${d.name} on line ${d.line}`).join(', ');
  const pinMe = base.defaults.find((d) => d.value === 'latest') ?? base.defaults.at(-1);
  return {
    line,
    message: `base image ${base.written} is ${reference} by default (${from}), so it ${what}, ${MOVES}`,
    fix: pinMe === undefined ? undefined : `pin the default: ARG ${pinMe.name}=… with a version tag or digest (or pin it in the FROM)`,
  };
}
