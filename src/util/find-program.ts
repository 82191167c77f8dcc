import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Where programs live on Debian and friends even when PATH lacks the sbin directories (runc,
// crun and mount helpers are found there by the sandbox, and by `gradebox sanity`).
const USUAL_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable `name` on PATH or in the usual directories, or undefined. */
export function findProgram(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...USUAL_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
