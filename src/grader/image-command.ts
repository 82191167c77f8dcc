import { ImageError, type ImageConfig } from '../image/image.ts';

/** Docker's PATH for images that set none (moby `oci.DefaultPathEnv` on Linux). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The command line exactly as `docker run IMAGE [args…]` builds it: ENTRYPOINT followed by the
 * extra args when any are given, else by CMD. (Args replace CMD; they never append to it.)
 */
export function imageArgv(config: Pick<ImageConfig, 'entrypoint' | 'cmd'>, args: readonly string[]): string[] {
  const argv = [...config.entrypoint, ...(args.length > 0 ? args : config.cmd)];
  if (argv.length === 0) {
    throw new ImageError('the image has neither ENTRYPOINT nor CMD, and no arguments were given: nothing to run');
  }
  return argv;
}

/**
 * The environment the grader sees: the image's `KEY=value` list, then each layer of `overrides` in
 * order (later wins). PATH defaults to Docker's when nothing sets it, so `python3` resolves alike on
 * every backend. Entries without `=` are skipped, as Docker does for an image's config.
 */
export function containerEnv(imageEnv: readonly string[], ...overrides: Readonly<Record<string, string>>[]): Record<string, string> {
  // A Map, then fromEntries: a variable named __proto__ stays an ordinary variable.
  const env = new Map<string, string>();
  for (const entry of imageEnv) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const layer of overrides) for (const [key, value] of Object.entries(layer)) env.set(key, value);
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
  return Object.fromEntries(env);
}
