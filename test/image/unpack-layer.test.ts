import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageError } from '../../src/image/image.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { unpackLayer } from '../../src/image/unpack-layer.ts';
import type { LayerEntry } from '../../scripts/test-images/layer-writer.ts';
import { dir, file, hardlink, makeImage, makeLayer, makeSandbox, symlink, writeImage, type Sandbox } from './build-image.ts';
import { hostId, sandboxIdRange } from '../../src/sandbox/id-range.ts';

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.assertOutsideUntouched();
  await box.cleanup();
});

/** Imports an image of these layers into the sandbox's store and unpacks it. */
async function unpack(layers: LayerEntry[][]): Promise<string> {
  const store = new ImageStore(box.store);
  return store.rootfs(await store.import(await makeImage(box.dir, layers)));
}

/** Expects unpacking to be refused with a message matching `message`, leaving no root behind. */
async function expectRefused(layers: LayerEntry[][], message: RegExp): Promise<void> {
  const err = await unpack(layers).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  expect((err as Error).message).toMatch(message);
  const left = await readdir(path.join(box.store, `rootfs-${sandboxIdRange().base}`)).catch(() => []);
  expect(left.filter((name) => !name.endsWith('.lock'))).toEqual([]);
  expect(await readdir(path.join(box.store, 'tmp')).then((n) => n.filter((x) => x.startsWith('rootfs-')))).toEqual([]);
}

describe('layers and whiteouts', () => {
  it('applies whiteouts and opaque directories across layers, in order', async () => {
    const root = await unpack([
      [dir('etc/'), file('etc/a', 'a1'), file('etc/b', 'b'), dir('d/'), file('d/x', 'x'), dir('d/sub/'), file('d/sub/y', 'y')],
      [
        file('etc/.wh.a', ''),
        file('etc/.wh.not-there', ''),
        file('gone/.wh.nothing', ''),
        dir('d/'),
        file('d/new', 'new'), // written before the marker: an opaque dir still keeps its own layer's entries
        file('d/.wh..wh..opq', ''),
        dir('e/'),
        file('e/own', 'kept'),
        file('e/.wh.own', ''), // a whiteout never hides an entry of its own layer
      ],
      [file('etc/a', 'a3')],
    ]);
    expect(await readFile(path.join(root, 'etc/a'), 'utf8')).toBe('a3');
    expect(await readFile(path.join(root, 'etc/b'), 'utf8')).toBe('b');
    expect((await readdir(path.join(root, 'd'))).sort()).toEqual(['new']);
    expect(await readFile(path.join(root, 'e/own'), 'utf8')).toBe('kept');
    expect(await readdir(root)).not.toContain('gone');
    const names = (await readdir(root, { recursive: true })).map(String);
    expect(names.filter((n) => n.includes('.wh.'))).toEqual([]);
  });

  it('lets a later layer replace a directory with a file and a symlink with a file or directory, never writing through it', async () => {
    const root = await unpack([
      [dir('x/'), file('x/inner', 'i'), symlink('s', path.join(box.outside, 'sentinel')), symlink('t', box.outside)],
      [file('x', 'now a file'), file('s', 'now a file too'), dir('t/'), file('t/sentinel', 'in a real dir now')],
    ]);
    expect((await lstat(path.join(root, 't'))).isDirectory()).toBe(true);
    expect(await readFile(path.join(root, 't/sentinel'), 'utf8')).toBe('in a real dir now');
    expect(await readFile(path.join(root, 'x'), 'utf8')).toBe('now a file');
    expect((await lstat(path.join(root, 's'))).isFile()).toBe(true);
  });

  it('unpacks plain, gzip and zstd layers of one image', async () => {
    const plain = await makeLayer(box.dir, [file('plain.txt', 'p')], 'none');
    const gzip = await makeLayer(box.dir, [file('gzip.txt', 'g')], 'gzip');
    const zstd = await makeLayer(box.dir, [file('zstd.txt', 'z')], 'zstd');
    const store = new ImageStore(box.store);
    const record = await store.import(await writeImage(box.dir, [plain, gzip, zstd], { format: 'oci-tar' }));
    expect(record.layers.map((l) => l.mediaType.split('.').at(-1))).toEqual(['tar', 'tar+gzip', 'tar+zstd']);
    const root = await store.rootfs(record);
    expect((await readdir(root)).sort()).toEqual(['gzip.txt', 'plain.txt', 'zstd.txt']);
  });

  it('keeps modes (without setuid/setgid), owners, mtimes, symlinks and hard links', async () => {
    const mtime = new Date('2021-05-06T07:08:09Z');
    const root = await unpack([
      [
        { name: 'tmp/', type: 'directory', mode: 0o1777, mtime },
        { name: 'bin/', type: 'directory', mode: 0o755, mtime },
        { name: 'bin/su', type: 'file', data: 'su', mode: 0o4755, uid: 1234, gid: 5678, mtime },
        { name: 'bin/group-tool', type: 'file', data: 'g', mode: 0o2711, mtime },
        { name: 'bin/ro', type: 'file', data: 'r', mode: 0o400, mtime },
        { name: 'bin/link', type: 'symlink', linkname: '/bin/su', uid: 42, gid: 43, mtime },
        hardlink('bin/su-again', 'bin/su'),
        { name: 'locked/', type: 'directory', mode: 0o500, mtime },
        file('locked/inside', 'still written'),
      ],
    ]);
    const su = await stat(path.join(root, 'bin/su'));
    expect(su.mode & 0o7777).toBe(0o755);
    // Owners shifted into the sandbox's id range, so a run's user namespace sees 1234:5678.
    const range = sandboxIdRange();
    expect([su.uid, su.gid]).toEqual([hostId(range, 1234), hostId(range, 5678)]);
    expect(su.mtime.getTime()).toBe(mtime.getTime());
    expect((await stat(path.join(root, 'bin/group-tool'))).mode & 0o7777).toBe(0o711);
    expect((await stat(path.join(root, 'bin/ro'))).mode & 0o7777).toBe(0o400);
    expect((await stat(path.join(root, 'tmp'))).mode & 0o7777).toBe(0o1777);
    const bin = await stat(path.join(root, 'bin'));
    expect(bin.mtime.getTime()).toBe(mtime.getTime()); // set after its children were written
    const link = await lstat(path.join(root, 'bin/link'));
    expect(await readlink(path.join(root, 'bin/link'))).toBe('/bin/su');
    expect([link.uid, link.gid, link.mtime.getTime()]).toEqual([hostId(range, 42), hostId(range, 43), mtime.getTime()]);
    expect((await stat(path.join(root, 'bin/su-again'))).ino).toBe(su.ino);
    expect((await stat(path.join(root, 'locked'))).mode & 0o777).toBe(0o500);
    expect(await readFile(path.join(root, 'locked/inside'), 'utf8')).toBe('still written');
  });

  it('skips a FIFO with a warning', async () => {
    const layer = await makeLayer(box.dir, [{ name: 'pipe', type: 'fifo' }, file('after', 'a')]);
    const root = path.join(box.dir, 'root');
    await mkdir(root);
    const { warnings } = await unpackLayer(layer.file, root, { what: 'test layer' });
    expect(warnings).toEqual(['test layer: skipped FIFO "pipe"']);
    expect(await readdir(root)).toEqual(['after']);
  });
});

