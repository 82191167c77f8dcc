import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReadFile } from '../../src/sandbox/safe-read.ts';

describe('safeReadFile', () => {
  let root = '';
  let server: Server | undefined;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gradebox-safe-read-'));
    await writeFile(join(root, 'ok.json'), '{"ok":true}');
    await writeFile(join(root, 'exact'), Buffer.alloc(16));
    await writeFile(join(root, 'secret'), 'host secret');
    await symlink(join(root, 'secret'), join(root, 'link'));
    await symlink('/etc', join(root, 'etc'));
    await mkdir(join(root, 'dir'));
    await writeFile(join(root, 'dir', 'inner'), 'inner');
    execFileSync('mkfifo', [join(root, 'fifo')]);
    execFileSync('mknod', [join(root, 'null'), 'c', '1', '3']);
    await writeFile(join(root, 'sparse'), '');
    await truncate(join(root, 'sparse'), 2 * 1024 ** 3);
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(join(root, 'socket'), resolve));
  });
  afterAll(async () => {
    server?.close();
    await rm(root, { recursive: true, force: true });
  });

  const read = (path: string) => safeReadFile(root, path, { capBytes: 16, displayPath: `/shared/${path}` });

  it('reads regular files up to and including the cap', async () => {
    expect(await read('ok.json')).toEqual({ ok: true, data: Buffer.from('{"ok":true}') });
    expect(await read('exact')).toEqual({ ok: true, data: Buffer.alloc(16) });
    expect(await read('dir/inner')).toEqual({ ok: true, data: Buffer.from('inner') });
  });

  it('reports missing files as missing', async () => {
    expect(await read('nothing')).toMatchObject({ ok: false, missing: true });
    expect(await read('nodir/nothing')).toMatchObject({ ok: false, missing: true });
    expect(await read('ok.json/x')).toMatchObject({ ok: false, missing: false, error: expect.stringMatching(/not a directory/) as unknown });
  });

  it.each([
    ['link', /\/shared\/link: is a symbolic link/],
    ['etc/passwd', /parent \/etc is a symbolic link/],
    ['dir', /is a directory/],
    ['fifo', /is a FIFO/],
    ['null', /is a device/],
    ['socket', /is a socket/],
    ['sparse', /2147483648 bytes, larger than the 16-byte limit/],
    ['../secret', /not a file path/],
  ])('rejects %s', async (path, message) => {
    const result = await read(path);
    expect(result).toMatchObject({ ok: false, missing: false });
    expect((result as { error: string }).error).toMatch(message);
  });
});
