/**
 * Real graders in the `docker` sandbox: the cases of grade.cases.ts (shared with the oci backend),
 * with the images handed over as `grade local` does: exported from the image store through the
 * Engine API, and their owners and modes read from the layers. Skips, saying why, when no Docker daemon answers.
 */
import { join } from 'node:path';
import { dockerArchiveStream } from '../../src/image/docker-archive-export.ts';
import { ImageError, type ImageRecord } from '../../src/image/image.ts';
import { LayerView } from '../../src/image/layer-view.ts';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import { runPrefix } from '../../src/sandbox/docker/run-name.ts';
import { layerViewTree } from '../../src/toolkit/image-tree.ts';
import { dockerLeftovers, testDocker } from '../support/docker-test.ts';
import { snapshotLeftovers } from '../support/leftovers.ts';
import { defineGradeCases } from './grade.cases.ts';

const daemon = await testDocker();

defineGradeCases({
  name: 'docker',
  unavailable: 'reason' in daemon ? daemon.reason : undefined,
  setup: async (work, store) => {
    if ('reason' in daemon) throw new Error(daemon.reason);
    const { docker } = daemon;
    const stateDir = join(work, 'sandbox');
    const stored = async (id: string): Promise<ImageRecord> => (await store.get(id)) ?? Promise.reject(new ImageError(`image ${id} is not in the store`));
    const sandbox = new DockerSandbox({
      stateDir,
      docker,
      imageArchive: async (id) => dockerArchiveStream(store.blobs, await stored(id)),
      imageTree: async ({ id }) => layerViewTree(await LayerView.open(await stored(id), store.blobs)),
    });
    const scope = { stateDir, idPrefix: runPrefix(stateDir), stateSubdirs: [] };
    return { sandbox, leftovers: async () => [...(await snapshotLeftovers(scope)), ...(await dockerLeftovers(docker, stateDir))] };
  },
});
