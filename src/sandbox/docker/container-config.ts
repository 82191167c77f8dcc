import { posix } from 'node:path';
import type { ContainerCreateOptions, MountSettings } from 'dockerode';
import type { RunSpec } from '../sandbox.ts';
import { defaultSeccompProfile } from '../seccomp.ts';
import { LABELS } from './run-name.ts';
import type { RunPlan } from './run-plan.ts';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MiB = 1024 * 1024;
/** The keeper only waits: `read` blocks on its terminal, which Docker keeps open and nobody writes. */
export const KEEPER_COMMAND = ['/bin/sh', '-c', 'read -r _'];

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
 * Checks the process part of `spec` (non-root user unless `allowRoot`, a program, environment,
 * working directory) and returns it as the grader container gets it; throws a RangeError naming
 * the fault. Only interactive sessions may be root (see InteractiveSpec).
 */
export function checkProcess(spec: RunSpec, allowRoot = false): { program: string; args: string[]; env: string[]; cwd: string } {
  const { user } = spec;
  const lowest = allowRoot ? 0 : 1;
  if (!Number.isInteger(user.uid) || !Number.isInteger(user.gid) || user.uid < lowest || user.gid < lowest) {
    throw new RangeError(`a sandboxed run needs a ${allowRoot ? 'valid' : 'non-root'} uid and gid, got ${user.uid}:${user.gid}`);
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

/**
 * The grader's container (pure; validates user, argv, env and cwd): the image's root as Docker's
 * writable layer (which only gradebox writes, placing files; every spot the user could write is a
 * tmpfs volume), no network unless asked, the run's uid/gid, no capabilities, no_new_privs, the
 * default seccomp profile, Docker's masked and read-only /proc paths, memory with swap equal to
 * it, a CPU quota, a pids limit, rlimits as in the oci backend, hostname `grader`, no log file
 * (output is read from the attach stream, so a flood never reaches the daemon's disk), no
 * health check, and the run's volumes, spec volumes fresh and spots filled from the image. With
 * `session`, the same container for an interactive session (see SessionOptions), which may be root.
 */
export function graderContainer(
  spec: RunSpec, plan: RunPlan, labels: Record<string, string>, cgroupParent?: string, session?: SessionOptions,
): ContainerCreateOptions {
  const { limits, user } = spec;
  const { program, args, env, cwd } = checkProcess(spec, session !== undefined);
  const memory = limits.memoryMiB * MiB;
  // Backstop if the supervisor dies: no single process may burn more CPU than the run could.
  const cpuSeconds = Math.ceil(limits.timeoutSeconds * limits.cpus) + 5;
  return {
    name: plan.name,
    Image: spec.image.id,
    Entrypoint: [program],
    Cmd: args,
    Env: env,
    WorkingDir: cwd,
    User: `${user.uid}:${user.gid}`,
    Hostname: 'grader',
    Labels: { ...labels, [LABELS.role]: 'grader' },
    AttachStdin: session !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: session !== undefined,
    StdinOnce: session !== undefined && !session.terminal,
    Tty: session?.terminal === true,
    Healthcheck: { Test: ['NONE'] },
    HostConfig: {
      NetworkMode: spec.network ? 'bridge' : 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges', seccomp()],
      Memory: memory,
      MemorySwap: memory,
      // Quota and period rather than NanoCpus: the daemon refuses NanoCpus above the host's CPU
      // count, while a quota (as the oci backend sets) simply allows more than exists.
      CpuPeriod: 100_000,
      CpuQuota: Math.max(1000, Math.round(limits.cpus * 100_000)),
      PidsLimit: limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: 4096, Hard: 4096 },
        { Name: 'core', Soft: 0, Hard: 0 },
        { Name: 'cpu', Soft: cpuSeconds, Hard: cpuSeconds },
      ],
      ReadonlyRootfs: false,
      ...(plan.tmp !== undefined ? { Tmpfs: { '/tmp': plan.tmp } } : {}),
      IpcMode: 'private',
      ShmSize: Math.min(64, limits.tmpMiB) * MiB,
      Mounts: plan.volumes.map((volume) => mount({
        Type: 'volume', Source: volume.name, Target: volume.target, ReadOnly: volume.readOnly,
        // Docker copies the image's content (with owner and mode) into an empty volume unless told not to.
        VolumeOptions: { NoCopy: volume.source === 'spec' },
      })),
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      Privileged: false,
      Init: false,
      ...(cgroupParent !== undefined ? { CgroupParent: cgroupParent } : {}),
    },
  };
}

/**
 * The keeper: holds every tmpfs volume of the run (creating it, with the run's labels) from
 * before the grader starts until after its outputs are read. It runs the image's /bin/sh waiting
 * on stdin, as nobody, with nothing else: no network, no capabilities. Its root stays writable
 * only because Docker refuses archives extracted at `/` of a read-only root, and inputs are
 * extracted there (see inputArchive); nobody, doing nothing but `read`, writes nothing.
 */
export function keeperContainer(spec: RunSpec, plan: RunPlan, labels: Record<string, string>): ContainerCreateOptions {
  return {
    name: `${plan.name}-keeper`,
    Image: spec.image.id,
    Entrypoint: KEEPER_COMMAND,
    Cmd: [],
    WorkingDir: '/',
    User: '65534:65534',
    Hostname: 'keeper',
    Labels: { ...labels, [LABELS.role]: 'keeper' },
    OpenStdin: true,
    // A terminal, not a pipe: with a pipe, `read` was seen to get EOF now and then under load, and a
    // keeper that exits early fails its start or lets Docker drop the volumes' content. A pty that
    // nobody writes never ends while the container lives.
    Tty: true,
    Healthcheck: { Test: ['NONE'] },
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges', seccomp()],
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
