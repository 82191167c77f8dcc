/** Submissions going out again: into a grader's run, and as a tar for download. */
import { lstat, mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestDigest } from '../../src/intake/manifest.ts';
import { listedSubmission } from '../../src/intake/listed-submission.ts';
import { receiveSubmission } from '../../src/intake/receive-submission.ts';
import { submissionArchive } from '../../src/intake/submission-archive.ts';
import { copyTree, readTree } from '../../src/sandbox/copy-tree.ts';
import type { SubmissionFile } from '../../src/platform/model.ts';
import { archivePart, filePart, makeWorkdir, partsOf, type Workdir } from './helpers.ts';

let work: Workdir;
let files: SubmissionFile[];
beforeEach(async () => {
  work = await makeWorkdir();
  files = await receiveSubmission(
    partsOf(filePart('main.py', 'print(1)\n'), filePart('pkg/sub/mod.py', 'X = 2\n'), filePart('pkg/__init__.py', ''), filePart(`${'long-name/'.repeat(12)}deep.txt`, 'deep')),
    work.blobs,
  );
});
afterEach(async () => {
  await work.cleanup();
});

describe('listedSubmission', () => {
  it('lists each file with its blob as the source; copied, folders are 0755 and files 0644', async () => {
    const listed = listedSubmission(work.blobs, files);
    expect(listed.files.map((f) => [f.path, f.source, f.size])).toEqual(files.map((f) => [f.path, work.blobs.path(f.digest), f.size]));
    const dir = path.join(work.dir, 'run-volume');
    await mkdir(dir);
    const old = process.umask(0o077);
    try {
      await copyTree(await readTree(listed), dir);
    } finally {
      process.umask(old);
    }
    expect((await lstat(path.join(dir, 'pkg', 'sub'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(path.join(dir, 'pkg', 'sub', 'mod.py'))).mode & 0o7777).toBe(0o644);
    expect(await readFile(path.join(dir, 'pkg', 'sub', 'mod.py'), 'utf8')).toBe('X = 2\n');
    expect((await readdir(dir)).sort()).toEqual(['long-name', 'main.py', 'pkg']);
  });

  it('refuses paths that would escape, whatever the manifest says', () => {
    const digest = files[0]!.digest;
    for (const bad of ['../escape.txt', '/etc/evil', 'a/../../b', 'a\\b', './a', 'a//b']) {
      expect(() => listedSubmission(work.blobs, [{ path: bad, size: 9, digest }])).toThrow(/refused|not a clean relative path/);
    }
  });

  it('says which file is missing from the blob store when it is copied', async () => {
    const missing = { path: 'gone.txt', size: 1, digest: `sha256:${'0'.repeat(64)}` };
    await expect(readTree(listedSubmission(work.blobs, [missing]))).rejects.toThrow(/"gone\.txt": cannot read .*sha256\/0{64} \(ENOENT\)/);
  });
});

describe('submissionArchive', () => {
  it('makes a tar that receives back into the same manifest', async () => {
    const tarball = await buffer(submissionArchive(work.blobs, files));
    const again = await receiveSubmission(partsOf(archivePart(tarball)), work.blobs);
    expect(again).toEqual(files);
    expect(manifestDigest(again)).toBe(manifestDigest(files));
  });

  it('makes the same bytes for the same files', async () => {
    const one = await buffer(submissionArchive(work.blobs, files));
    const two = await buffer(submissionArchive(work.blobs, [...files].reverse()));
    expect(one.equals(two)).toBe(true);
  });

  it('fails the stream when a blob is missing', async () => {
    const stream = submissionArchive(work.blobs, [...files, { path: 'zzz', size: 1, digest: `sha256:${'0'.repeat(64)}` }]);
    await expect(buffer(stream)).rejects.toThrow(/ENOENT/);
  });
});
