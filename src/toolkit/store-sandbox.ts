import { join } from 'node:path';
import { dockerArchiveStream } from '../image/docker-archive-export.ts';
import { ImageError, type ImageRecord } from '../image/image.ts';
import type { ImageStore } from '../image/image-store.ts';
import { LayerView } from '../image/layer-view.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { openSandbox, type SandboxBackend } from '../sandbox/open-sandbox.ts';
import { layerViewTree } from './image-tree.ts';

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
  return openSandbox(backend, stateDir, {
    imageArchive: async (id) => dockerArchiveStream(store.blobs, await stored(id)),
    imageTree: async ({ id }) => layerViewTree(await LayerView.open(await stored(id), store.blobs, { cacheDir: join(store.root, 'views') })),
  });
}
