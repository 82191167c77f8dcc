/**
 * Submissions sent as one `archive` part: real zips (the zip CLI and a hand-built writer for
 * hostile ones) and tars (the tar CLI and tar-stream). Every refusal leaves the store as it was.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestDigest } from '../../src/intake/manifest.ts';
import { receiveSubmission } from '../../src/intake/receive-submission.ts';
import { buildZip } from '../support/zip-writer.ts';
import { archivePart, buildTar, expectRefused, filePart, makeWorkdir, partsOf, storeContents, type Workdir } from './helpers.ts';

let work: Workdir;
beforeEach(async () => {
  work = await makeWorkdir();
});
afterEach(async () => {
  await work.cleanup();
});

const receive = (archive: Buffer, limits = {}): Promise<unknown> => receiveSubmission(partsOf(archivePart(archive)), work.blobs, limits);
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFIFO = 0o010000;

/** A folder with a few files and a subfolder, as a student would have it. */
async function sampleFolder(): Promise<string> {
  const dir = path.join(work.dir, 'sample');
  await mkdir(path.join(dir, 'src', 'lib'), { recursive: true });
  await writeFile(path.join(dir, 'README.md'), '# hw1\n');
  await writeFile(path.join(dir, 'src', 'main.py'), 'print("hi")\n');
  await writeFile(path.join(dir, 'src', 'lib', 'util.py'), 'X = 1\n');
  return dir;
}

describe('good archives', () => {
  it('takes a zip made by the zip CLI, folders and all, and gives the same manifest as file parts', async () => {
    const dir = await sampleFolder();
    const zipFile = path.join(work.dir, 'hw.zip');
    execFileSync('zip', ['-r', '-q', zipFile, '.'], { cwd: dir });
    const fromZip = await receiveSubmission(partsOf(archivePart(await readFile(zipFile), 'hw.zip')), work.blobs);
    expect(fromZip.map((f) => f.path)).toEqual(['README.md', 'src/lib/util.py', 'src/main.py']);
    const fromParts = await receiveSubmission(
      partsOf(filePart('src/main.py', 'print("hi")\n'), filePart('README.md', '# hw1\n'), filePart('src/lib/util.py', 'X = 1\n')),
      work.blobs,
    );
    expect(manifestDigest(fromZip)).toBe(manifestDigest(fromParts));
    expect((await storeContents(work.blobs)).tmp).toEqual([]);
  });

  it('takes a tar.gz made by the tar CLI (with its ./ entries), told by content whatever its name', async () => {
    const dir = await sampleFolder();
    const tgz = path.join(work.dir, 'hw.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', dir, '.']);
    const files = await receiveSubmission(partsOf(archivePart(await readFile(tgz), 'hw.zip')), work.blobs);
    expect(files.map((f) => [f.path, f.size])).toEqual([['README.md', 6], ['src/lib/util.py', 6], ['src/main.py', 12]]);
    expect(await readFile(work.blobs.path(files[2]!.digest), 'utf8')).toBe('print("hi")\n');
  });

  it('takes a plain tar', async () => {
    const files = await receiveSubmission(partsOf(archivePart(await buildTar([{ name: 'dir', type: 'directory' }, { name: 'dir/a.txt', data: 'a' }]))), work.blobs);
    expect(files.map((f) => f.path)).toEqual(['dir/a.txt']);
  });

  it('keeps a nested archive as a file', async () => {
    const inner = buildZip([{ name: '../evil', data: 'x' }]);
    const files = await receiveSubmission(partsOf(archivePart(buildZip([{ name: 'inner.zip', data: inner, method: 'store' }, { name: 'inner.tar.gz', data: gzipSync('x') }]))), work.blobs);
    expect(files.map((f) => [f.path, f.size])).toEqual([['inner.tar.gz', gzipSync('x').length], ['inner.zip', inner.length]]);
  });
});

