import { posix } from 'node:path';
import type { ContainerCreateOptions, MountSettings } from 'dockerode';
import { runCapabilities } from '../capabilities.ts';
import { ID_RANGE_SIZE } from '../id-range.ts';
import { openFilesPerProcess, USER_NAMESPACE_LIMITS } from '../kernel-budgets.ts';
import { MASKED_PATHS, READONLY_PATHS } from '../proc-paths.ts';
import type { RunSpec } from '../sandbox.ts';
import { defaultSeccompProfile } from '../seccomp.ts';
import { LABELS } from './run-name.ts';
import type { RunPlan } from './run-plan.ts';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MiB = 1024 * 1024;
/** Docker's read-only /proc paths (the same as runc's, which the oci backend uses). */

let seccompOption: string | undefined;

/** `seccomp=<profile JSON>`: Docker takes the OCI-shaped profile of ../seccomp.ts as it is. */
function seccomp(): string {
  seccompOption ??= `seccomp=${JSON.stringify(defaultSeccompProfile())}`;
  return seccompOption;
}

function workingDirectory(cwd: string): string {
  if (!cwd.startsWith('/') || cwd.includes('\0') || cwd.split('/').includes('..')) {
    throw new RangeError(`cwd must be an absolute path without "..", got ${JSON.stringify(cwd)}`);
  }
  return posix.normalize(cwd);
}

function environment(spec: RunSpec): string[] {
  const env = Object.entries(spec.env).map(([key, value]) => {
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw new RangeError(`invalid environment variable name or value: ${JSON.stringify(key)}`);
    }
    return `${key}=${value}`;
  });
  if (!('PATH' in spec.env)) env.unshift(DEFAULT_PATH);
  return env;
}

/**
 * Checks the process part of `spec` (uid and gid inside the run's user namespace, a program,
 * environment, working directory) and returns it as the grader container gets it; throws a
 * RangeError naming the fault.
 */
export function checkProcess(spec: RunSpec): { program: string; args: string[]; env: string[]; cwd: string } {
  const { user } = spec;
  const inRange = (id: number): boolean => Number.isInteger(id) && id >= 0 && id < ID_RANGE_SIZE;
  if (!inRange(user.uid) || !inRange(user.gid)) {
    throw new RangeError(`a sandboxed run needs a uid and gid from 0 to ${ID_RANGE_SIZE - 1}, got ${user.uid}:${user.gid}`);
  }
  const [program, ...args] = spec.argv;
  if (program === undefined || program === '') throw new RangeError('argv must name a program');
  return { program, args, env: environment(spec), cwd: workingDirectory(spec.cwd) };
}

/**
 * An interactive session's container (`gradebox inspect`): stdin open and attached; with
 * `terminal` a pty of its own (Tty), else plain pipes whose stdin closes when the caller's input
 * ends (StdinOnce, as `docker run -i`).
 */
export interface SessionOptions {
  terminal: boolean;
}

// The typings demand every VolumeOptions field; the Engine API takes any subset.
const mount = (settings: Omit<MountSettings, 'VolumeOptions'> & { VolumeOptions?: Record<string, unknown> }): MountSettings =>
  settings as MountSettings;

/** Where the daemon has the run's volumes, and the keeper whose namespaces the grader joins. */
export interface RunHost {
  /** The keeper container's id: the grader joins its network namespace, and with it its user namespace. */
  keeperId: string;
  /** The run volume's directory on the daemon's host (`Mountpoint`), where the grader's bound files are. */
  runVolumeDir: string;
  /** The grader's `CgroupParent`, when usage is read from this host's cgroups. */
  cgroupParent?: string;
}

/**
 * The grader's container (pure; validates user, argv, env and cwd). It joins the keeper's network
 * namespace (no network, or Docker's bridge with `network: true`), and so, under `userns-remap`,
 * the keeper's user namespace, whose per-namespace limits the keeper has set. Its root filesystem
 * is read-only: Docker's overlay2 writable layer cannot be size-limited here, so the grader writes
 * only to size-limited tmpfs volumes (the spec's, the image's writable spots, or root's places),
 * /tmp, /dev/shm, and its own devpts. The run's uid/gid; a container root's capabilities for uid 0
 * (../capabilities.ts), none for anyone else; no_new_privs; the default seccomp profile; Docker's
 * masked /proc paths plus the boot line and DMI, and its read-only ones; /proc/meminfo and the
 * placed files bound read-only from the run volume; memory with swap equal to it, a CPU quota, a
 * pids limit, rlimits as in the oci backend; no log file (output is read from the attach stream,
 * so a flood never reaches the daemon's disk), no health check. With `session`, the same container
 * for an interactive session (see SessionOptions).
 */
