import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrderedVolume } from '../container-path.ts';
import type { RunSpec } from '../sandbox.ts';
import { defaultSeccompBpf } from '../seccomp-bpf.ts';
import type { IdRange } from '../id-range.ts';
import type { CgroupLayout } from './cgroups.ts';
import { makeRunFolder } from './live-dir.ts';
import { buildOciConfig, type SessionOptions } from './oci-config.ts';
import type { OciConfig, OciMount } from './oci-spec.ts';
import type { HookTools } from './runtime-hooks.ts';
import type { OciRuntime, RuntimeName } from './runtime.ts';
import { createScratch, destroyRunDir, scratchLayout, type Scratch } from './scratch.ts';

/**
 * What preparing a run depends on: the runtime (and how it is driven), the host's cgroups, the
 * host ids runs map to, and the programs of the hook that limits the run's user namespace.
 */
export interface OciHost extends HookTools {
  runtime: OciRuntime;
  cgroups: CgroupLayout;
  idRange: IdRange;
}

/**
 * One run's bundle: directory `dir` holds config.json, the pid file and the runtime's log, and
 * the scratch tmpfs below it. Shared by grader runs and runtime trials, so a trial proves
 * exactly what runs will do.
 */
export interface RunBundle {
  id: string;
  dir: string;
  scratch: Scratch;
  config: OciConfig;
}

const MiB = 1024 * 1024;

/** The runtime's state directory (its `--root`) under a sandbox state directory. */
export function runtimeRoot(stateDir: string, name: RuntimeName): string {
  return join(stateDir, name);
}

/** Whether the runtime's cgroup sits below the run's own (see OciRuntime.keep). */
const nested = (host: OciHost): boolean => !host.runtime.keep;
/** Whether the supervisor sets the memory limit, on the run's own cgroup, and moves the run there (see OciHostPaths.memoryOnParent). */
const memoryOnParent = (host: OciHost): boolean => nested(host) && host.cgroups.memoryEventsLocal;

/** What sets a bundle apart from a plain grading run's. */
export interface BundleOptions {
  /** Mounts appended last (runtime trials bind host directories this way). */
  extraMounts?: readonly OciMount[];
  /** Set for an interactive session (see buildOciConfig). */
  session?: SessionOptions;
}

/** Lays out run `id` in `dir` and builds its config, which validates the spec; no side effects. */
export function planBundle(host: OciHost, spec: RunSpec, id: string, dir: string, options: BundleOptions = {}): RunBundle {
  const { runtime, cgroups } = host;
  const scratch = scratchLayout(join(dir, 'scratch'), spec);
  const config = buildOciConfig(spec, {
    rootfs: scratch.rootfs, idRange: host.idRange, hookTools: { nsenter: host.nsenter, busybox: host.busybox },
    volumeDirs: scratch.volumeDirs, fileSources: scratch.fileSources, meminfo: scratch.meminfo,
    cgroupsPath: cgroups.cgroupsPath(id, nested(host)), cgroupNamespace: runtime.cgroupNamespace,
    swapLimit: cgroups.swapLimit, memoryOnParent: memoryOnParent(host) ? cgroups.nestedMemory(id) : undefined,
    seccompBpf: runtime.seccomp === 'bpf' ? defaultSeccompBpf() : undefined,
    extraMounts: options.extraMounts,
  }, options.session);
  return { id, dir, scratch, config };
}

/**
 * Creates what the plan describes: the scratch area, config.json and, for a nested run, its own
 * cgroups (with the memory limit where the supervisor sets it). The scratch area's mount goes on
 * meanwhile; both settle before a failure is thrown, so cleanup never races a step in progress.
 * The bundle's small files and the cgroups are written synchronously: they live in memory
 * (tmpfs, cgroupfs), where a thread-pool round trip per file costs more than the call.
 */
export async function createBundle(host: OciHost, bundle: RunBundle, spec: RunSpec, volumes: readonly OrderedVolume[]): Promise<void> {
  makeRunFolder(bundle.dir);
  const results = await Promise.allSettled([
    createScratch(bundle.scratch, spec, volumes, host.idRange),
    (async () => {
      writeFileSync(join(bundle.dir, 'config.json'), JSON.stringify(bundle.config));
      if (nested(host)) host.cgroups.createNested(bundle.id, memoryOnParent(host) ? spec.limits.memoryMiB * MiB : undefined);
    })(),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/**
 * Removes a stopped container and its bundle: its cgroups (killing anything left, though the
 * end of its pid namespace has already killed everything), its runtime state directory, the
 * scratch mounts and the run directory. Doing what `runc delete` does for a stopped container
 * saves a ~10 ms exec per run. Both halves run even if one fails; the first failure is thrown.
 */
export async function destroyBundle(host: OciHost, root: string, bundle: RunBundle): Promise<void> {
  const results = await Promise.allSettled([
    (async () => {
      await host.cgroups.remove(bundle.id);
      // The runtime's state of the run (already gone unless the runtime died); in memory too.
      rmSync(join(root, bundle.id), { recursive: true, force: true });
    })(),
    destroyRunDir(bundle.dir, bundle.scratch),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
