import type { CgroupLayout } from '../../sandbox/oci/cgroups.ts';
import { hostFacts, type HostFacts } from '../../sandbox/oci/host-facts.ts';
import { selectRuntime, type OciRuntime, type RuntimeName } from '../../sandbox/oci/runtime.ts';
import { SandboxError } from '../../sandbox/sandbox.ts';
import type { Check, CheckResult } from './check.ts';
import { hostCgroups } from './cgroups.ts';
import { findProgram } from '../../util/find-program.ts';
import { runProgram } from './run-program.ts';

const INSTALL_RUNC = 'apt-get install runc';

/** `runc 1.1.5+ds1` from `runc --version` (first line: `runc version 1.1.5+ds1`). */
async function describeBinary(name: RuntimeName, path: string): Promise<string> {
  const { stdout } = await runProgram(path, ['--version']);
  const version = /version\s+(\S+)/.exec(stdout)?.[1];
  return `${name} ${version ?? '(version unknown)'} (${path})`;
}

/**
 * Which OCI runtime the sandbox will use, proven by the sandbox's own trial container (cached in
 * `stateDir` until a binary, the boot or the cgroup layout changes). crun is preferred when it
 * works; when it is installed but refused, says why and how to make it work.
 */
export function ociRuntimeCheck(stateDir: string): Check {
  return {
    id: 'oci-runtime',
    title: 'OCI runtime',
    run: async () => {
      const runc = findProgram('runc');
      const crun = findProgram('crun');
      if (runc === undefined && crun === undefined) {
        return { status: 'fail', detail: 'neither runc nor crun is installed', fix: INSTALL_RUNC };
      }
      if (process.getuid?.() !== 0) {
        return { status: 'fail', detail: `${[runc, crun].filter(Boolean).join(', ')} installed, but not usable: the oci sandbox needs root`, fix: 'run gradebox as root (sudo)' };
      }
      const layout = await hostCgroups();
      let chosen: OciRuntime;
      let facts: HostFacts;
      try {
        facts = { ...(await hostFacts()), cgroups: layout };
        chosen = await selectRuntime('auto', stateDir, facts);
      } catch (error) {
        if (!(error instanceof SandboxError)) throw error;
        return { status: 'fail', detail: error.message, fix: runc === undefined ? INSTALL_RUNC : (error.hint ?? INSTALL_RUNC) };
      }
      const used = await describeBinary(chosen.name, chosen.path);
      if (chosen.name === 'crun') {
        return { status: 'pass', detail: `${used}${runc === undefined ? '' : '; runc also installed'}` };
      }
      if (crun === undefined) return { status: 'pass', detail: `${used}; crun not installed (optional: runs start faster, see docs/sandbox.md)` };
      return crunRefused(used, await describeBinary('crun', crun), stateDir, facts);
    },
  };
}

/**
 * The known reason crun 1.8 refuses a host: a hybrid cgroup layout with controllers enabled on the
 * v2 hierarchy (Debian's hybrid boot leaves hugetlb there). Undefined when the layout is not that.
 */
export function hybridCrunProblem(layout: CgroupLayout): { detail: string; fix: string } | undefined {
  const unified = layout.hierarchies.find((h) => h.version === 2);
  // An empty cgroup.controllers file reads as [''] in CgroupLayout: keep real names only.
  const names = unified?.controllers.filter(Boolean) ?? [];
  if (layout.mode !== 'hybrid' || unified === undefined || names.length === 0) return undefined;
  const binds = names.map((c) => `mkdir -p /sys/fs/cgroup/${c} && mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c}`).join(' && ');
  return {
    detail: `it refuses this hybrid cgroup host because ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} enabled on the v2 hierarchy (${unified.mountPoint})`,
    fix: `bind the unused v2 controllers to v1 as scripts/setup.sh does (run it, or: ${binds})`,
  };
}

/** runc works but crun, though installed, was refused: the known hybrid-cgroup case, or its own complaint. */
async function crunRefused(used: string, crun: string, stateDir: string, facts: HostFacts): Promise<CheckResult> {
  const hybrid = hybridCrunProblem(facts.cgroups);
  if (hybrid !== undefined) return { status: 'warn', detail: `${used} is used; ${crun} is installed but ${hybrid.detail}`, fix: hybrid.fix };
  // Not the known case: let crun's own trial say what is wrong (failures are not cached).
  const why = await selectRuntime('crun', stateDir, facts).then(() => 'it failed an earlier trial', (error: Error) => error.message);
  return { status: 'warn', detail: `${used} is used; ${crun} is installed but does not work here: ${why}`, fix: 'nothing needed (runc works); to use crun, fix the cause above' };
}