export function graderContainer(
  spec: RunSpec, plan: RunPlan, labels: Record<string, string>, host: RunHost, session?: SessionOptions,
): ContainerCreateOptions {
  const { limits, user } = spec;
  const { program, args, env, cwd } = checkProcess(spec);
  const memory = limits.memoryMiB * MiB;
  // Backstop if the supervisor dies: no single process may burn more CPU than the run could.
  const cpuSeconds = Math.ceil(limits.timeoutSeconds * limits.cpus) + 5;
  const files = openFilesPerProcess(limits.pids);
  const capabilities = runCapabilities(user.uid);
  return {
    name: plan.name,
    Image: spec.image.id,
    Entrypoint: [program],
    Cmd: args,
    Env: env,
    // The spec's, checked above, unless the plan gives the grader a stand-in for a writable `/`.
    WorkingDir: plan.cwd === spec.cwd ? cwd : workingDirectory(plan.cwd),
    User: `${user.uid}:${user.gid}`,
    Labels: { ...labels, [LABELS.role]: 'grader' },
    AttachStdin: session !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: session !== undefined,
    StdinOnce: session !== undefined && !session.terminal,
    Tty: session?.terminal === true,
    Healthcheck: { Test: ['NONE'] },
    HostConfig: {
      // The host name comes with the keeper's network namespace (Docker refuses one of the grader's own).
      NetworkMode: `container:${host.keeperId}`,
      CapDrop: ['ALL'],
      ...(capabilities.length > 0 ? { CapAdd: [...capabilities] } : {}),
      SecurityOpt: ['no-new-privileges', seccomp()],
      MaskedPaths: [...MASKED_PATHS],
      ReadonlyPaths: [...READONLY_PATHS],
      Memory: memory,
      MemorySwap: memory,
      // Quota and period rather than NanoCpus: the daemon refuses NanoCpus above the host's CPU
      // count, while a quota (as the oci backend sets) simply allows more than exists.
      CpuPeriod: 100_000,
      CpuQuota: Math.max(1000, Math.round(limits.cpus * 100_000)),
      PidsLimit: limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: files, Hard: files },
        { Name: 'core', Soft: 0, Hard: 0 },
        { Name: 'cpu', Soft: cpuSeconds, Hard: cpuSeconds },
      ],
      ReadonlyRootfs: true,
      ...(plan.tmp !== undefined ? { Tmpfs: { '/tmp': plan.tmp } } : {}),
      IpcMode: 'private',
      ShmSize: Math.min(64, limits.tmpMiB) * MiB,
      Mounts: [
        ...plan.volumes.filter((volume) => volume.source !== 'run').map((volume) => mount({
          Type: 'volume', Source: volume.name, Target: volume.target, ReadOnly: volume.readOnly,
          // Docker copies the image's content (with owner and mode) into an empty volume unless told not to.
          VolumeOptions: { NoCopy: volume.source !== 'image' },
        })),
        mount({
          Type: 'volume', Source: plan.ptys.name, Target: '/dev/pts',
          VolumeOptions: { NoCopy: true, Labels: labels, DriverConfig: { Name: 'local', Options: { type: 'devpts', device: 'devpts', o: plan.ptys.options } } },
        }),
        ...plan.binds.map((bind) => mount({ Type: 'bind', Source: `${host.runVolumeDir}/${bind.source}`, Target: bind.target, ReadOnly: true })),
      ],
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      Privileged: false,
      Init: false,
      ...(host.cgroupParent !== undefined ? { CgroupParent: host.cgroupParent } : {}),
    },
  };
}

/** The line the keeper prints once the run's user namespace is limited, before it waits. */
export const KEEPER_READY = 'gradebox-keeper-ready';

