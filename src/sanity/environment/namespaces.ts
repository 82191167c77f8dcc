import { existsSync } from 'node:fs';
import type { Check } from './check.ts';
import { findProgram } from '../../util/find-program.ts';
import { runProgram } from './run-program.ts';

// Every run gets fresh ones of these (docs/sandbox.md); /proc/self/ns names the mount one `mnt`.
const REQUIRED: [ns: string, name: string, config: string][] = [
  ['user', 'user', 'CONFIG_USER_NS'], ['pid', 'pid', 'CONFIG_PID_NS'], ['mnt', 'mount', 'CONFIG_NAMESPACES'], ['net', 'net', 'CONFIG_NET_NS'],
  ['ipc', 'ipc', 'CONFIG_IPC_NS'], ['uts', 'uts', 'CONFIG_UTS_NS'],
];

/**
 * The kernel has the namespaces every run needs, and (as root, with util-linux's unshare) really
 * creates them all at once: a container runtime or a seccomp policy around gradebox may forbid it.
 */
export function namespacesCheck(): Check {
  return {
    id: 'namespaces',
    title: 'namespaces',
    run: async () => {
      const missing = REQUIRED.filter(([ns]) => !existsSync(`/proc/self/ns/${ns}`));
      if (missing.length > 0) {
        return {
          status: 'fail',
          detail: `the kernel lacks ${missing.map(([, name]) => name).join(', ')} namespaces`,
          fix: `use a kernel built with ${missing.map(([, , config]) => config).join(', ')}`,
        };
      }
      const names = REQUIRED.map(([, name]) => name).join(', ');
      const extra = existsSync('/proc/self/ns/cgroup') ? ' (and cgroup)' : '';
      const unshare = findProgram('unshare');
      const trueProgram = findProgram('true');
      if (process.getuid?.() !== 0 || unshare === undefined || trueProgram === undefined) {
        return { status: 'pass', detail: `${names}${extra} available; creating them not tried (needs root and unshare from util-linux)` };
      }
      const result = await runProgram(unshare, ['--user', '--map-root-user', '--pid', '--mount', '--net', '--ipc', '--uts', '--fork', trueProgram]);
      if (result.code === 0) return { status: 'pass', detail: `${names}${extra}: created all at once with unshare` };
      return {
        status: 'fail',
        detail: `unshare could not create them: ${(result.error ?? result.stderr).trim() || `exit ${result.code ?? '?'}`}`,
        fix: 'run gradebox on the host or in a privileged container (namespace creation is forbidden here)',
      };
    },
  };
}
