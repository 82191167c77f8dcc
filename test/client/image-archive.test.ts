/**
 * `gradebox upload`'s image body: a plain docker save tar is sent as it is; anything else goes
 * through the local store and is exported the same way twice, so the sha256 announced matches.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashStream, prepareImageArchive } from '../../src/client/image-archive.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { imageStoreDir } from '../../src/toolkit/gradebox-home.ts';
import { testImage } from '../support/test-image.ts';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'gradebox-image-archive-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('prepareImageArchive', () => {
  it('a plain docker save tar: its own bytes, hashed, nothing imported', async () => {
    const tarball = testImage('coursera-sh');
    const bytes = await readFile(tarball);
    const phases = new Set<string>();
    const archive = await prepareImageArchive(tarball, { home, onProgress: (p) => phases.add(p.phase) });
    expect(archive).toMatchObject({ origin: 'file', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(archive.imageId).toBeUndefined();
    expect(await hashStream(archive.open())).toEqual({ sha256: archive.sha256, size: archive.size });
    expect(phases).toEqual(new Set(['checksum']));
  });

  it('an OCI layout: imported into the store and exported, the same bytes on every read', async () => {
    const archive = await prepareImageArchive(testImage('busybox-oci-dir'), { home });
    expect(archive.origin).toBe('store');
    expect(archive.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const first = await hashStream(archive.open());
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a tar stamped "now" would differ by now
    expect(await hashStream(archive.open())).toEqual(first);
    expect(first).toEqual({ sha256: archive.sha256, size: archive.size });
    // The export is a docker save archive of the same image: importing it gives the same id.
    const again = join(home, 'again.tar');
    await pipeline(archive.open(), createWriteStream(again));
    expect((await new ImageStore(imageStoreDir(join(home, 'other'))).import(again)).id).toBe(archive.imageId);
  });

  it('a missing image is the image store\'s error', async () => {
    await expect(prepareImageArchive(join(home, 'nope.tar'), { home })).rejects.toThrow(/nope\.tar: no such file or directory/);
  });
});
