import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkListedSubmission, checkSubmission } from '../../src/grader/submission-check.ts';
import { makeOddSubmission } from '../support/odd-submission.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradebox-submission-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkSubmission', () => {
  it('accepts a folder and counts it', async () => {
    await writeFile(join(dir, 'answer.txt'), '55\n');
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'a.py'), 'x = 1\n');
    expect(await checkSubmission(dir)).toEqual({ ok: true, entries: 3, bytes: 9, topLevelFiles: ['answer.txt'] });
  });

  it('accepts an empty folder', async () => {
    expect(await checkSubmission(dir)).toEqual({ ok: true, entries: 0, bytes: 0, topLevelFiles: [] });
  });

  it('accepts links (never followed) and odd names', async () => {
    await makeOddSubmission(dir);
    const check = await checkSubmission(dir);
    expect(check).toMatchObject({ ok: true });
    expect(check.ok && check.topLevelFiles).toContain('new\nline.txt');
  });

  it('refuses a missing folder, a file and a symbolic link', async () => {
    expect(await checkSubmission(join(dir, 'nope'))).toEqual({ ok: false, problem: 'the submission folder does not exist' });
    await writeFile(join(dir, 'file'), 'x');
    expect(await checkSubmission(join(dir, 'file'))).toEqual({ ok: false, problem: 'the submission is a file, not a folder' });
    expect(await checkSubmission(join(dir, 'file', 'below'))).toEqual({ ok: false, problem: 'the submission folder does not exist' });
    await mkdir(join(dir, 'real'));
    await symlink(join(dir, 'real'), join(dir, 'link'));
    expect(await checkSubmission(join(dir, 'link'))).toEqual({ ok: false, problem: 'the submission folder is a symbolic link; give the folder itself' });
  });

  it('refuses too many entries', async () => {
    for (let i = 0; i < 6; i++) await writeFile(join(dir, `f${i}`), '');
    expect(await checkSubmission(dir, { maxEntries: 5 })).toEqual({ ok: false, problem: 'it has more than 5 files and folders' });
    expect(await checkSubmission(dir, { maxEntries: 6 })).toMatchObject({ ok: true });
  });

  it('refuses too many bytes', async () => {
    await writeFile(join(dir, 'big'), Buffer.alloc(2048));
    expect(await checkSubmission(dir, { maxBytes: 1024 })).toEqual({ ok: false, problem: 'its files add up to more than 1 KiB' });
    expect(await checkSubmission(dir, { maxBytes: 1000 })).toEqual({ ok: false, problem: 'its files add up to more than 1000 bytes' });
    expect(await checkSubmission(dir, { maxBytes: 1024 * 1024 - 1 })).toMatchObject({ ok: true });
  });

  it('refuses deep nesting', async () => {
    await mkdir(join(dir, 'a', 'b', 'c'), { recursive: true });
    expect(await checkSubmission(dir, { maxDepth: 2 })).toEqual({ ok: false, problem: 'its folders are nested more than 2 levels deep (at "a/b/c")' });
  });

  it('refuses special files, naming them', async () => {
    await mkdir(join(dir, 'sub'));
    execFileSync('mkfifo', [join(dir, 'sub', 'pi\npe')]);
    expect(await checkSubmission(dir)).toEqual({
      ok: false,
      problem: '"sub/pi\\npe" is a FIFO (named pipe); only files, folders and symbolic links can be submitted',
    });
  });
});

describe('checkListedSubmission', () => {
  const listed = (...files: [string, number][]) => ({ files: files.map(([path, size]) => ({ path, size, source: `/blobs/${path}` })) });

  it('counts the files, the folders their paths need and the recorded sizes', () => {
    expect(checkListedSubmission(listed(['answer.txt', 3], ['src/a.py', 6], ['src/lib/b.py', 1], ['z.md', 0]))).toEqual({
      ok: true, entries: 6, bytes: 10, topLevelFiles: ['answer.txt', 'z.md'],
    });
    expect(checkListedSubmission(listed())).toEqual({ ok: true, entries: 0, bytes: 0, topLevelFiles: [] });
  });

  it('refuses too many entries, bytes or levels, as for a folder', () => {
    expect(checkListedSubmission(listed(['a/b.txt', 1], ['c.txt', 1]), { maxEntries: 2 })).toEqual({ ok: false, problem: 'it has more than 2 files and folders' });
    expect(checkListedSubmission(listed(['a.txt', 3], ['b.txt', 2]), { maxBytes: 4 })).toEqual({ ok: false, problem: 'its files add up to more than 4 bytes' });
    expect(checkListedSubmission(listed(['a/b/c.txt', 1]), { maxDepth: 1 })).toEqual({ ok: false, problem: 'its folders are nested more than 1 levels deep (at "a/b/c.txt")' });
    expect(checkListedSubmission(listed(['a/b/c.txt', 1]), { maxDepth: 2 })).toMatchObject({ ok: true });
  });
});
