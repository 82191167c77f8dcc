import { gradeboxHome, sandboxStateDir } from '../../toolkit/gradebox-home.ts';
import type { Check } from './check.ts';
import { cgroupsCheck } from './cgroups.ts';
import { diskSpaceCheck } from './disk-space.ts';
import { dockerDaemonCheck } from './docker-daemon.ts';
import { idRangeCheck } from './id-range.ts';
import { overlayfsCheck, tmpfsCheck } from './kernel-filesystems.ts';
import { namespacesCheck } from './namespaces.ts';
import { nodeVersionCheck } from './node-version.ts';
import { ociRuntimeCheck } from './oci-runtime.ts';
import { rootUserCheck } from './root-user.ts';
import { sandboxTrialCheck } from './sandbox-trial.ts';

/**
 * Every environment check, in the order people read them: the basics, the kernel, the sandbox
 * (runtime, then a real trial run), then Docker and disk space. `home` is GRADEBOX_HOME: the
 * runtime verdict is cached under it and its disk holds the images.
 */
export function environmentChecks(home: string = gradeboxHome()): Check[] {
  const stateDir = sandboxStateDir(home);
  return [
    nodeVersionCheck(), rootUserCheck(), namespacesCheck(), idRangeCheck(), cgroupsCheck(), overlayfsCheck(), tmpfsCheck(),
    ociRuntimeCheck(stateDir), sandboxTrialCheck(stateDir), dockerDaemonCheck(), diskSpaceCheck({ path: home }),
  ];
}
