import { posix } from 'node:path';
import type { ImagePathExists } from '../grader/detect-protocol.ts';
import { ImageError } from '../image/image.ts';

/** Shells tried in order when none is named: bash for its line editing, else the POSIX shell. */
export const DEFAULT_SHELLS = ['/bin/bash', '/bin/sh'] as const;

/**
 * The shell to start in the image: `requested` when given (an absolute path, or a command name
 * looked up on the image's `PATH` as the container would), else the first of DEFAULT_SHELLS the
 * image has. Paths are checked through the image root with links resolved inside it. Throws
 * ImageError naming what is missing.
 */
export async function pickShell(exists: ImagePathExists, requested: string | undefined, path: string): Promise<string> {
  if (requested === undefined) {
    for (const shell of DEFAULT_SHELLS) if (await exists(shell)) return shell;
    throw new ImageError(`the image has no shell: neither ${DEFAULT_SHELLS.join(' nor ')} exists in it; name one with --shell`);
  }
  if (requested.startsWith('/')) {
    if (await exists(requested)) return requested;
    throw new ImageError(`the image has no ${requested} (--shell); choose a shell the image has, e.g. /bin/sh`);
  }
  for (const dir of path.split(':').filter((d) => d.startsWith('/'))) {
    const candidate = posix.join(dir, requested);
    if (await exists(candidate)) return candidate;
  }
  throw new ImageError(`the image has no ${requested} (--shell) on its PATH (${path || 'empty'}); choose a shell the image has, e.g. /bin/sh`);
}
