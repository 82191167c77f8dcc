/**
 * An IMAGE argument that is a Docker build context (a folder with a Dockerfile) rather than an
 * image: a common first try, answered with how to make an image of it instead of "not an OCI layout".
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageError } from '../image/image.ts';

const RECIPES = ['Dockerfile', 'dockerfile', 'Containerfile'];

/** An unusable image (exit 1, as any ImageError) that carries what to run instead. */
export class BuildContextError extends ImageError {
  override name = 'BuildContextError';
  /** What to run instead, printed as `hint:`. */
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/**
 * Throws BuildContextError when `image` is a folder holding a Dockerfile (or Containerfile) and no
 * `oci-layout` file; anything else is left to the image store. `command` is how the hint grades the
 * built image, e.g. `(name) => ['gradebox', 'grade', 'local', name, submissionDir]`.
 */
export async function refuseBuildContext(image: string, command: (name: string) => string[]): Promise<void> {
  if (!(await isDirectory(image)) || (await isFile(path.join(image, 'oci-layout')))) return;
  let recipe: string | undefined;
  for (const candidate of RECIPES) {
    if (await isFile(path.join(image, candidate))) {
      recipe = candidate;
      break;
    }
  }
  if (recipe === undefined) return;
  const name = imageName(image);
  const build = ['docker', 'build', '-t', name, ...(recipe === 'Dockerfile' ? [] : ['-f', path.join(image, recipe)]), image];
  throw new BuildContextError(
    `${image} is a folder with a ${recipe}, the recipe of an image, not an image`,
    `build the image, then grade with it: ${shellLine(build)} && ${shellLine(command(name))} ` +
      `(or save it with ${shellLine(['docker', 'save', '-o', `${name}.tar`, name])} and give ${name}.tar, which needs no Docker daemon to grade)`,
  );
}

/** A Docker image name from the folder's name (`Sums Grader/` → `sums-grader`). */
function imageName(folder: string): string {
  const base = path.basename(path.resolve(folder)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, '');
  return base === '' ? 'my-grader' : base;
}

/** Words as a shell line: quoted only when they need it. */
function shellLine(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' ');
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() === true;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() === true;
}
