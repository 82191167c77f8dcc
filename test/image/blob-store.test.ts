import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from '../../src/image/blob-store.ts';
import { digestOf } from '../../src/image/digest.ts';
import { ImageError } from '../../src/image/image.ts';
import { makeSandbox, type Sandbox } from './build-image.ts';

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.assertOutsideUntouched();
  await box.cleanup();
});

describe('blob store', () => {
  it('stores content under its sha256 and reads it back', async () => {
    const blobs = new BlobStore(box.store);
    const data = Buffer.from('hello blobs');
    const info = await blobs.put(Readable.from([data]));
    expect(info).toEqual({ digest: digestOf(data), size: data.length });
    expect(blobs.path(info.digest)).toBe(path.join(box.store, 'blobs', 'sha256', info.digest.slice(7)));
    expect(await blobs.read(info.digest)).toEqual(data);
    expect(await blobs.has(info.digest)).toBe(true);
    expect(await readdir(path.join(box.store, 'tmp'))).toEqual([]);
  });

  it('refuses content that does not match the expected digest, naming both, and stores nothing', async () => {
    const blobs = new BlobStore(box.store);
    const claimed = digestOf(Buffer.from('what the name says'));
    const actual = digestOf(Buffer.from('what the bytes are'));
    const err = (await blobs
      .put(Readable.from([Buffer.from('what the bytes are')]), { expected: claimed, what: 'entry x' })
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ImageError);
    expect(err.message).toBe(`entry x: digest mismatch: expected ${claimed}, content is ${actual}`);
    expect(await blobs.has(claimed)).toBe(false);
    expect(await blobs.has(actual)).toBe(false);
    expect(await readdir(path.join(box.store, 'tmp'))).toEqual([]);
  });

  it('does not rewrite a stored blob, but still checks what it is given', async () => {
    const blobs = new BlobStore(box.store);
    const data = Buffer.from('once');
    const { digest } = await blobs.put(Readable.from([data]));
    const before = await stat(blobs.path(digest));
    await blobs.put(Readable.from([data]), { expected: digest });
    expect((await stat(blobs.path(digest))).mtimeMs).toBe(before.mtimeMs);
    await expect(blobs.put(Readable.from([Buffer.from('twice')]), { expected: digest })).rejects.toThrow(/digest mismatch/);
    expect(await readFile(blobs.path(digest))).toEqual(data);
  });

  it('refuses digests it cannot verify', async () => {
    const blobs = new BlobStore(box.store);
    await expect(blobs.put(Readable.from([Buffer.from('x')]), { expected: 'sha512:abc' })).rejects.toThrow(/not a sha256 digest/);
    expect(() => blobs.path('sha256:../../etc/passwd')).toThrow(ImageError);
  });

  it('streams: a 256 MiB blob never sits in memory whole', async () => {
    const blobs = new BlobStore(box.store);
    let peak = 0;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 256; i++) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        yield Buffer.alloc(1 << 20, i);
      }
    }
    const baseline = process.memoryUsage().arrayBuffers;
    const info = await blobs.put(chunks());
    expect(info.size).toBe(256 << 20);
    expect(peak - baseline).toBeLessThan(64 << 20);
  });
});
