import { DEBIAN_TRIM, writeDebootstrapLayer, type DebootstrapRecipe } from './debootstrap-root.ts';
import type { WrittenLayer } from './layer-writer.ts';

const RECIPE: DebootstrapRecipe = {
  version: 1,
  suite: 'bookworm',
  variant: 'minbase',
  // What Codio's boxes give grading scripts and what their examples use: Python 3, bash, curl.
  packages: ['python3', 'curl'],
  mirror: 'http://deb.debian.org/debian',
  trim: DEBIAN_TRIM,
};

/** Inputs of the codio root: change any and the image is rebuilt. */
export function codioRecipe(): string {
  return JSON.stringify(RECIPE);
}

/**
 * The root of `script` (Codio-style) grader fixtures: Debian minbase with python3 and curl (a
 * minute or two from Debian's mirror the first time), trimmed like python, with the same
 * `grader` user (uid/gid 1000).
 */
export function writeCodioLayer(file: string, workDir: string): Promise<WrittenLayer> {
  return writeDebootstrapLayer('codio', RECIPE, file, workDir);
}
