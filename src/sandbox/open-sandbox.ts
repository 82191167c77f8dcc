import type { DockerSandbox } from './docker/docker-sandbox.ts';
import type { ImageArchiveSource } from './docker/image-loading.ts';
import { ROOT_PLACES, type ImageTree, type ImageTreeEntry } from './docker/writable-spots.ts';
import { OciSandbox } from './oci/oci-sandbox.ts';
import { SandboxError, type PreparedImage, type Sandbox } from './sandbox.ts';

/** Backends a user can pick with `--backend`. `auto` chooses the best one that works here. */
export const SANDBOX_BACKENDS = ['auto', 'oci', 'docker'] as const;
export type SandboxBackend = (typeof SANDBOX_BACKENDS)[number];

export interface OpenSandboxOptions {
  /** For the docker backend: provides images its daemon lacks (`grade local` exports them from its image store). */
  imageArchive?: ImageArchiveSource;
  /** For the docker backend: an image's directories with their true owners (see writable-spots.ts). */
  imageTree?: (image: PreparedImage) => Promise<ImageTree>;
}

export type { ImageArchiveSource, ImageTree, ImageTreeEntry };
/** Where root may write in a docker run besides its volumes and /tmp (see writable-spots.ts), for what the CLI tells users. */
export const DOCKER_ROOT_PLACES = ROOT_PLACES;
/** Where a docker run works instead of a writable `/` (see run-plan.ts), for what the CLI tells users. */
export { ROOT_STAND_IN } from './docker/run-plan.ts';

/**
 * The one place that knows the concrete backends (the rest of gradebox sees only `Sandbox`).
 * `stateDir` holds run scratch areas and runtime state. `auto` takes `oci` when an OCI runtime
 * works here, which is cheap to ask: the runtime verdict is cached on disk (see selectRuntime),
 * and a host without runc or crun fails at once. Otherwise it takes `docker` if a daemon answers;
 * when neither works, the error gives the oci reason first, then docker's.
 */
export async function openSandbox(backend: SandboxBackend, stateDir: string, options: OpenSandboxOptions = {}): Promise<Sandbox> {
  // Loaded only when used: most runs are oci's, and the docker backend is a module tree of its own.
  const docker = async (): Promise<DockerSandbox> => new (await import('./docker/docker-sandbox.ts')).DockerSandbox({
    stateDir,
    ...(options.imageArchive ? { imageArchive: options.imageArchive } : {}),
    ...(options.imageTree ? { imageTree: options.imageTree } : {}),
  });
  switch (backend) {
    case 'oci':
      return new OciSandbox({ stateDir, runtime: 'auto' });
    case 'docker':
      return docker();
    case 'auto': {
      const oci = new OciSandbox({ stateDir, runtime: 'auto' });
      const ociProblem = await oci.runtime().then(() => undefined, (error: unknown) => error as Error);
      if (ociProblem === undefined) return oci;
      const fallback = await docker();
      const dockerProblem = await fallback.daemon().then(() => undefined, (error: unknown) => error as Error);
      if (dockerProblem === undefined) return fallback;
      throw new SandboxError(
        `${ociProblem.message}, and the docker backend cannot run either: ${dockerProblem.message}`,
        `${ociProblem instanceof SandboxError && ociProblem.hint !== undefined ? `${ociProblem.hint}; ` : ''}or start Docker`,
        { cause: ociProblem },
      );
    }
  }
}
