import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyTree, listTree, readTree, scanTree, treeFootprint } from '../../src/sandbox/copy-tree.ts';

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
    await copyTree(entries, dest, { uid: 1000, gid: 1001 });

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

  describe('listed trees', () => {
    it('copies each listed file from its own source, making the folders the paths need', async () => {
      const store = await temp();
      const dest = await temp();
      await writeFile(join(store, 'blob-a'), 'alpha', { mode: 0o444 });
      await writeFile(join(store, 'blob-b'), 'beta!', { mode: 0o444 });
      const entries = await readTree({
        files: [
          { path: 'src/deep/b.py', source: join(store, 'blob-b'), size: 5 },
          { path: 'a.txt', source: join(store, 'blob-a'), size: 5 },
          { path: 'src/again.txt', source: join(store, 'blob-a'), size: 5 },
        ],
      });
      expect(entries.map((e) => `${e.kind} ${e.path.toString()} ${e.mode.toString(8)}`)).toEqual([
        'file a.txt 644', 'dir src 755', 'file src/again.txt 644', 'dir src/deep 755', 'file src/deep/b.py 644',
      ]);
      await copyTree(entries, dest, { uid: 1000, gid: 1000 });
      expect(await readFile(join(dest, 'src/deep/b.py'), 'utf8')).toBe('beta!');
      expect(await readFile(join(dest, 'src/again.txt'), 'utf8')).toBe('alpha');
      expect((await lstat(join(dest, 'a.txt'))).mode & 0o7777).toBe(0o644);
      expect((await lstat(join(dest, 'src/deep'))).mode & 0o7777).toBe(0o755);
      expect((await lstat(join(dest, 'src/deep/b.py'))).uid).toBe(1000);
    });

    it.each([
      ['../escape', /not a clean relative path/],
      ['/etc/passwd', /not a clean relative path/],
      ['a//b', /not a clean relative path/],
      ['a/./b', /not a clean relative path/],
      ['a/', /not a clean relative path/],
      ['nul\0byte', /NUL byte/],
    ])('refuses the path %j', async (path, problem) => {
      const store = await temp();
      await writeFile(join(store, 'blob'), 'x');
      await expect(listTree({ files: [{ path: path.replace('\\0', '\0'), source: join(store, 'blob'), size: 1 }] })).rejects.toThrow(problem);
    });

    it('refuses a path listed twice, or used as both a file and a folder', async () => {
      const store = await temp();
      await writeFile(join(store, 'blob'), 'x');
      const source = join(store, 'blob');
      await expect(listTree({ files: [{ path: 'a', source, size: 1 }, { path: 'a', source, size: 1 }] })).rejects.toThrow(/listed twice/);
      await expect(listTree({ files: [{ path: 'a', source, size: 1 }, { path: 'a/b', source, size: 1 }] })).rejects.toThrow(/"a".*also a folder/);
      await expect(listTree({ files: [{ path: 'a/b', source, size: 1 }, { path: 'a', source, size: 1 }] })).rejects.toThrow(/"a".*also a folder/);
    });

    it('refuses a source that is missing, a link, a folder, or not of the recorded size', async () => {
      const store = await temp();
      await writeFile(join(store, 'blob'), 'four');
      await symlink('/etc/hostname', join(store, 'link'));
      const one = (source: string, size = 4): Promise<unknown> => listTree({ files: [{ path: 'f.txt', source, size }] });
      await expect(one(join(store, 'gone'))).rejects.toThrow(/"f.txt": cannot read .*gone \(ENOENT\)/);
      await expect(one(join(store, 'link'))).rejects.toThrow(/link is not a regular file/);
      await expect(one(store)).rejects.toThrow(/is not a regular file/);
      await expect(one(join(store, 'blob'), 5)).rejects.toThrow(/holds 4 bytes where 5 were recorded/);
    });
  });
});
