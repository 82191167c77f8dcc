import { requireUserNamespaces, type DaemonInfo } from '../../sandbox/docker/docker-client.ts';
import { SandboxError } from '../../sandbox/sandbox.ts';
import type { Check } from './check.ts';

const TIMEOUT_MS = 3_000;

/** Where the Docker client looks, as the docker CLI (and dockerode) do. */
function endpoint(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/**
 * A Docker daemon answers (DOCKER_HOST honoured), which version it runs, and whether it runs
 * containers in a user namespace (`userns-remap`), which the docker backend needs. Either missing is
 * a warning only: the oci backend needs no daemon; Docker serves images by name and the docker backend.
 */
export function dockerDaemonCheck(timeoutMs = TIMEOUT_MS): Check {
  return {
    id: 'docker',
    title: 'Docker daemon',
    run: async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        // dockerode (with ssh2) costs ~150 ms to load: only here, never at CLI start.
        const { default: Docker } = await import('dockerode');
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        const docker = new Docker();
        const [version, info] = await Promise.race([Promise.all([docker.version(), docker.info() as Promise<DaemonInfo>]), timeout]);
        const detail = `Docker ${version.Version} (API ${version.ApiVersion}) at ${endpoint()}`;
        try {
          requireUserNamespaces(info);
        } catch (error) {
          if (!(error instanceof SandboxError)) throw error;
          return { status: 'warn', detail: `${detail}, without user namespaces: the docker backend refuses it`, fix: error.hint ?? '' };
        }
        return { status: 'pass', detail };
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        return {
          status: 'warn',
          detail: `no Docker daemon answers at ${endpoint()} (${e.code ?? e.message}); the oci backend does not need one`,
          fix: 'to grade images by name from Docker, start it (systemctl start docker) or point DOCKER_HOST at one',
        };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
