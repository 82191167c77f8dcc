/** Submissions going out again: into a grading folder, and as a tar for download. */
import { lstat, mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestDigest } from '../../src/intake/manifest.ts';
import { materializeSubmission } from '../../src/intake/materialize.ts';
import { receiveSubmission } from '../../src/intake/receive-submission.ts';
import { submissionArchive } from '../../src/intake/submission-archive.ts';
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

describe('materializeSubmission', () => {
  it('writes the files into a fresh folder: folders 0755, files 0644, content from the blobs', async () => {
    const dir = path.join(work.dir, 'jobs', 'job-1', 'submission');
    const old = process.umask(0o077);
    try {
      await materializeSubmission(work.blobs, files, dir);
    } finally {
      process.umask(old);
    }
    expect((await lstat(dir)).mode & 0o7777).toBe(0o755);
    expect((await lstat(path.join(dir, 'pkg', 'sub'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(path.join(dir, 'pkg', 'sub', 'mod.py'))).mode & 0o7777).toBe(0o644);
    expect(await readFile(path.join(dir, 'pkg', 'sub', 'mod.py'), 'utf8')).toBe('X = 2\n');
    expect((await readdir(dir)).sort()).toEqual(['long-name', 'main.py', 'pkg']);
  });

  it('refuses a folder that already exists', async () => {
    const dir = path.join(work.dir, 'exists');
    await mkdir(dir);
    await expect(materializeSubmission(work.blobs, files, dir)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('refuses paths that would escape, whatever the manifest says', async () => {
    const digest = files[0]!.digest;
    for (const bad of ['../escape.txt', '/etc/evil', 'a/../../b', 'a\\b', './a', 'a//b']) {
      const dir = path.join(work.dir, `out-${Math.random().toString(36).slice(2)}`);
      await expect(materializeSubmission(work.blobs, [{ path: bad, size: 9, digest }], dir)).rejects.toThrow(/refused|not a clean relative path/);
    }
    expect(await readdir(work.dir)).not.toContain('escape.txt');
  });

  it('says which blob is missing', async () => {
    const missing = { path: 'gone.txt', size: 1, digest: `sha256:${'0'.repeat(64)}` };
    await expect(materializeSubmission(work.blobs, [missing], path.join(work.dir, 'out'))).rejects.toThrow(/gone\.txt.*is not in the blob store/);
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
