/** The two sandbox backends for suites that define their cases once (script-protocol.cases.ts). */
import { join } from 'node:path';
import { dockerArchiveStream } from '../../src/image/docker-archive-export.ts';
import { ImageError, type ImageRecord } from '../../src/image/image.ts';
import { LayerView } from '../../src/image/layer-view.ts';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import { runPrefix } from '../../src/sandbox/docker/run-name.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import { layerViewTree } from '../../src/toolkit/image-tree.ts';
import { dockerLeftovers, testDocker } from '../support/docker-test.ts';
import { snapshotLeftovers } from '../support/leftovers.ts';
import type { GradeBackend } from './grade.cases.ts';

export const ociBackend: GradeBackend = {
  name: 'oci',
  unavailable: process.getuid?.() === 0 ? undefined : 'the oci backend needs root',
  setup: async (work) => {
    const stateDir = join(work, 'sandbox');
    const scope = { stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs', 'trial'] };
    return { sandbox: new OciSandbox({ stateDir }), leftovers: () => snapshotLeftovers(scope) };
  },
};

export async function dockerBackend(): Promise<GradeBackend> {
  const daemon = await testDocker();
  return {
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
  };
}