/**
 * The namespaces the grader's runtime makes in the keeper's user namespace after the keeper has
 * limited it. The runtime joins that user namespace as the host's root, an id not mapped there,
 * so they count for that id, not for the run's root (which the keeper's own one of each already
 * fills): a limit of 1 lets the runtime make them and leaves no one in the run room for another.
 */
const GRADER_NAMESPACES = new Set(['max_mnt_namespaces', 'max_pid_namespaces', 'max_ipc_namespaces', 'max_uts_namespaces']);

/** The values the keeper writes to /proc/sys/user: USER_NAMESPACE_LIMITS, with room for the grader's own namespaces. */
export function keeperLimits(): Record<string, number> {
  return Object.fromEntries(Object.entries(USER_NAMESPACE_LIMITS).map(([name, value]) => [name, GRADER_NAMESPACES.has(name) ? Math.max(1, value) : value]));
}

/**
 * What the keeper runs: it sets the per-user-namespace limits (keeperLimits) of the user
 * namespace the grader will join, says so, and waits. `read` blocks on its terminal, which Docker
 * keeps open and nobody writes. Shell builtins only.
 */
export function keeperCommand(): string[] {
  const limits = Object.entries(keeperLimits()).map(([name, value]) => `echo ${value} > /proc/sys/user/${name}`).join(' && ');
  return ['/bin/sh', '-c', `${limits} && echo ${KEEPER_READY} && read -r _`];
}

/**
 * The keeper: holds every tmpfs volume of the run (creating it, with the run's labels) from
 * before the grader is created until after its outputs are read, and owns the namespaces the
 * grader joins (network, and with it the user namespace). It runs the image's /bin/sh (see
 * keeperCommand) as root of that namespace with one capability, CAP_SYS_RESOURCE, which writing
 * the namespace's limits needs, and /proc/sys writable for that; nothing else: no network unless
 * the run has it, no_new_privs, the default seccomp profile. The grader cannot reach it: it is in
 * a pid namespace of its own, and its files are in its own mount namespace. Its root stays
 * writable only because Docker refuses archives extracted at `/` of a read-only root, and inputs
 * are extracted there (see inputArchive); the keeper itself writes nothing.
 */
export function keeperContainer(spec: RunSpec, plan: RunPlan, labels: Record<string, string>): ContainerCreateOptions {
  return {
    name: `${plan.name}-keeper`,
    Image: spec.image.id,
    Entrypoint: keeperCommand(),
    Cmd: [],
    WorkingDir: '/',
    User: '0:0',
    Hostname: 'grader',
    Labels: { ...labels, [LABELS.role]: 'keeper' },
    AttachStdout: true,
    OpenStdin: true,
    // A terminal, not a pipe: with a pipe, `read` was seen to get EOF now and then under load, and a
    // keeper that exits early fails its start or lets Docker drop the volumes' content. A pty that
    // nobody writes never ends while the container lives.
    Tty: true,
    Healthcheck: { Test: ['NONE'] },
    HostConfig: {
      NetworkMode: spec.network ? 'bridge' : 'none',
      CapDrop: ['ALL'],
      CapAdd: ['CAP_SYS_RESOURCE'],
      SecurityOpt: ['no-new-privileges', seccomp()],
      MaskedPaths: [...MASKED_PATHS],
      ReadonlyPaths: READONLY_PATHS.filter((path) => path !== '/proc/sys'),
      ReadonlyRootfs: false,
      // The runtime's own init (a Go binary compiling the seccomp filter) runs in this cgroup before
      // `read` does: 16 MiB was seen to kill it under load ("cannot start a stopped process").
      Memory: 64 * MiB,
      MemorySwap: 64 * MiB,
      // pids.max counts threads, and the runtime's own init (Go, several threads, nsexec clones)
      // runs in this cgroup before `read` does: 4 killed it under load.
      PidsLimit: 32,
      LogConfig: { Type: 'none', Config: {} },
      Mounts: plan.volumes.map((volume) => mount({
        Type: 'volume', Source: volume.name, Target: volume.keeperPath,
        VolumeOptions: { NoCopy: true, Labels: labels, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: volume.tmpfs } } },
      })),
    },
  };
}
