import { createReadStream } from 'node:fs';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ImageError } from '../../src/image/image.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { makeSandbox, type Sandbox } from './build-image.ts';

const images = inject('testImages');
const TAG = 'gradebox-test/busybox:latest';

/** True when a Docker daemon answers within a few seconds (DOCKER_HOST or the default socket). */
async function daemonAnswers(): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), 3000).unref());
  return Promise.race([
    new Docker().ping().then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}
const haveDaemon = await daemonAnswers();

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.assertOutsideUntouched();
  await box.cleanup();
});

describe('docker daemon source', () => {
  it('says no daemon answers, and how to use a tarball instead', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${box.dir}/no-docker.sock`;
    try {
      const err = (await new ImageStore(box.store).import('some/grader:1.0').catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(ImageError);
      expect(err.message).toContain(`no Docker daemon answers at unix://${box.dir}/no-docker.sock`);
      expect(err.message).toContain('docker save -o grader.tar some/grader:1.0');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it.skipIf(!haveDaemon)('exports an image from the daemon and imports it like its tarball', { timeout: 120_000 }, async () => {
    const docker = new Docker();
    const busybox = images.busybox ?? '';
    const loading = await docker.loadImage(createReadStream(busybox));
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(loading, (err) => (err ? reject(err) : resolve())));

    const store = new ImageStore(box.store);
    const fromDaemon = await store.import(TAG);
    const fromTar = await store.import(busybox);
    expect(fromDaemon.id).toBe(fromTar.id);
    expect(fromDaemon.config.cmd).toEqual(['sh']);
    expect(fromDaemon.layers.map((l) => l.diffId)).toEqual(fromTar.layers.map((l) => l.diffId));
    // Known to the store now: a second import asks the daemon for the id only, no export.
    const phases: string[] = [];
    await store.import(TAG, { onProgress: (p) => phases.push(p.phase) });
    expect(phases).not.toContain('read');

    await expect(store.import('gradebox-test/no-such-image:latest')).rejects.toThrow(/the Docker daemon has no image gradebox-test\/no-such-image:latest/);
  });
});
