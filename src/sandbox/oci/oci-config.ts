import { posix } from 'node:path';
import { containerPath, orderVolumes } from '../container-path.ts';
import { runCapabilities } from '../capabilities.ts';
import type { IdRange } from '../id-range.ts';
import { openFilesPerProcess, RUN_PTYS } from '../kernel-budgets.ts';
import { MASKED_PATHS, READONLY_PATHS } from '../proc-paths.ts';
import type { RunSpec } from '../sandbox.ts';
import { defaultSeccompProfile } from '../seccomp.ts';
import type { OciConfig, OciMount } from './oci-spec.ts';
import { createRuntimeHook, type HookTools } from './runtime-hooks.ts';

/** crun's annotation for a ready seccomp program: base64 of a `struct sock_filter[]`. */
export const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

/** Host-side facts the config needs besides the run spec. */
export interface OciHostPaths {
  /**
   * The runtime's `root.path`: the run's overlay (the image below, a writable layer in the scratch
   * tmpfs above), which the supervisor mounts before the run starts.
   */
  rootfs: string;
  /** The host ids that the run's ids 0…size-1 map to (see ../id-range.ts). */
  idRange: IdRange;
  /** The programs of the createRuntime hook, which sets limits inside the run's user namespace. */
  hookTools: HookTools;
  /** A compiled seccomp program (crun only), sent instead of the `linux.seccomp` profile. */
  seccompBpf?: string;
  /**
   * Set when the supervisor limits memory on the run's own memory cgroup `dir`, above the
   * runtime's (crun on cgroup v1, see CgroupLayout.memoryEventsLocal). v1 counts an OOM kill only
   * in the victim's cgroup, which must outlive the runtime's, so the hook moves the container's
   * processes there (`from` and `to` are the two cgroup.procs files) before the grader starts, and
   * the runtime sets no memory limit. A cgroup namespace made before the move would show that
   * cgroup as "/.." and hide the limit from the JVM and .NET; instead the run gets none, and sees
   * `dir` at /sys/fs/cgroup/memory, matching its /proc/self/cgroup.
   */
  memoryOnParent?: { dir: string; from: string; to: string };
  /** Host directory for each `spec.volumes[i]`, by index. */
  volumeDirs: readonly string[];
  /** Host file for each `spec.files[i]`, by index. */
  fileSources: readonly string[];
  /** Host file shown as the run's /proc/meminfo (see meminfo.ts). */
  meminfo: string;
  cgroupsPath: string;
  /** Whether the runtime can create a cgroup namespace here (proven by the trial run). */
  cgroupNamespace: boolean;
  /** Whether memory+swap can be limited on this host. */
  swapLimit: boolean;
  /** Extra mounts appended last (the runtime trial binds host directories this way). */
  extraMounts?: readonly OciMount[];
}

/** An interactive session (`Sandbox.runInteractive`); grading runs have none. */
export interface SessionOptions {
  /** Whether the process gets a pseudo-terminal, which the runtime allocates and proxies to its own stdio. */
  terminal: boolean;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MiB = 1024 * 1024;


/** tmpfs inodes: enough for many small files, bounded so a file-creation bomb stays cheap. */
const inodesFor = (mib: number): number => Math.max(16384, mib * 256);

function workingDirectory(cwd: string): string {
  if (!cwd.startsWith('/') || cwd.includes('\0') || cwd.split('/').includes('..')) {
    throw new RangeError(`cwd must be an absolute path without "..", got ${JSON.stringify(cwd)}`);
  }
  return posix.normalize(cwd);
}

/**
 * Builds the OCI runtime config (runtime-spec 1.0.2) for one run. Pure: everything it needs
 * about the host is in `host`. Every run has a user namespace mapping its ids to the host range
 * `host.idRange`; uid 0 there is the run's root, with a container root's capabilities
 * (../capabilities.ts) that count only inside it; any other uid has none. Always `no_new_privs`
 * and seccomp.
 */
export function buildOciConfig(spec: RunSpec, host: OciHostPaths, session?: SessionOptions): OciConfig {
  const { limits, user } = spec;
  const inRange = (id: number): boolean => Number.isInteger(id) && id >= 0 && id < host.idRange.size;
  if (!inRange(user.uid) || !inRange(user.gid)) {
    throw new RangeError(`a sandboxed run needs a uid and gid from 0 to ${host.idRange.size - 1}, got ${user.uid}:${user.gid}`);
  }
  const env = Object.entries(spec.env).map(([key, value]) => {
    if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw new RangeError(`invalid environment variable name or value: ${JSON.stringify(key)}`);
    }
    return `${key}=${value}`;
  });
  if (!('PATH' in spec.env)) env.unshift(DEFAULT_PATH);

