import { USER_NAMESPACE_LIMITS } from '../kernel-budgets.ts';
import type { OciHook } from './oci-spec.ts';

/** The host programs the hook runs. */
export interface HookTools {
  /** nsenter(1), to write the limits from inside the run's user namespace. */
  nsenter: string;
  /** busybox, when installed: its shell reads the container state up to the pid only. */
  busybox?: string | undefined;
}

/**
 * The run's `createRuntime` hook: one shell the runtime starts after it has made the container's
 * namespaces and placed its first process in its cgroups, before that process runs anything of
 * the grader's. It reads the container's pid from the state the runtime writes to its stdin, then:
 *
 * - sets the per-user-namespace limits (USER_NAMESPACE_LIMITS) inside the run's user namespace,
 *   with nsenter: they can only be written from inside it, by someone holding CAP_SYS_RESOURCE
 *   there, and the runtimes refuse them as `linux.sysctl` ("not namespaced");
 * - with `moveTo`, moves the container's processes into the run's own memory cgroup (see
 *   OciHostPaths.memoryOnParent).
 *
 * Shell builtins only, besides the one nsenter; a failure of either step fails the run's start.
 *
 * The hook is on the way of every run, and a shell's `read` takes one byte per system call: the
 * state carries the seccomp program (~2.7 KB), which dash reads whole in ~5 ms. busybox's shell,
 * when installed, reads comma-separated fields up to the pid (the runtimes write it fourth, some
 * 80 bytes in) and stops there. What it leaves unread is already in the pipe: the runtime wrote
 * the state in one write to an empty pipe before the first byte could be read, so closing the
 * pipe early cannot fail that write.
 */
export function createRuntimeHook(tools: HookTools, moveTo?: { from: string; to: string }): OciHook {
  const limits = Object.entries(USER_NAMESPACE_LIMITS).map(([name, value]) => `echo ${value} > /proc/sys/user/${name}`).join(' && ');
  const readPid = tools.busybox === undefined
    ? [
      'state=; while IFS= read -r line || [ -n "$line" ]; do state="$state$line"; done',
      'pid=; case $state in *\\"pid\\"*) pid=${state#*\\"pid\\"};; esac',
    ]
    : ['pid=; while IFS= read -r -d , field || [ -n "$field" ]; do case $field in *\\"pid\\"*) pid=${field#*\\"pid\\"}; break;; esac; done'];
  const [path, ...shell] = tools.busybox === undefined ? ['/bin/sh', 'sh'] : [tools.busybox, 'busybox', 'sh'];
  // The hook's own shell ("$2" is its path), run again inside the namespace to write the limits.
  const inner = ['"$2"', ...shell.slice(1)].join(' ');
  const script = [
    ...readPid,
    'pid=${pid#*:}; pid=${pid#"${pid%%[0-9]*}"}; pid=${pid%%[!0-9]*}',
    '[ -n "$pid" ] || { echo "gradebox hook: no pid in the container state" >&2; exit 1; }',
    `"$1" --user --target "$pid" ${inner} -c '${limits}' || exit 1`,
    ...(moveTo === undefined ? [] : ['while read -r p; do echo "$p" > "$3" || exit 1; done < "$4"']),
  ].join('\n');
  const params = [tools.nsenter, path, ...(moveTo === undefined ? [] : [moveTo.to, moveTo.from])];
  return { path, args: [...shell, '-c', script, 'sh', ...params], timeout: 10 };
}
