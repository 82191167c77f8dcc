/**
 * Bounds on kernel resources that are counted per host, per host user or per user namespace
 * rather than per cgroup, so one run cannot exhaust them for the host and the other runs. Shared
 * by both backends; each applies them its own way (docs/sandbox.md, "Kernel budgets").
 */

/** Open files a run may hold in all (the file table is host-wide: `fs.file-max`). */
export const RUN_OPEN_FILES = 262_144;

/**
 * `RLIMIT_NOFILE` for a run's processes: the traditional 1024, less when the run may have so many
 * processes that they could hold more than RUN_OPEN_FILES together, never under 64.
 */
export function openFilesPerProcess(pids: number): number {
  return Math.max(64, Math.min(1024, Math.floor(RUN_OPEN_FILES / Math.max(1, pids))));
}

/** Pseudo-terminals a run's private devpts instance hands out (the host has `kernel.pty.max`). */
export const RUN_PTYS = 64;

/**
 * Per-user-namespace limits (`/proc/sys/user/…` inside the run's namespace). Inotify instances and
 * watches are charged to the user that created the namespace, root, whose host-wide budget
 * (`fs.inotify.max_user_instances`, 128 by default) every run would otherwise share with the
 * host's own services; namespaces of any kind are already refused by the seccomp profile, and
 * limiting them to 0 refuses them a second time.
 */
export const USER_NAMESPACE_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  max_inotify_instances: 16,
  max_inotify_watches: 8192,
  max_user_namespaces: 0,
  max_mnt_namespaces: 0,
  max_net_namespaces: 0,
  max_pid_namespaces: 0,
  max_ipc_namespaces: 0,
  max_uts_namespaces: 0,
  max_time_namespaces: 0,
});
