import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyTree, scanTree, treeFootprint } from '../../src/sandbox/copy-tree.ts';

describe('copyTree', () => {
  const dirs: string[] = [];
  const temp = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'gradebox-copy-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('copies links verbatim, odd names, modes, and owner when asked', async () => {
    const src = await temp();
    const dest = await temp();
    await writeFile(join(src, '-n\nx ☃'), 'odd', { mode: 0o640 });
    await writeFile(Buffer.from(`${src}/\xfe`, 'latin1'), 'bytes');
    await mkdir(join(src, 'ro'), { mode: 0o555 });
    await symlink('../../etc/shadow', join(src, 'rel'));
    await symlink('/etc/shadow', join(src, 'abs'));
    await writeFile(join(src, 'setuid'), '', { mode: 0o4755 });
    const entries = await scanTree(src);
    expect(treeFootprint(entries)).toBeGreaterThanOrEqual(entries.length * 4096);
    await copyTree(src, entries, dest, { uid: 1000, gid: 1001 });

    expect(await readFile(join(dest, '-n\nx ☃'), 'utf8')).toBe('odd');
    expect((await lstat(join(dest, '-n\nx ☃'))).mode & 0o777).toBe(0o640);
    expect(await readFile(Buffer.from(`${dest}/\xfe`, 'latin1'), 'utf8')).toBe('bytes');
    expect(await readlink(join(dest, 'rel'))).toBe('../../etc/shadow');
    expect(await readlink(join(dest, 'abs'))).toBe('/etc/shadow');
    expect((await lstat(join(dest, 'abs'))).uid).toBe(1000);
    expect((await lstat(join(dest, 'ro'))).mode & 0o7777).toBe(0o555);
    expect((await lstat(join(dest, 'setuid'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(join(dest, 'ro'))).gid).toBe(1001);
  });

  it('refuses FIFOs and other special files', async () => {
    const src = await temp();
    execFileSync('mkfifo', [join(src, 'pipe')]);
    await expect(scanTree(src)).rejects.toThrow(/only files, directories and symbolic links/);
  });
});
