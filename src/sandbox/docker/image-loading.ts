import { createReadStream } from 'node:fs';
import type Docker from 'dockerode';
import { SandboxError } from '../sandbox.ts';
import { daemonMessage, dockerEndpoint, statusOf } from './docker-client.ts';

/**
 * Provides an image the daemon lacks, as a `docker save`-format archive (`docker load` input):
 * a path to a tarball, or the archive's bytes. Called with the image id (`sha256:` config digest).
 */
export type ImageArchiveSource = (imageId: string) => Promise<string | NodeJS.ReadableStream>;

const loading = new Map<string, Promise<void>>();

async function hasImage(docker: Docker, imageId: string): Promise<boolean> {
  try {
    await docker.getImage(imageId).inspect();
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw new SandboxError(`the Docker daemon cannot inspect image ${imageId}: ${daemonMessage(error)}`, undefined, { cause: error });
  }
}

async function load(docker: Docker, imageId: string, source: string | ImageArchiveSource): Promise<void> {
  const archive = typeof source === 'string' ? source : await source(imageId);
  const input = typeof archive === 'string' ? createReadStream(archive) : archive;
  let response: NodeJS.ReadableStream;
  try {
    response = await docker.loadImage(input, { quiet: true });
  } catch (error) {
    throw new SandboxError(`the Docker daemon could not load image ${imageId}: ${daemonMessage(error)}`, undefined, { cause: error });
  }
  // The daemon answers 200 and reports failures inside the JSON progress stream.
  const events = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((resolve, reject) => {
    docker.modem.followProgress(response, (error, output) => (error ? reject(error) : resolve(output as never)));
  });
  const failure = events.find((event) => event.error !== undefined || event.errorDetail !== undefined);
  if (failure !== undefined) {
    throw new SandboxError(`the Docker daemon could not load image ${imageId}: ${failure.errorDetail?.message ?? failure.error ?? 'unknown error'}`);
  }
}

/**
 * Makes sure the daemon has image `imageId`, loading it through the Engine API (`POST
 * /images/load`, never a pull: graders may come from nowhere a daemon can reach) from `source`
 * when it does not. Concurrent calls for one image share one load. Rejects with a SandboxError
 * when the image is missing and there is no source, or the archive did not hold it.
 */
export async function ensureImageLoaded(docker: Docker, imageId: string, source?: string | ImageArchiveSource): Promise<void> {
  if (await hasImage(docker, imageId)) return;
  if (source === undefined) {
    throw new SandboxError(
      `the Docker daemon at ${dockerEndpoint()} has no image ${imageId}`,
      'load it first (docker load -i grader.tar), or run through `gradebox grade local`, which loads it from its image store',
    );
  }
  const key = `${dockerEndpoint()}\0${imageId}`;
  let pending = loading.get(key);
  if (pending === undefined) {
    pending = load(docker, imageId, source).finally(() => loading.delete(key));
    loading.set(key, pending);
  }
  await pending;
  if (!(await hasImage(docker, imageId))) {
    throw new SandboxError(`the archive loaded for image ${imageId} did not contain it`, 'the image store and the archive disagree; import the image again');
  }
}
