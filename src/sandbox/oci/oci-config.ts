import { posix } from 'node:path';
import { containerPath, orderVolumes } from '../container-path.ts';
import type { RunSpec } from '../sandbox.ts';
import { defaultSeccompProfile } from '../seccomp.ts';
import type { OciConfig, OciMount } from './oci-spec.ts';

/** crun's annotation for a ready seccomp program: base64 of a `struct sock_filter[]`. */
export const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

/** Host-side facts the config needs besides the run spec. */
export interface OciHostPaths {
  /** The runtime's `root.path`: the directory the overlay is mounted onto. */
  rootfs: string;
  /** The run's root: the image as lower layer, a writable layer in the scratch tmpfs above. */
  overlay: { lowerdir: string; upperdir: string; workdir: string };
  /**
   * Who mounts that overlay: the runtime, as the first entry of the mount list (runc), or the
   * supervisor, on `rootfs` before the run starts (crun cannot mount over "/").
   */
  overlayMount: 'runtime' | 'host';
  /** A compiled seccomp program (crun only), sent instead of the `linux.seccomp` profile. */
  seccompBpf?: string;
  /**
   * Set when the supervisor limits memory on the run's own memory cgroup `dir`, above the
   * runtime's (crun on cgroup v1, see CgroupLayout.memoryEventsLocal). v1 counts an OOM kill only
   * in the victim's cgroup, which must outlive the runtime's, so a hook moves the container's
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

/** Mount source of run overlays, so people and leftover checks can find them in mountinfo. */
export const OVERLAY_SOURCE = 'gradebox-overlay';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MiB = 1024 * 1024;

// runc's and Docker's defaults: kernel interfaces that leak host data or allow host-wide effects.
// /sys/devices/virtual/powercap is there for the RAPL energy side channel (CVE-2020-8694).
const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/sched_debug', '/proc/scsi', '/proc/timer_list', '/proc/timer_stats', '/sys/devices/virtual/powercap',
  '/sys/firmware',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

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
 * about the host is in `host`. A grading run must not be root; an interactive `session` may
 * (`gradebox inspect --super-user`), still without capabilities, under seccomp and no_new_privs.
 */
export function buildOciConfig(spec: RunSpec, host: OciHostPaths, session?: SessionOptions): OciConfig {
  const { limits, user } = spec;
  const lowest = session === undefined ? 1 : 0;
  if (!Number.isInteger(user.uid) || !Number.isInteger(user.gid) || user.uid < lowest || user.gid < lowest) {
    throw new RangeError(`a sandboxed run needs a non-root uid and gid, got ${user.uid}:${user.gid}`);
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
  const { lowerdir, upperdir, workdir } = host.overlay;
  const mounts: OciMount[] = [];
  if (host.overlayMount === 'runtime') {
    // First, so everything after lands inside it. A mount on "/" stacks over the runtime's bind of
    // root.path before pivot_root; the host never sees the overlay and it ends with the run.
    mounts.push({
      destination: '/', type: 'overlay', source: OVERLAY_SOURCE,
      options: [`lowerdir=${lowerdir}`, `upperdir=${upperdir}`, `workdir=${workdir}`, 'nosuid', 'nodev'],
    });
  }
  mounts.push(
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    // runc fills a tmpfs /dev with its default devices (null, zero, full, random, urandom, tty).
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=64k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    tmpfs('/dev/shm', Math.min(64, limits.tmpMiB), ['noexec', 'mode=1777']),
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    // Read-only, so runtimes in the grader (the JVM, .NET) size themselves to the limits.
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    tmpfs('/tmp', limits.tmpMiB, ['mode=1777']),
  );
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

  const namespaces = ['pid', 'mount', 'ipc', 'uts'];
  // Without a network namespace the run shares the host's; with one, runc brings up only `lo`.
  if (!spec.network) namespaces.push('network');
  if (host.cgroupNamespace && host.memoryOnParent === undefined) namespaces.push('cgroup');

  const memory = limits.memoryMiB * MiB;
  const seccomp = host.seccompBpf === undefined ? { seccomp: defaultSeccompProfile() } : {};
  // Backstop if the supervisor dies: no single process may burn more CPU than the run could.
  const cpuSeconds = Math.ceil(limits.timeoutSeconds * limits.cpus) + 5;
  const config: OciConfig = {
    ociVersion: '1.0.2',
    process: {
      terminal: session?.terminal ?? false,
      user: { uid: user.uid, gid: user.gid, additionalGids: [] },
      args: spec.argv,
      env,
      cwd: workingDirectory(spec.cwd),
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      rlimits: [
        { type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 },
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
      cgroupsPath: host.cgroupsPath,
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        ...(host.memoryOnParent === undefined ? { memory: host.swapLimit ? { limit: memory, swap: memory } : { limit: memory } } : {}),
        cpu: { quota: Math.max(1000, Math.round(limits.cpus * 100_000)), period: 100_000 },
        pids: { limit: limits.pids },
      },
      ...seccomp,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
  if (host.seccompBpf !== undefined) config.annotations = { [SECCOMP_BPF_ANNOTATION]: host.seccompBpf };
  if (host.memoryOnParent !== undefined) {
    // Shell builtins only; createRuntime hooks run after the runtime placed the container's first
    // process in its cgroups and before that process runs anything of the grader's. The hook
    // reads the container state the runtime writes to it first: crun dies of SIGPIPE otherwise.
    const { from, to } = host.memoryOnParent;
    const script = 'while read -r _; do :; done; while read -r pid; do echo "$pid" > "$1"; done < "$2"';
    config.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', script, 'sh', to, from], timeout: 10 }] };
  }
  return config;
}
