import type { From } from 'dockerfile-ast';
import { externalBase, lineOf } from '../dockerfile-model.ts';
import type { LintRule } from '../finding.ts';

/** `docker.io/library/ubuntu` and `library/ubuntu` are `ubuntu`. */
function officialName(from: From): string | undefined {
  const image = from.getImage();
  if (image === null) return undefined;
  const name = image.replace(/[@:][^/]*$/, '').toLowerCase();
  return name.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

/** GB010: the final image is based on ubuntu. */
export const ubuntuBase: LintRule = {
  id: 'GB010',
  severity: 'info',
  title: 'the grader image is based on ubuntu',
  fix: 'use a slim base for the language you grade in, e.g. python:3.12-slim or debian:bookworm-slim',
  check: (file) => {
    const base = file.final === undefined ? undefined : externalBase(file.final);
    if (base === undefined || officialName(base) !== 'ubuntu') return [];
    return [{
      line: lineOf(base),
      message: `${base.getImage() ?? 'ubuntu'} is a general-purpose base (Coursera's checker flagged it too); a slim base keeps the grader small and quick to pull and unpack`,
    }];
  },
};

/** GB011: an external base image without a version (no tag, or `latest`). */
export const unpinnedBase: LintRule = {
  id: 'GB011',
  severity: 'warning',
  title: 'base image without a version: no tag, or :latest',
  fix: 'pin a version tag (python:3.12-slim) or a digest (python@sha256:…)',
  check: (file) => file.stages.flatMap((stage) => {
    const image = stage.from.getImage();
    // Stages are fine, scratch is no image, digests are pinned, and ${VARS} cannot be judged here.
    if (stage.parent !== undefined || image === null || image.toLowerCase() === 'scratch' || image.includes('$')) return [];
    if (stage.from.getImageDigest() !== null) return [];
    const tag = stage.from.getImageTag();
    if (tag !== null && tag !== 'latest') return [];
    const what = tag === null ? 'has no tag, so docker uses :latest' : 'uses :latest';
    return [{
      line: lineOf(stage.from),
      message: `base image ${image} ${what}, which moves: the grader can change or break with no change of yours`,
    }];
  }),
};
