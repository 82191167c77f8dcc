/**
 * LayerView: an image's files read from its layer blobs. Semantics are checked against what the
 * unpacker writes to disk for the same image (the view must show what a grader sees), and by
 * explicit cases: whiteouts, opaque dirs, symlinks resolved inside the image, hard links, type
 * changes across layers, big files streamed, the index cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ImageError } from '../../src/image/image.ts';
import { ImagePathError } from '../../src/image/image-path.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { LayerView } from '../../src/image/layer-view.ts';
import { formatMtime, humanSize, listImagePath, modeString, readImageFile } from '../../src/toolkit/image-files.ts';
import type { LayerCompression, LayerEntry } from '../../scripts/test-images/layer-writer.ts';
import { dir, file, hardlink, makeImage, makeLayer, makeSandbox, symlink, writeImage, type Sandbox } from './build-image.ts';
import { idInRun, sandboxIdRange } from '../../src/sandbox/id-range.ts';

const images = inject('testImages');

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.assertOutsideUntouched();
  await box.cleanup();
});

interface Opened {
  view: LayerView;
  store: ImageStore;
}

/** Imports an image made of these layers and opens its view (with the index cache under the store). */
async function open(layers: LayerEntry[][], compression: LayerCompression = 'none'): Promise<Opened> {
  const store = new ImageStore(box.store);
  const record = await store.import(await makeImage(box.dir, layers, { compression }));
  return { view: await LayerView.open(record, store.blobs, { what: 'IMG', cacheDir: path.join(store.root, 'views') }), store };
}

async function text(stream: Readable | Promise<Readable>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const cat = (view: LayerView, p: string): Promise<string> => text(view.createReadStream(p));
const names = (view: LayerView, p: string): string[] => view.readdir(p).map((e) => e.name);

/** Every path of the view with what `ls -l` would say, and file contents, as one comparable map. */
async function viewTree(view: LayerView): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dirPath: string): Promise<void> => {
    for (const e of view.readdir(dirPath)) {
      const p = `${dirPath === '/' ? '' : dirPath}/${e.name}`;
      const content = e.type === 'file' ? await cat(view, p) : e.type === 'symlink' ? e.linkTarget : '';
      const mtime = e.type === 'directory' ? '' : e.mtime.getTime();
      out.set(p, [e.type, (e.mode & 0o1777).toString(8), e.uid, e.gid, e.type === 'directory' ? '' : e.size, mtime, content].join(' '));
      if (e.type === 'directory') await walk(p);
    }
  };
  await walk('/');
  return out;
}

/**
 * The same map for an unpacked root on disk (setuid/setgid are stripped there; directory mtimes
 * are the unpacker's; owners are shifted into the sandbox's id range, and read back as a run sees them).
 */
async function diskTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(root, rel))).sort()) {
      const p = `${rel}/${name}`;
      const st = await lstat(path.join(root, p));
      const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
      const content = type === 'file' ? await readFile(path.join(root, p), 'utf8') : type === 'symlink' ? await readlink(path.join(root, p)) : '';
      const mtime = type === 'directory' ? '' : st.mtime.getTime();
      const [uid, gid] = [idInRun(sandboxIdRange(), st.uid), idInRun(sandboxIdRange(), st.gid)];
      out.set(p, [type, (st.mode & 0o1777).toString(8), uid, gid, type === 'directory' ? '' : st.size, mtime, content].join(' '));
      if (type === 'directory') await walk(p);
    }
  };
  await walk('');
  return out;
}

/** Asserts the view shows exactly what the unpacker writes for the same image. */
async function expectSameAsUnpacked({ view, store }: Opened): Promise<void> {
  const root = await store.rootfs(view.image);
  expect([...(await viewTree(view))]).toEqual([...(await diskTree(root))]);
}

