/** Grader images uploaded as a raw tar body with the sha256 the client announced. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image/image-store.ts';
import { receiveImageArchive } from '../../src/intake/receive-image-archive.ts';
import { dir as dirEntry, file, makeImage } from '../image/build-image.ts';
import { testImage } from '../support/test-image.ts';

let dir: string;
let store: ImageStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gradebox-image-upload-test-'));
  store = new ImageStore(path.join(dir, 'images'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hexOf = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const tmpLeft = async (): Promise<string[]> => readdir(path.join(store.root, 'tmp')).catch(() => []);

describe('receiveImageArchive', () => {
  it('imports a docker save tar whose digest matches, streaming it from disk', async () => {
    const file = testImage('busybox');
    const data = await readFile(file);
    const received = await receiveImageArchive(createReadStream(file, { highWaterMark: 64 * 1024 }), hexOf(data), store);
    expect(received).toEqual({ imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown, archiveDigest: `sha256:${hexOf(data)}`, size: data.length });
    expect((await store.get(received.imageId))?.layers.length).toBeGreaterThan(0);
    expect(await tmpLeft()).toEqual([]);
  });

  it('imports an OCI layout tar', async () => {
    const file = testImage('busybox-oci-tar');
    const data = await readFile(file);
    const received = await receiveImageArchive(createReadStream(file), hexOf(data).toUpperCase(), store);
    expect(await store.get(received.imageId)).toBeDefined();
  });

  it('imports without a client checksum (the web page), reporting the digest it computed', async () => {
    const data = await readFile(testImage('busybox'));
    const received = await receiveImageArchive(Readable.from([data]), null, store);
    expect(received.archiveDigest).toBe(`sha256:${hexOf(data)}`);
    expect(await store.get(received.imageId)).toBeDefined();
    expect(await tmpLeft()).toEqual([]);
  });

  it('refuses an image whose layer climbs out of the root, and indexes a good one', async () => {
    const hostile = await readFile(await makeImage(dir, [[dirEntry('etc/'), file('../escape', 'x')]]));
    await expect(receiveImageArchive(Readable.from([hostile]), null, store)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('has a ".." component and could escape the root') as unknown,
    });
    expect(await tmpLeft()).toEqual([]);
    const good = await readFile(testImage('busybox'));
    const received = await receiveImageArchive(Readable.from([good]), null, store);
    expect(await readdir(path.join(store.root, 'views'))).toEqual([`${received.imageId.slice(7)}.json`]);
  });

  it('refuses a body whose digest differs, keeping nothing', async () => {
    const data = await readFile(testImage('busybox'));
    const wrong = hexOf(Buffer.from('something else'));
    await expect(receiveImageArchive(Readable.from([data]), wrong, store)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(`not the ${wrong} announced`) as unknown,
    });
    expect(await tmpLeft()).toEqual([]);
    expect(await readdir(path.join(store.root, 'images')).catch(() => [])).toEqual([]);
    expect(await readdir(path.join(store.root, 'blobs', 'sha256')).catch(() => [])).toEqual([]);
  });

  it('refuses a malformed expected digest before reading', async () => {
    const body = Readable.from([Buffer.from('x')]);
    await expect(receiveImageArchive(body, 'abc', store)).rejects.toMatchObject({ status: 400 });
    expect(body.destroyed).toBe(true);
  });

  it('refuses a body over maxBytes while it streams in', async () => {
    const data = await readFile(testImage('busybox'));
    await expect(receiveImageArchive(Readable.from([data]), hexOf(data), store, { maxBytes: 100_000 })).rejects.toMatchObject({
      status: 413,
      message: expect.stringMatching(/larger than the 97\.7 KiB allowed/) as unknown,
    });
    expect(await tmpLeft()).toEqual([]);
  });

  it('refuses a body that is no image as InvalidInput, without naming server paths or asking a daemon', async () => {
    for (const data of [Buffer.from('hello, not a tar'), Buffer.from('busybox:latest')]) {
      const error = (await receiveImageArchive(Readable.from([data]), hexOf(data), store).catch((e: unknown) => e)) as Error & { status: number };
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/the uploaded archive: not a tar archive/);
      expect(error.message).not.toContain(dir);
    }
    expect(await tmpLeft()).toEqual([]);
  });
});
