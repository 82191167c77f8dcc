import { join } from 'node:path';
import { ImageStore } from '../../src/image/image-store.ts';
import { CACHE_DIR } from './busybox-rootfs.ts';
import { testImage } from './test-image.ts';

/**
 * The unpacked root of the Python test image (Debian's python3), as the image store gives it to
 * the sandbox: owners shifted into the sandbox id range. Kept in test/.cache, unpacked once.
 */
export async function pythonRootfs(): Promise<string> {
  const store = new ImageStore(join(CACHE_DIR, 'python-store'));
  return store.rootfs(await store.import(testImage('python')));
}