describe('layers merged as the unpacker merges them', () => {
  const scenario: LayerEntry[][] = [
    [
      dir('etc/'), file('etc/a', 'a1'), file('etc/b', 'b'), dir('d/'), file('d/x', 'x'), dir('d/sub/'), file('d/sub/y', 'y'),
      file('x', 'x was a file'), dir('y/'), file('y/inner', 'inner'), file('.hidden', 'dot'), file('keep', 'k'),
      { name: 'bin/', type: 'directory', mode: 0o755, uid: 7, gid: 8 }, { name: 'bin/tool', type: 'file', data: 't', mode: 0o750, uid: 7, gid: 8 },
    ],
    [
      file('etc/.wh.a', ''), file('etc/.wh.not-there', ''), file('gone/.wh.nothing', ''),
      dir('d/'), file('d/new', 'new'), file('d/sub/z', 'z'), file('d/.wh..wh..opq', ''), dir('d/sub2/'),
      dir('e/'), file('e/own', 'kept'), file('e/.wh.own', ''),
      dir('x/'), file('x/now', 'x is a dir now'), file('y', 'y is a file now'),
      hardlink('keep-link', 'keep'), file('f', 'f'), hardlink('f-link', 'f'),
    ],
    [file('etc/a', 'a3'), file('keep', 'replaced later; the hard link keeps the old inode'), file('.wh.f', '')],
  ];

  it('applies whiteouts, opaque dirs, type changes and hard links in order, exactly like the unpacked root', async () => {
    const opened = await open(scenario);
    const { view } = opened;
    expect(await cat(view, '/etc/a')).toBe('a3');
    expect(names(view, '/etc')).toEqual(['a', 'b']);
    expect(names(view, '/d')).toEqual(['new', 'sub', 'sub2']);
    expect(names(view, '/d/sub')).toEqual(['z']); // its layer wrote z before the opaque marker: kept; the lower y is hidden
    expect(names(view, '/e')).toEqual(['own']);
    expect(names(view, '/x')).toEqual(['now']);
    expect(await cat(view, 'y')).toBe('y is a file now');
    expect(await cat(view, '/keep-link')).toBe('k');
    expect(await cat(view, '/f-link')).toBe('f'); // its target was whited out above
    expect(names(view, '/')).not.toContain('gone');
    expect(names(view, '/')).not.toContain('f');
    expect(view.stat('/bin/tool')).toMatchObject({ type: 'file', mode: 0o750, uid: 7, gid: 8, size: 1, linkTarget: null });
    await expectSameAsUnpacked(opened);
  });

  it('reads gzip and zstd layers like plain ones', async () => {
    for (const compression of ['gzip', 'zstd'] as const) {
      const opened = await open(scenario, compression);
      expect(await cat(opened.view, '/etc/a')).toBe('a3');
      await expectSameAsUnpacked(opened);
      await rm(box.store, { recursive: true, force: true });
    }
  });

  it('matches the unpacked busybox and python test images, entry for entry', { timeout: 120_000 }, async () => {
    for (const name of ['busybox', 'busybox-oci-tar', 'python']) {
      const ref = images[name];
      if (ref === undefined) throw new Error(`test image ${name} was not built`);
      const store = new ImageStore(box.store);
      const view = await LayerView.open(await store.import(ref), store.blobs);
      if (name === 'python') {
        // Comparing 5000 files' contents both ways is slow; the unpacked root is checked by path and type.
        const root = await store.rootfs(view.image);
        const disk = [...(await diskTree(root)).entries()].map(([p, v]) => `${p} ${v.split(' ')[0]}`);
        const viewed: string[] = [];
        const walk = (d: string): void => {
          for (const e of view.readdir(d)) {
            const p = `${d === '/' ? '' : d}/${e.name}`;
            viewed.push(`${p} ${e.type}`);
            if (e.type === 'directory') walk(p);
          }
        };
        walk('/');
        expect(viewed).toEqual(disk);
      } else {
        await expectSameAsUnpacked({ view, store });
      }
    }
  });

  it('refuses what unpacking refuses, with the same messages', async () => {
    const refused = async (layers: LayerEntry[][], message: RegExp): Promise<void> => {
      const err = await open(layers).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ImageError);
      expect((err as Error).message).toMatch(message);
    };
    await refused([[symlink('a', '/etc'), file('a/passwd', 'x')]], /entry "a\/passwd" would be written through the symbolic link \/a/);
    await refused([[symlink('o', box.outside)], [file('o/.wh..wh..opq', '')]], /symbolic link \/o/);
    await refused([[file('f', 'x'), file('f/g', 'x')]], /entry "f\/g" needs \/f to be a directory/);
    await refused([[hardlink('h', 'missing')]], /hard link "h" points to "missing", which is not a regular file unpacked so far/);
    await refused([[symlink('s', '/etc/passwd'), hardlink('h', 's')]], /hard link "h" points to "s"/);
    await refused([[file('x', 'x')], [file('.wh.', '')]], /whiteout "\.wh\." names no entry/);
    await refused([[{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }]], /entry "sda" is a block-device node/);
    await refused([[file('../escape', 'x')]], /"\.\." component/);
  });

  it('refuses a compressed layer whose content does not match the config diff_id', async () => {
    const layer = await makeLayer(box.dir, [file('a', 'a')], 'gzip');
    const store = new ImageStore(box.store);
    const record = await store.import(await writeImage(box.dir, [{ ...layer, diffId: `sha256:${'0'.repeat(64)}` }]));
    await expect(LayerView.open(record, store.blobs)).rejects.toThrow(/uncompressed layer digest mismatch: expected sha256:0{64} \(config diff_id\)/);
  });
});

