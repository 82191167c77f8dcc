import { readdir, readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { Check } from './check.ts';

/** Whether `dir` (a modules tree) holds a module file named `name.ko*`. */
async function hasModule(dir: string, name: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true }).catch(() => []);
  return entries.some((entry) => new RegExp(`(^|/)${name}\\.ko(\\.[a-z]+)?$`).test(entry));
}

/**
 * The kernel supports a file system type: listed in /proc/filesystems, or available as a module
 * the kernel loads on first mount.
 */
function filesystemCheck(type: string, purpose: string): Check {
  return {
    id: type === 'overlay' ? 'overlayfs' : type,
    title: type === 'overlay' ? 'overlayfs' : type,
    run: async () => {
      const listed = (await readFile('/proc/filesystems', 'utf8')).split('\n').some((line) => line.split('\t')[1] === type);
      if (listed) return { status: 'pass', detail: `in /proc/filesystems (${purpose})` };
      if (await hasModule(join('/lib/modules', release(), 'kernel', 'fs'), type)) {
        return { status: 'pass', detail: `module ${type} is installed; the kernel loads it on first mount (${purpose})` };
      }
      return {
        status: 'fail',
        detail: `the kernel does not support ${type} (${purpose})`,
        fix: `load it (modprobe ${type}) or use a kernel built with ${type === 'overlay' ? 'CONFIG_OVERLAY_FS' : 'CONFIG_TMPFS'}`,
      };
    },
  };
}

/** overlayfs: the writable layer over each run's read-only image. */
export const overlayfsCheck = (): Check => filesystemCheck('overlay', 'the writable layer over the read-only image');

/** tmpfs: each run's size-limited scratch space, /tmp and /dev/shm. */
export const tmpfsCheck = (): Check => filesystemCheck('tmpfs', 'size-limited scratch space, /tmp and /dev/shm');
