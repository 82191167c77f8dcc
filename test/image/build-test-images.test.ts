import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { writeBusyboxLayer } from '../../scripts/test-images/base-busybox.ts';
import { findFixtureImages, writeFilesLayer } from '../../scripts/test-images/fixture-images.ts';
import { FIXTURE_GRADERS_DIR } from '../../scripts/build-test-images.ts';
import { makeSandbox, type Sandbox } from './build-image.ts';

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

describe('test image builder', () => {
  it('is deterministic: the same inputs give the same layer digests', async () => {
    const a = await writeBusyboxLayer(path.join(box.dir, 'a.tar'));
    const b = await writeBusyboxLayer(path.join(box.dir, 'b.tar'));
    expect(a.digest).toBe(b.digest);
    const echo = (await findFixtureImages(FIXTURE_GRADERS_DIR)).find((f) => f.name === 'echo-busybox');
    expect(echo).toBeDefined();
    if (!echo) return;
    const first = await writeFilesLayer(echo, path.join(box.dir, 'f1.tar.gz'), 'gzip');
    const second = await writeFilesLayer(echo, path.join(box.dir, 'f2.tar.gz'), 'gzip');
    expect([first.digest, first.diffId]).toEqual([second.digest, second.diffId]);
  });

  it('hands the suite every base image, the OCI variants and each fixture grader', () => {
    const images = inject('testImages');
    for (const name of ['busybox', 'busybox-oci-dir', 'busybox-oci-tar', 'python', 'echo-busybox']) {
      expect(images[name], name).toBeTruthy();
    }
  });
});
