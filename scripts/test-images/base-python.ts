import { DEBIAN_TRIM, writeDebootstrapLayer, type DebootstrapRecipe } from './debootstrap-root.ts';
import type { WrittenLayer } from './layer-writer.ts';

const RECIPE: DebootstrapRecipe = {
  version: 1,
  suite: 'bookworm',
  variant: 'minbase',
  packages: ['python3'],
  mirror: 'http://deb.debian.org/debian',
  trim: DEBIAN_TRIM,
};

/** Inputs of the python root: change any and the image is rebuilt. */
export function pythonRecipe(): string {
  return JSON.stringify(RECIPE);
}

/**
 * The python root as one uncompressed layer: `debootstrap --variant=minbase --include=python3`
 * from Debian's mirror (a minute or two), trimmed of docs, man pages and locales, with the same
 * `grader` user (uid/gid 1000) as busybox.
 */
export function writePythonLayer(file: string, workDir: string): Promise<WrittenLayer> {
  return writeDebootstrapLayer('python', RECIPE, file, workDir);
}