describe('paths resolve inside the image', () => {
  const chain = Array.from({ length: 41 }, (_, i) => symlink(`chain/l${i}`, i === 40 ? '../real/f' : `l${i + 1}`));
  const layers: LayerEntry[][] = [[
    dir('real/'), file('real/f', 'real f'), file('real/.dot', 'dot'), dir('real/sub/'),
    symlink('via', 'real'), symlink('abs', '/real/f'), dir('sub/'), symlink('sub/up', '../real/f'),
    symlink('sub/escape', '../../../../../real/f'), symlink('hostpw', '/etc/passwd'), symlink('hostpw2', '../../../../etc/passwd'),
    symlink('dangling', '/nowhere'), symlink('loop', 'loop'), symlink('ping', 'pong'), symlink('pong', 'ping'),
    symlink('deep', 'via/sub/../f'), symlink('empty', ''), dir('chain/'), ...chain,
  ]];

  it('follows relative, absolute and intermediate-directory symlinks; .. never climbs above the root', async () => {
    const { view } = await open(layers);
    expect(await cat(view, '/via/f')).toBe('real f');
    expect(await cat(view, 'abs')).toBe('real f');
    expect(await cat(view, '/sub/up')).toBe('real f');
    expect(await cat(view, '/sub/escape')).toBe('real f');
    expect(await cat(view, '/../../real/./f')).toBe('real f');
    expect(await cat(view, '/deep')).toBe('real f');
    expect(view.stat('/via/sub/..').path).toBe('/real');
    expect(view.lstat('/via').linkTarget).toBe('real');
    expect(view.lstat('/via/').type).toBe('directory'); // a trailing slash follows the link
    expect(names(view, '/via')).toEqual(['.dot', 'f', 'sub']);
    // Links that would leave the image on the host stay inside: this image has no /etc/passwd.
    for (const p of ['/hostpw', '/hostpw2']) expect(() => view.stat(p)).toThrow(/no such file or directory in IMG/);
  });

  it('reports missing paths, dangling links, loops and non-directories with errno-like codes', async () => {
    const { view } = await open(layers);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(ImagePathError);
        return (e as ImagePathError).code;
      }
    };
    expect(code(() => view.stat('/nope'))).toBe('ENOENT');
    expect(() => view.stat('/nope/deeper')).toThrow(/^\/nope\/deeper: no such file or directory in IMG$/);
    expect(code(() => view.stat('/dangling'))).toBe('ENOENT');
    expect(view.lstat('/dangling').linkTarget).toBe('/nowhere');
    expect(code(() => view.stat('/empty'))).toBe('ENOENT');
    expect(code(() => view.stat('/loop'))).toBe('ELOOP');
    expect(code(() => view.stat('/ping/x'))).toBe('ELOOP');
    expect(code(() => view.stat('/real/f/x'))).toBe('ENOTDIR');
    expect(code(() => view.stat('/real/f/'))).toBe('ENOTDIR');
    expect(code(() => view.readdir('/real/f'))).toBe('ENOTDIR');
    await expect(view.createReadStream('/real')).rejects.toThrow(/^\/real: is a directory in IMG$/);
    // Forty links in one lookup are fine, the forty-first is a loop (Linux's MAXSYMLINKS).
    expect(await cat(view, '/chain/l1')).toBe('real f');
    expect(code(() => view.stat('/chain/l0'))).toBe('ELOOP');
  });

  it('ls semantics: a directory lists children (dotfiles with all), a file or file link lists itself, a dangling link shows itself', async () => {
    const { view } = await open(layers);
    expect(listImagePath(view, 'real').entries.map((e) => e.name)).toEqual(['f', 'sub']);
    expect(listImagePath(view, '/via', { all: true }).entries.map((e) => e.name)).toEqual(['.dot', 'f', 'sub']);
    const file = listImagePath(view, '/real/f');
    expect(file).toMatchObject({ path: '/real/f', directory: false, entries: [{ name: '/real/f', type: 'file', size: 6 }] });
    expect(listImagePath(view, 'abs').entries).toMatchObject([{ name: '/abs', type: 'symlink', linkTarget: '/real/f', size: 7 }]);
    expect(listImagePath(view, '/dangling').entries).toMatchObject([{ name: '/dangling', type: 'symlink', linkTarget: '/nowhere' }]);
    expect(() => listImagePath(view, '/loop')).toThrow(/^\/loop: too many levels of symbolic links in IMG$/);
    expect(() => listImagePath(view, '/nope')).toThrow(/^\/nope: no such file or directory in IMG$/);
    await expect(readImageFile(view, 'dangling')).rejects.toThrow(
      /^\/dangling: no such file or directory in IMG \(a symbolic link to "\/nowhere", which leads nowhere\)$/,
    );
  });
});