describe('refused zips', () => {
  it('refuses zip-slip (`..` in an entry name)', async () => {
    await expectRefused(receive(buildZip([{ name: 'ok.txt', data: 'x' }, { name: '../../evil.sh', data: 'x' }])), work.blobs, 400, /refused "\.\.\/\.\.\/evil\.sh": `\.\.` is not allowed/);
  });

  it('refuses an absolute entry name', async () => {
    await expectRefused(receive(buildZip([{ name: '/etc/cron.d/evil', data: 'x' }])), work.blobs, 400, /absolute paths are not allowed/);
  });

  it('refuses a backslash in an entry name (instead of reading it as a folder separator)', async () => {
    await expectRefused(receive(buildZip([{ name: '..\\..\\evil', data: 'x' }])), work.blobs, 400, /backslashes/);
  });

  it('refuses a control character in an entry name', async () => {
    await expectRefused(receive(buildZip([{ name: 'a\u001b[31m.txt', data: 'x' }])), work.blobs, 400, /control characters/);
  });

  it('refuses a symbolic link (S_IFLNK in the external attributes)', async () => {
    await expectRefused(receive(buildZip([{ name: 'link', data: '/etc/passwd', method: 'store', mode: S_IFLNK | 0o777 }])), work.blobs, 400, /refused archive entry "link": symbolic links are not allowed/);
  });

  it('refuses a FIFO', async () => {
    await expectRefused(receive(buildZip([{ name: 'pipe', mode: S_IFIFO | 0o644, method: 'store' }])), work.blobs, 400, /only files and folders/);
  });

  it('refuses an encrypted entry', async () => {
    await expectRefused(receive(buildZip([{ name: 'secret.txt', data: 'x', method: 'store', encrypted: true, mode: S_IFREG | 0o644 }])), work.blobs, 400, /encrypted entries are not allowed/);
  });

  it('refuses duplicate entries', async () => {
    await expectRefused(receive(buildZip([{ name: 'a.txt', data: '1' }, { name: './a.txt', data: '2' }])), work.blobs, 400, /holds this path twice/);
  });

  it('refuses an entry whose actual size differs from the declared one', async () => {
    await expectRefused(receive(buildZip([{ name: 'liar.txt', data: Buffer.alloc(5000, 'a'), declaredSize: 10 }])), work.blobs, 400, /zip archive cannot be read: too many bytes/);
    await expectRefused(receive(buildZip([{ name: 'liar.txt', data: 'short', declaredSize: 5000 }])), work.blobs, 400, /zip archive cannot be read: not enough bytes/);
  });

  it('refuses an entry compressed more than 100:1 (a zip bomb)', async () => {
    await expectRefused(receive(buildZip([{ name: 'zeros', data: Buffer.alloc(4 << 20) }])), work.blobs, 413, /archive entry "zeros" unpacks \d+ times larger.*100:1/);
  });

  it('refuses a whole archive compressed more than 100:1 even when each entry is small', async () => {
    const entries = Array.from({ length: 4 }, (_, i) => ({ name: `z${i}`, data: Buffer.alloc(900 << 10) }));
    await expectRefused(receive(buildZip(entries)), work.blobs, 413, /the archive unpacks \d+ times larger/);
  });

  it('refuses files over the unpacked total (by declared sizes, before reading)', async () => {
    const big = randomBytes(3000);
    await expectRefused(receive(buildZip([{ name: 'a', data: big, method: 'store' }, { name: 'b', data: big, method: 'store' }]), { maxUnpackedBytes: 5000 }), work.blobs, 413, /add up to more than the 4\.9 KiB allowed/);
  });

  it('refuses more files than allowed, and absurd entry counts before reading any', async () => {
    const entries = Array.from({ length: 4 }, (_, i) => ({ name: `f${i}`, data: `${i}` }));
    await expectRefused(receive(buildZip(entries), { maxFiles: 3 }), work.blobs, 413, /more than the 3 files allowed/);
    await expectRefused(receive(buildZip(entries), { maxFiles: 1 }), work.blobs, 413, /holds 4 entries, more than the 1 files allowed/);
  });

  it('refuses an archive over the upload limit while it streams in', async () => {
    await expectRefused(receive(buildZip([{ name: 'a', data: randomBytes(5000), method: 'store' }]), { maxUploadBytes: 4096 }), work.blobs, 413, /upload is larger than the 4 KiB allowed/);
  });

  it('refuses a damaged zip', async () => {
    const zip = buildZip([{ name: 'a.txt', data: 'hello' }]);
    await expectRefused(receive(zip.subarray(0, zip.length - 10)), work.blobs, 400, /zip archive cannot be read/);
  });

  it('refuses a zip holding only folders (an empty submission)', async () => {
    await expectRefused(receive(buildZip([{ name: 'src/' }, { name: 'src/lib/' }])), work.blobs, 400, /holds no files/);
  });
});

describe('refused tars', () => {
  it('refuses a symbolic link', async () => {
    await expectRefused(receive(await buildTar([{ name: 'a.txt', data: 'a' }, { name: 'link', type: 'symlink', linkname: '/etc/passwd' }])), work.blobs, 400, /"link": symbolic links are not allowed/);
  });

  it('refuses a hard link', async () => {
    await expectRefused(receive(await buildTar([{ name: 'a.txt', data: 'a' }, { name: 'hard', type: 'link', linkname: 'a.txt' }])), work.blobs, 400, /"hard": hard links are not allowed/);
  });

  it('refuses a device', async () => {
    await expectRefused(receive(await buildTar([{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }])), work.blobs, 400, /devices are not allowed/);
    await expectRefused(receive(await buildTar([{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }])), work.blobs, 400, /devices are not allowed/);
  });

  it('refuses a FIFO', async () => {
    await expectRefused(receive(await buildTar([{ name: 'pipe', type: 'fifo' }])), work.blobs, 400, /FIFOs are not allowed/);
  });

  it('refuses `..` and absolute entry names', async () => {
    await expectRefused(receive(await buildTar([{ name: '../evil', data: 'x' }])), work.blobs, 400, /`\.\.` is not allowed/);
    await expectRefused(receive(await buildTar([{ name: '/etc/passwd', data: 'x' }])), work.blobs, 400, /absolute paths/);
  });

  it('refuses a file and a folder of the same name', async () => {
    await expectRefused(receive(await buildTar([{ name: 'a', data: 'x' }, { name: 'a', type: 'directory' }])), work.blobs, 400, /both for a file and a folder/);
  });

  it('refuses a gzip bomb', async () => {
    await expectRefused(receive(await buildTar([{ name: 'zeros', data: Buffer.alloc(8 << 20) }], true)), work.blobs, 413, /the archive unpacks \d+ times larger/);
  });

  it('refuses an entry over the unpacked total by its header, before reading it', async () => {
    await expectRefused(receive(await buildTar([{ name: 'big', data: randomBytes(6000) }]), { maxUnpackedBytes: 5000 }), work.blobs, 413, /add up to more than/);
  });

  it('refuses a corrupt tar.gz and a body that is no archive', async () => {
    const tgz = await buildTar([{ name: 'a', data: randomBytes(20000) }], true);
    await expectRefused(receive(tgz.subarray(0, tgz.length >> 1)), work.blobs, 400, /not a readable tar archive/);
    await expectRefused(receive(Buffer.from('%PDF-1.7 not an archive')), work.blobs, 400, /neither a zip, a tar nor a gzip-compressed tar/);
    await expectRefused(receive(Buffer.alloc(0)), work.blobs, 400, /archive part is empty/);
  });
});
