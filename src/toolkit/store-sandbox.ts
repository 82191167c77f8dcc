import { join } from 'node:path';
import { ImageError, type ImageRecord } from '../image/image.ts';
import type { ImageStore } from '../image/image-store.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { openSandbox, type SandboxBackend } from '../sandbox/open-sandbox.ts';

/**
 * Opens a sandbox backend that runs images of `store`: the docker backend gets from the store
 * the images its daemon lacks, and reads owners and modes from the layers themselves (an
 * unpacking done without root has lost them). Used by `grade local` and the grading service.
 */
export async function openStoreSandbox(store: ImageStore, backend: SandboxBackend, stateDir: string): Promise<Sandbox> {
  const stored = async (id: string): Promise<ImageRecord> => {
    const record = await store.get(id);
    if (record === undefined) throw new ImageError(`image ${id} is not in the image store`);
    return record;
  };
  // Only the docker backend calls these; their modules load then, not on every `grade local`.
  return openSandbox(backend, stateDir, {
    imageArchive: async (id) => (await import('../image/docker-archive-export.ts')).dockerArchiveStream(store.blobs, await stored(id)),
    imageTree: async ({ id }) => {
      const [{ LayerView }, { layerViewTree }] = await Promise.all([import('../image/layer-view.ts'), import('./image-tree.ts')]);
      return layerViewTree(await LayerView.open(await stored(id), store.blobs, { cacheDir: join(store.root, 'views') }));
    },
  });
}
