import { DEBIAN_TRIM, writeDebootstrapLayer, type DebootstrapRecipe } from './debootstrap-root.ts';
import type { WrittenLayer } from './layer-writer.ts';

const RECIPE: DebootstrapRecipe = {
  version: 1,
  suite: 'bookworm',
  variant: 'minbase',
  // R itself (Rscript, the base packages, the pdf device) and rjson, the JSON package Coursera's R
  // demo grader writes its feedback with. No recommended packages, no compilers.
  packages: ['r-base-core', 'r-cran-rjson'],
  mirror: 'http://deb.debian.org/debian',
  // R's manuals and its message catalogues (R's own locales) go with the docs and locales.
  trim: [...DEBIAN_TRIM, 'usr/share/R/doc', 'usr/lib/R/library/translations'],
};

/** Inputs of the r root: change any and the image is rebuilt. */
export function rRecipe(): string {
  return JSON.stringify(RECIPE);
}

/**
 * The r root as one uncompressed layer: Debian minbase with `r-base-core` and `r-cran-rjson`
 * (a few minutes from Debian's mirror the first time), trimmed like python, with the same `grader`
 * user (uid/gid 1000).
 */
export function writeRLayer(file: string, workDir: string): Promise<WrittenLayer> {
  return writeDebootstrapLayer('r', RECIPE, file, workDir);
}
