/**
 * Submissions sent as `file` parts: names, duplicates, limits, and what the store holds after a
 * refusal (nothing: no complete blob, no temporary file).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestDigest } from '../../src/intake/manifest.ts';
import { receiveSubmission } from '../../src/intake/receive-submission.ts';
import { archivePart, buildTar, expectRefused, filePart, makeWorkdir, partsOf, storeContents, type Workdir } from './helpers.ts';

let work: Workdir;
beforeEach(async () => {
  work = await makeWorkdir();
});
afterEach(async () => {
  await work.cleanup();
});

const sha = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('file parts', () => {
  it('stores files with subfolders and returns the manifest sorted by path', async () => {
    const files = await receiveSubmission(
      partsOf(filePart('src/main.py', 'print(1)\n'), filePart('README.md', '# hi\n'), filePart('src/lib/util.py', 'x = 1\n'), filePart('./data//in.txt', '')),
      work.blobs,
    );
    expect(files).toEqual([
      { path: 'README.md', size: 5, digest: sha('# hi\n') },
      { path: 'data/in.txt', size: 0, digest: sha('') },
      { path: 'src/lib/util.py', size: 6, digest: sha('x = 1\n') },
      { path: 'src/main.py', size: 9, digest: sha('print(1)\n') },
    ]);
    for (const file of files) expect(sha(await readFile(work.blobs.path(file.digest)))).toBe(file.digest);
    expect((await storeContents(work.blobs)).tmp).toEqual([]);
  });

  it('keeps names that differ only in case (paths are case-sensitive)', async () => {
    const files = await receiveSubmission(partsOf(filePart('A.txt', 'upper'), filePart('a.txt', 'lower')), work.blobs);
    expect(files.map((f) => f.path)).toEqual(['A.txt', 'a.txt']);
  });

  it('stores one blob for two files with the same content', async () => {
    const files = await receiveSubmission(partsOf(filePart('one.txt', 'same'), filePart('two.txt', 'same')), work.blobs);
    expect(files[0]?.digest).toBe(files[1]?.digest);
    expect((await storeContents(work.blobs)).blobs).toHaveLength(1);
  });

  it('gives the same manifest digest whatever the order of the parts', async () => {
    const one = await receiveSubmission(partsOf(filePart('a', '1'), filePart('b/c', '2')), work.blobs);
    const two = await receiveSubmission(partsOf(filePart('b/c', '2'), filePart('a', '1')), work.blobs);
    expect(manifestDigest(one)).toBe(manifestDigest(two));
    expect(manifestDigest(one)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(manifestDigest(one)).not.toBe(manifestDigest([{ path: 'a', size: 1, digest: sha('1') }]));
  });

  it('refuses `..` in a name', async () => {
    await expectRefused(receiveSubmission(partsOf(filePart('ok.txt', 'x'), filePart('src/../../etc/passwd', 'x')), work.blobs), work.blobs, 400, /`\.\.` is not allowed/);
  });

  it('refuses an absolute path', async () => {
    await expectRefused(receiveSubmission(partsOf(filePart('/etc/passwd', 'x')), work.blobs), work.blobs, 400, /absolute paths are not allowed/);
  });

  it('refuses a backslash', async () => {
    await expectRefused(receiveSubmission(partsOf(filePart('src\\main.py', 'x')), work.blobs), work.blobs, 400, /backslashes/);
  });

  it('refuses NUL and control characters', async () => {
    await expectRefused(receiveSubmission(partsOf(filePart('a\u0000b', 'x')), work.blobs), work.blobs, 400, /control characters/);
    await expectRefused(receiveSubmission(partsOf(filePart('line\nbreak.txt', 'x')), work.blobs), work.blobs, 400, /"line\\nbreak\.txt".*control characters/);
  });

  it('refuses a duplicate path, also after normalization', async () => {
    await expectRefused(receiveSubmission(partsOf(filePart('a/b.txt', '1'), filePart('./a//b.txt', '2')), work.blobs), work.blobs, 400, /"a\/b\.txt".*holds this path twice/);
  });

  it('refuses a name used as a file and as a folder', async () => {
    await expectRefused(receiveSubmission(partsOf(filePart('a', '1'), filePart('a/b', '2')), work.blobs), work.blobs, 400, /both for a file and a folder/);
    await expectRefused(receiveSubmission(partsOf(filePart('a/b', '2'), filePart('a', '1')), work.blobs), work.blobs, 400, /both for a file and a folder/);
  });

  it('refuses an empty submission', async () => {
    await expectRefused(receiveSubmission(partsOf(), work.blobs), work.blobs, 400, /holds no files/);
  });

  it('refuses a path, a segment or a nesting over the limits', async () => {
    const long = `${'d/'.repeat(100)}${'f'.repeat(100)}`;
    await expectRefused(receiveSubmission(partsOf(filePart(long, 'x')), work.blobs), work.blobs, 400, /path is 300 bytes long, more than the 255/);
    await expectRefused(receiveSubmission(partsOf(filePart('é'.repeat(128), 'x')), work.blobs), work.blobs, 400, /256 bytes long, more than the 255/);
    await expectRefused(receiveSubmission(partsOf(filePart(`${'d/'.repeat(33)}f`, 'x')), work.blobs), work.blobs, 400, /nested 33 deep, more than the 32/);
    // 32 folders deep is fine.
    expect(await receiveSubmission(partsOf(filePart(`${'d/'.repeat(32)}f`, 'x')), work.blobs)).toHaveLength(1);
  });

  it('refuses more files than allowed', async () => {
    const parts = Array.from({ length: 4 }, (_, i) => filePart(`f${i}`, `${i}`));
    await expectRefused(receiveSubmission(partsOf(...parts), work.blobs, { maxFiles: 3 }), work.blobs, 413, /more than the 3 files allowed/);
  });

  it('refuses an upload over the byte limit, counting all parts together', async () => {
    const parts = [filePart('a', Buffer.alloc(600)), filePart('b', Buffer.alloc(600))];
    await expectRefused(receiveSubmission(partsOf(...parts), work.blobs, { maxUploadBytes: 1000 }), work.blobs, 413, /upload is larger than the 1000 bytes allowed/);
  });

  it('refuses files over the unpacked total', async () => {
    const parts = [filePart('a', Buffer.alloc(600)), filePart('b', Buffer.alloc(600))];
    await expectRefused(receiveSubmission(partsOf(...parts), work.blobs, { maxUnpackedBytes: 1000 }), work.blobs, 413, /add up to more than the 1000 bytes allowed/);
  });

  it('refuses file parts mixed with an archive, and two archives', async () => {
    const tarball = await buildTar([{ name: 'a.txt', data: 'a' }]);
    await expectRefused(receiveSubmission(partsOf(filePart('x', '1'), archivePart(tarball)), work.blobs), work.blobs, 400, /either `file` parts or exactly one `archive`/);
    await expectRefused(receiveSubmission(partsOf(archivePart(tarball), filePart('x', '1')), work.blobs), work.blobs, 400, /either `file` parts or exactly one `archive`/);
    await expectRefused(receiveSubmission(partsOf(archivePart(tarball), archivePart(tarball)), work.blobs), work.blobs, 400, /exactly one `archive`/);
  });

  it('destroys the part stream it refuses and leaves no temporary file when the stream fails', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(receiveSubmission(partsOf(filePart('ok', 'x'), { field: 'file', filename: 'b', stream: failing }), work.blobs)).rejects.toThrow('connection reset');
    expect(await storeContents(work.blobs)).toEqual({ blobs: [], tmp: [] });
    const refused = filePart('../x', 'x');
    await expect(receiveSubmission(partsOf(refused), work.blobs)).rejects.toMatchObject({ status: 400 });
    expect(refused.stream.destroyed).toBe(true);
  });

  it('stores files past the memory held for small ones through temporary files, whole', async () => {
    const big = randomBytes(1536 << 10);
    const parts = [filePart('first.bin', randomBytes(700 << 10)), filePart('big.bin', big), filePart('second.bin', randomBytes(700 << 10)), filePart('small.txt', 'x')];
    const contents = await Promise.all(parts.map(async (part) => buffer(part.stream)));
    const files = await receiveSubmission(partsOf(...parts.map((part, i) => filePart(part.filename, contents[i]!))), work.blobs);
    for (const [i, part] of parts.entries()) {
      const file = files.find((f) => f.path === part.filename);
      expect(file).toMatchObject({ size: contents[i]!.length, digest: sha(contents[i]!) });
      expect((await readFile(work.blobs.path(file!.digest))).equals(contents[i]!)).toBe(true);
    }
    expect((await storeContents(work.blobs)).tmp).toEqual([]);
  });

  it('leaves no temporary file when a file fails after it went to disk', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        sent += 64 << 10;
        if (sent > 1536 << 10) this.destroy(new Error('connection reset'));
        else this.push(randomBytes(64 << 10));
      },
    });
    await expect(receiveSubmission(partsOf(filePart('a', randomBytes(900 << 10)), { field: 'file', filename: 'b', stream: failing }), work.blobs)).rejects.toThrow('connection reset');
    expect(await storeContents(work.blobs)).toEqual({ blobs: [], tmp: [] });
  });

  it('writes nothing for content the store already holds', async () => {
    const [first] = await receiveSubmission(partsOf(filePart('a.txt', 'same content')), work.blobs);
    const before = await stat(work.blobs.path(first!.digest));
    const [again] = await receiveSubmission(partsOf(filePart('b.txt', 'same content')), work.blobs);
    expect(again?.digest).toBe(first?.digest);
    const after = await stat(work.blobs.path(first!.digest));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await storeContents(work.blobs)).toEqual({ blobs: [first!.digest.slice('sha256:'.length)], tmp: [] });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(receiveSubmission(partsOf(filePart('a', 'x')), work.blobs, {}, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await storeContents(work.blobs)).toEqual({ blobs: [], tmp: [] });
  });
});