  const tmpfs = (destination: string, mib: number, extra: string[] = []): OciMount => ({
    destination, type: 'tmpfs', source: 'tmpfs',
    options: ['nosuid', 'nodev', ...extra, `size=${mib}m`, `nr_inodes=${inodesFor(mib)}`],
  });
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    // What the run sees as the machine's memory: its own limit (see meminfo.ts).
    { destination: '/proc/meminfo', type: 'bind', source: host.meminfo, options: ['bind', 'ro', 'nosuid', 'noexec', 'nodev'] },
    // runc fills a tmpfs /dev with its default devices (null, zero, full, random, urandom, tty).
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=64k'] },
    // A devpts of the run's own, with few ptys: the host's pty.max is shared by every instance.
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', `max=${RUN_PTYS}`] },
    tmpfs('/dev/shm', Math.min(64, limits.tmpMiB), ['noexec', 'mode=1777']),
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // sysfs can only be mounted in a network namespace of the run's own; with the host's network,
    // the host's /sys is bound instead, recursively (a user namespace may not bind a tree without
    // the mounts on it). Its files are the host root's, which the run's root is not.
    spec.network
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    // Read-only, so runtimes in the grader (the JVM, .NET) size themselves to the limits.
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    tmpfs('/tmp', limits.tmpMiB, ['mode=1777']),
  ];
  if (host.memoryOnParent !== undefined) {
    mounts.push({ destination: '/sys/fs/cgroup/memory', type: 'bind', source: host.memoryOnParent.dir, options: ['bind', 'ro', 'nosuid', 'noexec', 'nodev'] });
  }
  for (const { index, target, volume } of orderVolumes(spec.volumes)) {
    const source = host.volumeDirs[index];
    if (source === undefined) throw new RangeError(`no host directory for volume ${target}`);
    mounts.push({ destination: target, type: 'bind', source, options: ['rbind', 'nosuid', 'nodev', volume.readOnly ? 'ro' : 'rw'] });
  }
  spec.files.forEach((file, index) => {
    const source = host.fileSources[index];
    if (source === undefined) throw new RangeError(`no host file for ${file.target}`);
    mounts.push({ destination: containerPath(file.target, 'file target'), type: 'bind', source, options: ['bind', 'nosuid', 'nodev', 'ro'] });
  });
  mounts.push(...(host.extraMounts ?? []));

  const namespaces = ['user', 'pid', 'mount', 'ipc', 'uts'];
  // Without a network namespace the run shares the host's; with one, the runtime brings up only `lo`.
  if (!spec.network) namespaces.push('network');
  if (host.cgroupNamespace && host.memoryOnParent === undefined) namespaces.push('cgroup');
  const idMapping = [{ containerID: 0, hostID: host.idRange.base, size: host.idRange.size }];

  const memory = limits.memoryMiB * MiB;
  const seccomp = host.seccompBpf === undefined ? { seccomp: defaultSeccompProfile() } : {};
  // Backstop if the supervisor dies: no single process may burn more CPU than the run could.
  const cpuSeconds = Math.ceil(limits.timeoutSeconds * limits.cpus) + 5;
  const files = openFilesPerProcess(limits.pids);
  const capabilities = [...runCapabilities(user.uid)];
  const config: OciConfig = {
    ociVersion: '1.0.2',
    process: {
      terminal: session?.terminal ?? false,
      user: { uid: user.uid, gid: user.gid, additionalGids: [] },
      args: spec.argv,
      env,
      cwd: workingDirectory(spec.cwd),
      capabilities: { bounding: capabilities, effective: capabilities, inheritable: [], permitted: capabilities, ambient: [] },
      rlimits: [
        { type: 'RLIMIT_NOFILE', hard: files, soft: files },
        { type: 'RLIMIT_CORE', hard: 0, soft: 0 },
        { type: 'RLIMIT_CPU', hard: cpuSeconds, soft: cpuSeconds },
      ],
      noNewPrivileges: true,
    },
    root: { path: host.rootfs, readonly: false },
    hostname: 'grader',
    mounts,
    linux: {
      namespaces: namespaces.map((type) => ({ type })),
      uidMappings: idMapping,
      gidMappings: idMapping,
      cgroupsPath: host.cgroupsPath,
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        ...(host.memoryOnParent === undefined ? { memory: host.swapLimit ? { limit: memory, swap: memory } : { limit: memory } } : {}),
        cpu: { quota: Math.max(1000, Math.round(limits.cpus * 100_000)), period: 100_000 },
        pids: { limit: limits.pids },
      },
      ...seccomp,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
    hooks: { createRuntime: [createRuntimeHook(host.hookTools, host.memoryOnParent)] },
  };
  if (host.seccompBpf !== undefined) config.annotations = { [SECCOMP_BPF_ANNOTATION]: host.seccompBpf };
  return config;
}