describe('content', () => {
  it('streams a 20 MB file from plain, gzip and zstd layers in chunks, byte for byte', { timeout: 120_000 }, async () => {
    const big = path.join(box.dir, 'big.bin');
    const data = randomBytes(20 << 20);
    await writeFile(big, data);
    const sha = createHash('sha256').update(data).digest('hex');
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const compression of ['none', 'gzip', 'zstd'] as const) {
      const { view } = await open([
        [file('before', 'x'.repeat(1000)), { name: 'big.bin', type: 'file', size: data.length, fromFile: big }, { name: 'bytes', type: 'file', data: allBytes }],
        // A name past 100 bytes needs a pax header: the data offset must skip it too.
        [dir('long/'), file(`long/${'n'.repeat(150)}`, 'long name'), file('empty', '')],
      ], compression);
      const hash = createHash('sha256');
      let chunks = 0;
      let largest = 0;
      for await (const chunk of await view.createReadStream('/big.bin')) {
        hash.update(chunk as Buffer);
        chunks++;
        largest = Math.max(largest, (chunk as Buffer).length);
      }
      expect(hash.digest('hex'), compression).toBe(sha);
      expect(chunks).toBeGreaterThan(10);
      expect(largest).toBeLessThanOrEqual(1 << 20);
      const bytes: Buffer[] = [];
      for await (const chunk of await view.createReadStream('/bytes')) bytes.push(chunk as Buffer);
      expect(Buffer.concat(bytes).equals(allBytes)).toBe(true);
      expect(await cat(view, `/long/${'n'.repeat(150)}`)).toBe('long name');
      expect(await cat(view, '/empty')).toBe('');
      // Stopping early ends the read (and the decompression) without hanging.
      const stream = await view.createReadStream('/big.bin');
      for await (const _chunk of stream) break;
      expect(stream.destroyed).toBe(true);
      await rm(box.store, { recursive: true, force: true });
    }
  });
});

describe('index cache', () => {
  it('stores the merged tree once per image and reads it back unchanged; a torn or foreign file is rebuilt', async () => {
    const { view, store } = await open([[dir('a/'), file('a/f', 'f'), symlink('l', 'a/f'), hardlink('h', 'a/f')], [file('a/.wh.f', '')]]);
    const cacheDir = path.join(store.root, 'views');
    const [cacheFile] = await readdir(cacheDir);
    expect(cacheFile).toMatch(/^[0-9a-f]{64}\.json$/);
    const fromCache = await LayerView.open(view.image, store.blobs, { cacheDir });
    let scanned = false;
    const onProgress = (): void => void (scanned = true);
    await LayerView.open(view.image, store.blobs, { cacheDir, onProgress });
    expect(scanned).toBe(false);
    expect(await viewTree(fromCache)).toEqual(await viewTree(view));
    expect(await cat(fromCache, '/h')).toBe('f');

    await writeFile(path.join(cacheDir, cacheFile ?? ''), '{"format":1,"id":"sha256:');
    const rebuilt = await LayerView.open(view.image, store.blobs, { cacheDir, onProgress });
    expect(scanned).toBe(true);
    expect(await viewTree(rebuilt)).toEqual(await viewTree(view));
  });
});

describe('ls -l formatting', () => {
  it('mode strings, human sizes and UTC times', () => {
    expect(modeString('directory', 0o755)).toBe('drwxr-xr-x');
    expect(modeString('symlink', 0o777)).toBe('lrwxrwxrwx');
    expect(modeString('file', 0o4755)).toBe('-rwsr-xr-x');
    expect(modeString('file', 0o2644)).toBe('-rw-r-Sr--');
    expect(modeString('directory', 0o1777)).toBe('drwxrwxrwt');
    expect(modeString('directory', 0o1770)).toBe('drwxrwx--T');
    expect(modeString('file', 0o4644)).toBe('-rwSr--r--');
    expect([0, 1023, 1024, 1536, 10 * 1024 - 1, 20 << 20, 113 * 1024 * 1024 + 1, 3 * 2 ** 30].map(humanSize)).toEqual(
      ['0', '1023', '1.0K', '1.5K', '10K', '20M', '114M', '3.0G'],
    );
    expect(formatMtime(new Date('2024-05-01T12:00:59Z'))).toBe('2024-05-01 12:00');
  });
});