describe('hostile layers are refused, naming the entry', () => {
  it('refuses ../ in a path', async () => {
    await expectRefused([[file('../escape', 'x')]], /entry "\.\.\/escape" has a "\.\." component/);
    await expectRefused([[file('a/../../outside/sentinel', 'x')]], /"\.\." component/);
  });

  it('refuses an absolute path', async () => {
    await expectRefused([[file(`${box.outside}/new`, 'x')]], /has an absolute path/);
  });

  it('refuses to write through a symlink, in the same layer or a later one', async () => {
    const before = await readFile('/etc/passwd', 'utf8');
    await expectRefused([[symlink('a', '/etc'), file('a/passwd', 'root::0:0::/:/bin/sh\n')]], /entry "a\/passwd" would be written through the symbolic link \/a/);
    expect(await readFile('/etc/passwd', 'utf8')).toBe(before);
    await expectRefused([[symlink('b', box.outside)], [file('b/sentinel', 'overwritten')]], /through the symbolic link \/b/);
    await expectRefused([[symlink('c', '../../..')], [file('c/x', 'x')]], /"c\/x" would be written through the symbolic link \/c/);
    await expectRefused([[dir('d/'), symlink('d/e', box.outside)], [file('d/e/f/g', 'deep')]], /through the symbolic link \/d\/e/);
  });

  it('refuses whiteouts and opaque markers that would act through a symlink or on a directory itself', async () => {
    await expectRefused([[symlink('w', box.outside)], [file('w/.wh.sentinel', '')]], /"w\/\.wh\.sentinel" would be written through the symbolic link \/w/);
    await expectRefused([[symlink('o', box.outside)], [file('o/.wh..wh..opq', '')]], /symbolic link \/o/);
    await expectRefused([[dir('a/'), file('a/x', 'x')], [file('a/.wh...', '')]], /whiteout "a\/\.wh\.\.\." names no entry/);
    await expectRefused([[file('x', 'x')], [file('.wh.', '')]], /whiteout "\.wh\." names no entry/);
  });

  it('refuses hard links out of the root, through a symlink, or to a missing file', async () => {
    await expectRefused([[hardlink('h', '../outside/sentinel')]], /"\.\.\/outside\/sentinel" has a "\.\." component/);
    await expectRefused([[hardlink('h', path.join(box.outside, 'sentinel'))]], /has an absolute path/);
    await expectRefused([[symlink('s', box.outside), hardlink('h', 's/sentinel')]], /through the symbolic link \/s/);
    await expectRefused([[hardlink('h', 'missing')]], /hard link "h" points to "missing", which is not a regular file unpacked so far/);
    await expectRefused([[symlink('s', '/etc/passwd'), hardlink('h', 's')]], /hard link "h" points to "s", which is not a regular file/);
    await expectRefused([[dir('d/'), hardlink('h', 'd')]], /hard link "h" points to "d"/);
  });

  it('refuses device nodes', async () => {
    await expectRefused([[dir('dev/'), { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 }]], /entry "dev\/null" is a character-device node/);
    await expectRefused([[{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }]], /entry "sda" is a block-device node/);
  });

  it('refuses a layer blob that is not a tar, or a truncated one', async () => {
    const root = path.join(box.dir, 'root');
    await mkdir(root);
    const garbage = path.join(box.dir, 'garbage');
    await writeFile(garbage, 'garbage, not a tar header '.repeat(40));
    await expect(unpackLayer(garbage, root, { what: 'bad layer' })).rejects.toThrow(/bad layer: not a readable tar archive/);
    const layer = await makeLayer(box.dir, [file('big', 'x'.repeat(5000))], 'gzip');
    const cut = path.join(box.dir, 'cut.gz');
    await writeFile(cut, (await readFile(layer.file)).subarray(0, 40));
    await expect(unpackLayer(cut, root, { what: 'cut layer' })).rejects.toThrow(/cut layer: not a readable tar archive/);
  });
});
