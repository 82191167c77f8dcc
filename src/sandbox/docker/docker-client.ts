import { hostname } from 'node:os';
// Types only: dockerode (with ssh2) costs ~150 ms to load, so it is imported when a run needs it.
import type Docker from 'dockerode';
import { SandboxError } from '../sandbox.ts';

const INFO_TIMEOUT_MS = 5_000;

/** What the sandbox needs to know about the daemon; read once per sandbox. */
export interface DaemonFacts {
  /**
   * Whether the daemon's containers live in this host's cgroup hierarchies, so usage can be read
   * from them: a unix socket, the cgroupfs driver, the daemon's host name is ours, and we are root
   * (we create and remove the run's parent cgroup). Otherwise CPU time and peak memory are 0.
   */
  localCgroups: boolean;
  version: string;
}

/** Where the client connects, as the docker CLI and dockerode find it. */
export function dockerEndpoint(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** A client for the daemon at DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) or the default socket. */
export async function createDockerClient(): Promise<Docker> {
  const { default: Dockerode } = await import('dockerode');
  return new Dockerode();
}

/** The fields of `GET /info` the sandbox reads. */
export interface DaemonInfo {
  CgroupDriver?: string;
  Name?: string;
  ServerVersion?: string;
  /** E.g. `name=seccomp,profile=default`, and `name=userns` when the daemon remaps ids. */
  SecurityOptions?: string[];
}

/**
 * Throws a SandboxError unless the daemon runs its containers in a user namespace
 * (`userns-remap`), which the docker backend needs: Docker 20.10 has no user namespace per
 * container, only the daemon-wide remapping. Without it a run's root would be the host's root, a
 * grader's uid 1000 would be the host's uid 1000, and the per-namespace limits of a run (see
 * kernel-budgets.ts) would be the host's own.
 */
export function requireUserNamespaces(info: DaemonInfo): void {
  const options = Array.isArray(info.SecurityOptions) ? info.SecurityOptions : [];
  if (options.some((option) => typeof option === 'string' && option.split(',').includes('name=userns'))) return;
  throw new SandboxError(
    `the Docker daemon at ${dockerEndpoint()} runs containers without user namespaces, which gradebox's docker backend needs`,
    'enable them: add "userns-remap": "default" to /etc/docker/daemon.json and restart dockerd (systemctl restart docker); or use the oci backend',
  );
}

/**
 * Asks the daemon what it is (`GET /info`), with a timeout: the first call of every sandbox, so a
 * daemon that is down or unreachable, or one without user namespaces, becomes one clear SandboxError.
 */
export async function readDaemonFacts(docker: Docker): Promise<DaemonFacts> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${INFO_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })), INFO_TIMEOUT_MS);
  });
  let info: DaemonInfo;
  try {
    info = (await Promise.race([docker.info(), timeout])) as typeof info;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new SandboxError(
      `no Docker daemon answers at ${dockerEndpoint()} (${e.code ?? e.message})`,
      'start Docker (systemctl start docker), point DOCKER_HOST at a daemon, or use the oci backend',
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  requireUserNamespaces(info);
  // A unix socket (docker-modem keeps a path, or a function finding the default one) rather than a TCP or SSH host.
  const modem = docker.modem as { host?: unknown; socketPath?: unknown };
  const localCgroups = modem.host === undefined && modem.socketPath !== undefined
    && info.CgroupDriver === 'cgroupfs'
    && info.Name === hostname()
    && process.getuid?.() === 0;
  return { localCgroups, version: info.ServerVersion ?? 'unknown' };
}

/** The HTTP status of a failed Engine API call, if it was one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The daemon's own message of a failed Engine API call (dockerode wraps it in "(HTTP code …) …"). */
export function daemonMessage(error: unknown): string {
  const e = error as { json?: { message?: unknown }; message?: string };
  if (typeof e.json?.message === 'string') return e.json.message;
  return e.message ?? String(error);
}
