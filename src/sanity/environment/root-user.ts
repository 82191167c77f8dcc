import type { Check } from './check.ts';

/** Running as root: the oci backend mounts tmpfs and overlays and creates cgroups. */
export function rootUserCheck(uid: number | undefined = process.getuid?.()): Check {
  return {
    id: 'root',
    title: 'root',
    run: async () => {
      if (uid === 0) return { status: 'pass', detail: 'running as root (uid 0)' };
      return {
        status: 'fail',
        detail: `running as uid ${uid ?? 'unknown'}; the oci sandbox needs root to mount and create cgroups`,
        fix: 'run gradebox as root (sudo)',
      };
    },
  };
}
