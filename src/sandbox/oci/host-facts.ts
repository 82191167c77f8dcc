import { findProgram } from '../../util/find-program.ts';
import { sandboxIdRange } from '../id-range.ts';
import { SandboxError } from '../sandbox.ts';
import { CgroupLayout } from './cgroups.ts';
import { readMounts } from './mountinfo.ts';
import type { OciHost } from './run-bundle.ts';

/** What a run needs to know about this host besides the runtime: see OciHost. */
export type HostFacts = Omit<OciHost, 'runtime'>;

/** Reads this host's cgroup layout and finds the hook's programs; the id range comes from the environment. */
export async function hostFacts(): Promise<HostFacts> {
  const cgroups = new CgroupLayout(await readMounts());
  const nsenter = findProgram('nsenter');
  if (nsenter === undefined) {
    throw new SandboxError('nsenter is missing: runs need it to limit their user namespace', 'install util-linux (apt-get install util-linux)');
  }
  return { cgroups, idRange: sandboxIdRange(), nsenter, busybox: findProgram('busybox') };
}
