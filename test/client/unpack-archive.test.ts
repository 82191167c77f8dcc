/** `grade remote` unpacks the server's submission tar with the intake's refusals. */
import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnsafeArchiveError, unpackSubmissionTar } from '../../src/client/unpack-archive.ts';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradebox-unpack-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Entry = Partial<tar.Header> & { name: string; data?: string };

async function tarOf(entries: Entry[]): Promise<Buffer[]> {
  const pack = tar.pack();
  for (const { data, ...header } of entries) pack.entry(header, data ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return chunks;
}

async function unpack(entries: Entry[], limits?: { maxFiles: number; maxBytes: number }): Promise<string> {
  const target = join(dir, `out-${++n}`);
  async function* body(): AsyncGenerator<Uint8Array> {
    yield* await tarOf(entries);
  }
  await unpackSubmissionTar(body(), target, limits);
  return target;
}

describe('unpackSubmissionTar', () => {
  it('writes files and folders (0644 / 0755), subfolders made as needed', async () => {
    const out = await unpack([{ name: 'src/', type: 'directory' }, { name: 'src/a.py', data: 'a' }, { name: 'deep/er/b.txt', data: 'bb' }, { name: './c', data: '' }]);
    expect((await readdir(out, { recursive: true })).sort()).toEqual(['c', 'deep', 'deep/er', 'deep/er/b.txt', 'src', 'src/a.py']);
    expect(await readFile(join(out, 'deep/er/b.txt'), 'utf8')).toBe('bb');
    expect((await lstat(join(out, 'src/a.py'))).mode & 0o777).toBe(0o644);
    expect((await lstat(join(out, 'deep/er'))).mode & 0o777).toBe(0o755);
  });

  it.each<[string, Entry[], RegExp]>([
    ['a symlink', [{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }], /"link", a symlink; only files and folders/],
    ['a hard link', [{ name: 'a', data: 'x' }, { name: 'b', type: 'link', linkname: 'a' }], /"b", a link/],
    ['a device', [{ name: 'null', type: 'character-device' }], /a character-device/],
    ['a .. path', [{ name: '../escape', data: 'x' }], /unsafe name: .*`\.\.` is not allowed/],
    ['an absolute path', [{ name: '/etc/cron.d/x', data: 'x' }], /unsafe name: .*absolute paths are not allowed/],
    ['a name twice', [{ name: 'a', data: 'x' }, { name: './a', data: 'y' }], /holds "a" twice/],
    ['a file and a folder of one name', [{ name: 'a', data: 'x' }, { name: 'a/b', data: 'y' }], /a file and a folder both named "a"/],
  ])('refuses %s', async (_what, entries, message) => {
    const error = await unpack(entries).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses more files or bytes than the limits', async () => {
    await expect(unpack([{ name: 'a', data: 'x' }, { name: 'b', data: 'y' }], { maxFiles: 1, maxBytes: 100 })).rejects.toThrow(/more than 1 files/);
    await expect(unpack([{ name: 'a', data: 'x'.repeat(101) }], { maxFiles: 10, maxBytes: 100 })).rejects.toThrow(/more than 100 bytes/);
  });
});
