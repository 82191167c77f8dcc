/**
 * A full disk for real: the blob store and image store live on a 1 MiB tmpfs, and uploads larger
 * than that fail with StorageFull (507), leaving no blob, no record and no temporary file; once
 * the refused upload is gone, the space is free again. Needs root (mount).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../../src/image/blob-store.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { receiveImageArchive } from '../../src/intake/receive-image-archive.ts';
import { receiveSubmission } from '../../src/intake/receive-submission.ts';
import { testImage } from '../support/test-image.ts';
import { archivePart, buildTar, filePart, partsOf, storeContents } from './helpers.ts';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('a full disk', () => {
  let mountPoint: string;
  let blobs: BlobStore;

  beforeAll(async () => {
    mountPoint = await mkdtemp(path.join(os.tmpdir(), 'gradebox-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
    blobs = new BlobStore(path.join(mountPoint, 'store'));
  });
  afterAll(async () => {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  const storageFull = { status: 507, code: 'storage-full', message: expect.stringMatching(/out of disk space; nothing was stored/) as unknown };

  it('refuses file parts that do not fit', async () => {
    const parts = [0, 1, 2].map((i) => filePart(`part${i}.bin`, randomBytes(600 << 10)));
    await expect(receiveSubmission(partsOf(...parts), blobs)).rejects.toMatchObject(storageFull);
    expect(await storeContents(blobs)).toEqual({ blobs: [], tmp: [] });
  });

  it('refuses an archive that does not fit while it is spooled', async () => {
    const tarball = await buildTar([{ name: 'big.bin', data: randomBytes(2 << 20) }]);
    await expect(receiveSubmission(partsOf(archivePart(tarball)), blobs)).rejects.toMatchObject(storageFull);
    expect(await storeContents(blobs)).toEqual({ blobs: [], tmp: [] });
  });

  it('refuses an archive that fits but whose files do not', async () => {
    const tgz = await buildTar([{ name: 'a.bin', data: randomBytes(300 << 10) }, { name: 'b.bin', data: randomBytes(300 << 10) }], true);
    await expect(receiveSubmission(partsOf(archivePart(tgz)), blobs)).rejects.toMatchObject(storageFull);
    expect(await storeContents(blobs)).toEqual({ blobs: [], tmp: [] });
  });

  it('refuses an image that does not fit', async () => {
    const store = new ImageStore(path.join(mountPoint, 'images'));
    const data = await readFile(testImage('busybox'));
    const hex = createHash('sha256').update(data).digest('hex');
    await expect(receiveImageArchive(Readable.from([data]), hex, store)).rejects.toMatchObject(storageFull);
    expect(await readdir(path.join(store.root, 'tmp'))).toEqual([]);
    expect(await readdir(path.join(store.root, 'images')).catch(() => [])).toEqual([]);
    await rm(store.root, { recursive: true });
  });

  it('takes a small submission afterwards: the refused ones freed their space', async () => {
    const files = await receiveSubmission(partsOf(filePart('ok.txt', randomBytes(400 << 10))), blobs);
    expect(files).toHaveLength(1);
    expect((await storeContents(blobs)).blobs).toHaveLength(1);
  });
});
