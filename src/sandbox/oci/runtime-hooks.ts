import { USER_NAMESPACE_LIMITS } from '../kernel-budgets.ts';
import type { OciHook } from './oci-spec.ts';

/**
 * The run's `createRuntime` hook: one /bin/sh the runtime starts after it has made the
 * container's namespaces and placed its first process in its cgroups, before that process runs
 * anything of the grader's. It reads the container state the runtime writes to it (the runtime
 * dies of SIGPIPE if nobody does), then:
 *
 * - sets the per-user-namespace limits (USER_NAMESPACE_LIMITS) inside the run's user namespace,
 *   with nsenter: they can only be written from inside it, by someone holding CAP_SYS_RESOURCE
 *   there, and the runtimes refuse them as `linux.sysctl` ("not namespaced");
 * - with `moveTo`, moves the container's processes into the run's own memory cgroup (see
 *   OciHostPaths.memoryOnParent).
 *
 * Shell builtins only, besides the one nsenter; a failure of either step fails the run's start.
 */
export function createRuntimeHook(nsenter: string, moveTo?: { from: string; to: string }): OciHook {
  const limits = Object.entries(USER_NAMESPACE_LIMITS).map(([name, value]) => `echo ${value} > /proc/sys/user/${name}`).join(' && ');
  const script = [
    'state=; while IFS= read -r line || [ -n "$line" ]; do state="$state$line"; done',
    'pid=${state#*\\"pid\\"}; pid=${pid#*:}; pid=${pid#"${pid%%[0-9]*}"}; pid=${pid%%[!0-9]*}',
    '[ -n "$pid" ] || { echo "gradebox hook: no pid in the container state" >&2; exit 1; }',
    `"$1" --user --target "$pid" /bin/sh -c '${limits}' || exit 1`,
    ...(moveTo === undefined ? [] : ['while read -r p; do echo "$p" > "$2" || exit 1; done < "$3"']),
  ].join('\n');
  const args = ['sh', '-c', script, 'sh', nsenter, ...(moveTo === undefined ? [] : [moveTo.to, moveTo.from])];
  return { path: '/bin/sh', args, timeout: 10 };
}
