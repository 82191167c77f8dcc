import { readFile } from 'node:fs/promises';
import { CgroupLayout } from '../../sandbox/oci/cgroups.ts';
import { readMounts } from '../../sandbox/oci/mountinfo.ts';
import type { Check } from './check.ts';

// Controllers the limits need (docs/sandbox.md): memory, CPU quota, process count.
const REQUIRED = ['memory', 'cpu', 'pids'];

/** The host's cgroup hierarchies, as the oci sandbox reads them. */
export async function hostCgroups(): Promise<CgroupLayout> {
  return new CgroupLayout(await readMounts());
}

/** The controllers a layout offers, v1 and v2 alike. */
function controllers(layout: CgroupLayout): Set<string> {
  return new Set(layout.hierarchies.flatMap((h) => h.controllers));
}

async function hasSwap(): Promise<boolean> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  return Number(/^SwapTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) > 0;
}

/** Describes a layout in one line: `hybrid: v1 cpu, memory, …; v2 none`. */
export function describeCgroups(layout: CgroupLayout): string {
  const v1 = layout.hierarchies.filter((h) => h.version === 1).flatMap((h) => h.controllers.filter((c) => !c.startsWith('name=')));
  // An empty v2 cgroup.controllers reads as [''] in CgroupLayout.
  const v2 = layout.hierarchies.filter((h) => h.version === 2).flatMap((h) => h.controllers);
  const parts = [];
  if (layout.mode !== 'v2') parts.push(`v1 ${v1.join(', ') || 'none'}`);
  if (layout.mode !== 'v1') parts.push(`v2 ${v2.join(', ') || 'none'}`);
  return `${layout.mode}: ${parts.join('; ')}`;
}

/** cgroups are mounted (v1, v2 or hybrid) with the controllers the limits need. */
export function cgroupsCheck(): Check {
  return {
    id: 'cgroups',
    title: 'cgroups',
    run: async () => {
      const layout = await hostCgroups();
      if (layout.hierarchies.length === 0) {
        return { status: 'fail', detail: 'no cgroup hierarchy is mounted', fix: 'mount cgroup2 at /sys/fs/cgroup (systemd does this at boot)' };
      }
      const detail = describeCgroups(layout);
      const have = controllers(layout);
      const missing = REQUIRED.filter((c) => !have.has(c));
      if (missing.length > 0) {
        return {
          status: 'fail',
          detail: `${detail}; missing ${missing.join(', ')}, so runs cannot be limited`,
          fix: `enable the ${missing.join(', ')} controller${missing.length > 1 ? 's' : ''} (kernel command line, e.g. cgroup_enable=memory)`,
        };
      }
      if (!layout.swapLimit && (await hasSwap())) {
        return {
          status: 'warn',
          detail: `${detail}; swap accounting is off, so a run may use swap beyond its memory limit`,
          fix: 'add swapaccount=1 to the kernel command line and reboot, or turn swap off',
        };
      }
      return { status: 'pass', detail };
    },
  };
}
