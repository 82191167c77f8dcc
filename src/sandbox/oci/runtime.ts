import { SandboxError } from '../sandbox.ts';
import { defaultSeccompBpfDigest } from '../seccomp-bpf.ts';
import type { HostFacts } from './host-facts.ts';
import { RuntimeVerdictCache } from './runtime-verdict-cache.ts';
import { trialRuntimes } from './runtime-trial.ts';
import { findProgram } from '../../util/find-program.ts';

export type RuntimeName = 'runc' | 'crun';

/** An OCI runtime that has proven, by running a container, that it works on this host, and how. */
export interface OciRuntime {
  name: RuntimeName;
  /** Absolute path of the binary. */
  path: string;
  /** Whether runs can get their own cgroup namespace. */
  cgroupNamespace: boolean;
  /**
   * Whether `run --keep` exists (runc), leaving the stopped container's cgroups for the
   * supervisor to read and remove. Without it (crun 1.8) the runtime removes its cgroups as the
   * container ends, so it gets a cgroup below the run's own, which keeps the usage counters.
   */
  keep: boolean;
  /**
   * How the seccomp profile reaches the runtime: as the OCI `linux.seccomp` section, compiled by
   * libseccomp at every container start, or as a program gradebox compiled once (crun's
   * `run.oci.seccomp_bpf_data` annotation; see ../seccomp-bpf.ts).
   */
  seccomp: 'oci' | 'bpf';
}

/** The environment variable that makes `auto` mean one runtime: for tests and for comparing the two. */
export const RUNTIME_ENV = 'GRADEBOX_OCI_RUNTIME';

/**
 * The runtime to look for: `preference`, except that `auto` becomes `runc` or `crun` when
 * $GRADEBOX_OCI_RUNTIME says so (any other value is ignored), so the CLI can be run on either.
 */
export function runtimePreference(preference: 'auto' | RuntimeName, env: NodeJS.ProcessEnv = process.env): 'auto' | RuntimeName {
  const forced = env[RUNTIME_ENV];
  return preference === 'auto' && (forced === 'runc' || forced === 'crun') ? forced : preference;
}

const verdicts = new Map<string, Promise<OciRuntime>>();

/**
 * Finds a working OCI runtime: for `auto`, crun if it works (it is faster) and otherwise runc.
 * "Works" means a real trial container ran; crun 1.8, for one, refuses hybrid cgroup hosts with
 * controllers on the v2 hierarchy. The verdict is cached for the life of the process, and on disk
 * until a runtime binary, the boot, the cgroup layout or the compiled seccomp program changes
 * (see RuntimeVerdictCache).
 */
export function selectRuntime(preference: 'auto' | RuntimeName, stateDir: string, facts: HostFacts): Promise<OciRuntime> {
  let verdict = verdicts.get(preference);
  if (verdict === undefined) {
    verdict = probe(preference, stateDir, facts);
    verdicts.set(preference, verdict);
    // A failure is not cached: the operator may install runc and retry without a restart.
    verdict.catch(() => verdicts.delete(preference));
  }
  return verdict;
}

// Bumped whenever OciRuntime gains a field or a trial proves something new, so verdicts saved by
// an older gradebox are not reused. 2: keep, overlayMount, seccomp. 3: user namespaces, the
// supervisor mounts every overlay.
const VERDICT_FORMAT = 'verdict-format-3';

async function probe(preference: 'auto' | RuntimeName, stateDir: string, facts: HostFacts): Promise<OciRuntime> {
  const names: RuntimeName[] = preference === 'auto' ? ['crun', 'runc'] : [preference];
  const candidates = names.map((name) => ({ name, path: findProgram(name) }));
  const cache = new RuntimeVerdictCache<OciRuntime>(stateDir);
  const bpf = defaultSeccompBpfDigest();
  const key = await cache.key([VERDICT_FORMAT, `seccomp-bpf:${bpf}`, preference], [...candidates.map((c) => c.path), facts.nsenter, facts.busybox], facts.cgroups);
  const known = await cache.get(key);
  if (known) return known;
  const found = await trialRuntimes(candidates, stateDir, facts);
  if (!Array.isArray(found)) {
    await cache.set(key, found);
    return found;
  }
  const hint = process.getuid?.() === 0
    ? 'install runc (apt-get install runc) or choose another sandbox backend'
    : 'the oci sandbox needs root; run as root, or use the docker backend';
  throw new SandboxError(`no working OCI runtime (${found.join('; ')})`, hint);
}
