/**
 * Runs a command as if some programs were not installed: in a private mount namespace (root
 * only), each copy of them is covered by an empty, non-executable file. A PATH without them is not
 * enough, because gradebox also looks for runc and crun in the usual sbin and bin directories.
 * The host never sees these mounts; they vanish with the command.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// Where a program may be found even off PATH (src/sandbox/oci/runtime.ts searches these too).
const USUAL_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of `name` on the test's own PATH or in the usual directories, or undefined. */
export function which(name: string): string | undefined {
  return installedCopies(name)[0];
}

/** Every executable copy of `name` on PATH or in the usual directories, resolved through links, deduplicated. */
export function installedCopies(name: string): string[] {
  const found = new Set<string>();
  for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...USUAL_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found.add(realpathSync(candidate));
    } catch {
      // Not here.
    }
  }
  return [...found];
}

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The command line that runs `command` with `programs` hidden. `blank` is an empty file (mode
 * 0644) to mount over them. `command[0]` is looked up on the PATH the command is given, so a
 * test can pass a PATH that holds only what it wants the command to find.
 */
export function hidingPrograms(programs: readonly string[], blank: string, command: readonly string[]): string[] {
  const unshare = which('unshare');
  const mount = which('mount');
  const sh = which('sh');
  if (unshare === undefined || mount === undefined || sh === undefined) throw new Error('hidingPrograms needs unshare, mount and sh');
  const hidden = programs.flatMap((name) => installedCopies(name));
  const script = [...hidden.map((path) => `${quote(mount)} --bind ${quote(blank)} ${quote(path)}`), 'exec "$@"'].join(' && ');
  return [unshare, '--mount', '--propagation', 'private', '--', sh, '-c', script, 'sh', ...command];
}
