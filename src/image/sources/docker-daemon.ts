// dockerode (and its ssh2 dependency) costs ~150 ms to load: only loaded when an image comes from a daemon.
import type Docker from 'dockerode';
import { ImageError } from '../image.ts';
import type { ImageSource } from '../image-source.ts';
import { readTarArchive } from './archive-files.ts';
import { readDockerArchive } from './docker-archive.ts';

const PING_TIMEOUT_MS = 5_000;
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/**
 * An image held by a local Docker daemon, exported through the Engine API (`GET /images/NAME/get`,
 * the stream `docker save` writes) and read like a `docker save` tarball. The daemon is found as
 * the docker CLI finds it: DOCKER_HOST (unix://, tcp://, with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH)
 * or the default socket. `docker` is injectable for tests and for callers with their own settings.
 */
export function dockerDaemonSource(name: string, docker?: Docker): ImageSource {
  let client: Docker | undefined = docker;
  let imageId: string | undefined;

  const connect = async (): Promise<Docker> => {
    if (!client) {
      try {
        const { default: DockerClient } = await import('dockerode');
        client = new DockerClient();
      } catch (err) {
        throw new ImageError(`cannot reach a Docker daemon: ${(err as Error).message}`);
      }
    }
    const ping = client.ping();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([ping, timeout]);
    } catch (err) {
      throw daemonError(err, name);
    } finally {
      clearTimeout(timer);
    }
    return client;
  };

  return {
    kind: 'docker-daemon',
    ref: name,
    // The daemon's image id is the config digest: an image we already hold needs no export.
    fingerprint: async () => {
      const info = (await (await connect()).getImage(name).inspect().catch((err: unknown) => {
        throw daemonError(err, name);
      })) as { Id?: string };
      imageId = info.Id;
      return ['docker-daemon', endpoint(), name, imageId ?? ''].join('\0');
    },
    fetch: async (ctx) => {
      const api = await connect();
      const stream = await api
        .getImage(name)
        .get()
        .catch((err: unknown) => {
          throw daemonError(err, name);
        });
      const files = await readTarArchive(stream, `docker image ${name}`, ctx);
      const image = await readDockerArchive(files, ctx);
      if (imageId !== undefined && imageId !== image.configDigest) {
        throw new ImageError(`docker image ${name} changed while it was exported (was ${imageId}, got ${image.configDigest}); try again`);
      }
      return image;
    },
  };
}

function endpoint(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

function daemonError(err: unknown, name: string): ImageError {
  if (err instanceof ImageError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e.statusCode === 404) {
    return new ImageError(`the Docker daemon has no image ${name} (build or pull it first), and no file ${name} exists`);
  }
  if (e.code !== undefined && UNREACHABLE.has(e.code)) {
    return new ImageError(
      `${JSON.stringify(name)} is not a file, and no Docker daemon answers at ${endpoint()} (${e.code}) to provide it as an image. ` +
        `Export it to a tarball where the image exists and import that instead: docker save -o grader.tar ${name}`,
    );
  }
  return new ImageError(`Docker daemon: ${e.message ?? String(err)}`);
}
