import { DEBIAN_TRIM, writeDebootstrapLayer, type DebootstrapRecipe } from './debootstrap-root.ts';
import type { WrittenLayer } from './layer-writer.ts';

const RECIPE: DebootstrapRecipe = {
  version: 1,
  suite: 'bookworm',
  variant: 'minbase',
  // The JDK and JUnit 4 (/usr/share/java/junit4.jar, with hamcrest) for Gradescope's Java graders;
  // adduser (and passwd, util-linux's runuser, already in minbase) for graders that run the
  // student's code as a user of their own; python3 for harnesses written in Python.
  packages: ['openjdk-17-jdk-headless', 'junit4', 'adduser', 'passwd', 'util-linux', 'python3'],
  mirror: 'http://deb.debian.org/debian',
  // jmods only serve jlink, which no grader runs.
  trim: [...DEBIAN_TRIM, 'usr/lib/jvm/java-17-openjdk-amd64/jmods'],
};

/** Inputs of the java root: change any and the image is rebuilt. */
export function javaRecipe(): string {
  return JSON.stringify(RECIPE);
}

/**
 * The java root as one uncompressed layer: Debian minbase with OpenJDK 17 (headless JDK), JUnit 4,
 * adduser and python3 (a few minutes from Debian's mirror the first time), trimmed like python,
 * with the same `grader` user (uid/gid 1000).
 */
export function writeJavaLayer(file: string, workDir: string): Promise<WrittenLayer> {
  return writeDebootstrapLayer('java', RECIPE, file, workDir);
}
