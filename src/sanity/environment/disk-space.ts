import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Check } from './check.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface DiskSpaceOptions {
  /** The directory whose file system holds images and run state (GRADEBOX_HOME). */
  path: string;
  /** Below this many free bytes: warn. Default 2 GiB (a few unpacked grader images). */
  warnBelowBytes?: number;
  /** Below this many free bytes: fail. Default 200 MiB (an image import would fail midway). */
  failBelowBytes?: number;
}

export function formatBytes(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.floor(bytes / MiB)} MiB`;
}

/** statfs of `path`, or of its nearest existing ancestor (the home may not exist yet). */
async function statNearest(path: string): Promise<{ free: number; at: string }> {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const info = await statfs(dir);
      return { free: info.bavail * info.bsize, at: dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw error;
    }
  }
}

/** Free space where the image store lives: images are unpacked there. */
export function diskSpaceCheck(options: DiskSpaceOptions): Check {
  const warnBelow = options.warnBelowBytes ?? 2 * GiB;
  const failBelow = options.failBelowBytes ?? 200 * MiB;
  return {
    id: 'disk-space',
    title: 'disk space',
    run: async () => {
      const { free, at } = await statNearest(options.path);
      const where = at === options.path ? options.path : `${options.path} (not created yet; measured at ${at})`;
      const detail = `${formatBytes(free)} free for ${where}`;
      const fix = 'free space there, or move the store to a bigger disk: GRADEBOX_HOME=/path/with/space';
      if (free < failBelow) return { status: 'fail', detail: `${detail}, below ${formatBytes(failBelow)}: image imports will fail`, fix };
      if (free < warnBelow) return { status: 'warn', detail: `${detail}, below ${formatBytes(warnBelow)}: room for few images`, fix };
      return { status: 'pass', detail };
    },
  };
}
