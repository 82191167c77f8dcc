import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ImageError } from '../../src/image/image.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { makeImage, makeLayer, makeSandbox, writeImage, type Sandbox } from './build-image.ts';
import { hostId, sandboxIdRange } from '../../src/sandbox/id-range.ts';

const images = inject('testImages');
const image = (name: string): string => {
  const found = images[name];
  if (!found) throw new Error(`test image ${name} was not built`);
  return found;
};

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.assertOutsideUntouched();
  await box.cleanup();
});

describe('image sources', () => {
  it('imports the same busybox image from a docker archive, an OCI directory and an OCI tar', async () => {
    const store = new ImageStore(box.store);
    const fromDocker = await store.import(image('busybox'));
    const fromOciDir = await store.import(image('busybox-oci-dir'));
    const fromOciTar = await store.import(image('busybox-oci-tar'));
    // One config, three encodings of one layer (plain, gzip, zstd): one image id, three layer blobs.
    expect(fromOciDir.id).toBe(fromDocker.id);
    expect(fromOciTar.id).toBe(fromDocker.id);
    expect(fromDocker.layers[0]?.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar');
    expect(fromOciDir.layers[0]?.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(fromOciTar.layers[0]?.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(new Set([fromDocker, fromOciDir, fromOciTar].map((r) => r.layers[0]?.digest)).size).toBe(3);
    expect(fromDocker.config).toEqual({
      entrypoint: [],
      cmd: ['sh'],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'],
      workingDir: '',
      user: '',
      labels: {},
    });

    for (const record of [fromDocker, fromOciDir, fromOciTar]) {
      await rm(path.join(box.store, `rootfs-${sandboxIdRange().base}`), { recursive: true, force: true });
      const root = await store.rootfs(record);
      expect(await readlink(path.join(root, 'bin/sh'))).toBe('busybox');
      expect((await stat(path.join(root, 'tmp'))).mode & 0o7777).toBe(0o1777);
      expect((await stat(path.join(root, 'home/grader'))).uid).toBe(hostId(sandboxIdRange(), 1000));
      expect(await readFile(path.join(root, 'etc/passwd'), 'utf8')).toContain('grader:x:1000:1000:');
    }
  });

  it('imports a fixture grader (Docker 25+ layout, gzip layer on a plain one) with its config', async () => {
    const store = new ImageStore(box.store);
    const record = await store.import(image('echo-busybox'));
    expect(record.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ]);
    expect(record.config.entrypoint).toEqual(['/grader/grade.sh']);
    expect(record.config.workingDir).toBe('/grader');
    expect(record.config.env).toContain('GRADER_NAME=echo-busybox');
    const root = await store.rootfs(record);
    const script = await stat(path.join(root, 'grader/grade.sh'));
    expect(script.mode & 0o777).toBe(0o755);
    expect(script.uid).toBe(hostId(sandboxIdRange(), 0));
    // The unpacked grader really runs (busybox sh from the image, chrooted-free: just the script text).
    const out = execFileSync(path.join(root, 'bin/busybox'), ['sh', path.join(root, 'grader/grade.sh')], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ fractionalScore: 1, feedback: 'ok' });
  });

  it('imports the python image', async () => {
    const store = new ImageStore(box.store);
    const record = await store.import(image('python'));
    expect(record.config.cmd).toEqual(['python3']);
    const root = await store.rootfs(record);
    expect((await stat(path.join(root, 'usr/bin/python3'), { bigint: false })).isFile()).toBe(true);
    expect(await readFile(path.join(root, 'etc/passwd'), 'utf8')).toContain('grader:x:1000:1000:');
  });

  it('reads a gzip-compressed docker save archive', async () => {
    const gz = path.join(box.dir, 'busybox.tar.gz');
    await pipeline(createReadStream(image('busybox')), createGzip(), createWriteStream(gz));
    const store = new ImageStore(box.store);
    expect((await store.import(gz)).id).toBe((await store.import(image('busybox'))).id);
  });

  it('stops an import on abort, leaving no temporary files', async () => {
    const store = new ImageStore(box.store);
    const controller = new AbortController();
    const importing = store.import(image('python'), {
      signal: controller.signal,
      onProgress: (p) => p.phase === 'read' && controller.abort(),
    });
    await expect(importing).rejects.toThrow(/abort/i);
    expect(await readdir(path.join(box.store, 'tmp'))).toEqual([]);
    expect(await readdir(path.join(box.store, 'images')).catch(() => [])).toEqual([]);
  });

  it('does not read an unchanged tarball again, unless its blobs are gone', async () => {
    const store = new ImageStore(box.store);
    const phases = async (): Promise<string[]> => {
      const seen: string[] = [];
      await store.import(image('busybox'), { onProgress: (p) => seen.push(p.phase) });
      return seen;
    };
    expect(await phases()).toContain('read');
    expect(await phases()).not.toContain('read');
    const record = await store.import(image('busybox'));
    await rm(store.blobs.path(record.layers[0]?.digest ?? ''));
    expect(await phases()).toContain('read');
    expect(await store.blobs.has(record.layers[0]?.digest ?? '')).toBe(true);
  });
});

describe('detecting what a reference is', () => {
  const importError = async (ref: string): Promise<string> => {
    const err = await new ImageStore(box.store).import(ref).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImageError);
    return (err as ImageError).message;
  };

  it('says a missing path is missing', async () => {
    expect(await importError(path.join(box.dir, 'nope.tar'))).toMatch(/nope\.tar: no such file or directory/);
    expect(await importError('./grader.tar')).toMatch(/no such file/);
  });

  it('refuses a file that is not a tar', async () => {
    const junk = path.join(box.dir, 'junk.bin');
    await writeFile(junk, 'this is not a tar archive, just some text that is long enough'.repeat(20));
    expect(await importError(junk)).toMatch(/junk\.bin: not a tar archive/);
    const empty = path.join(box.dir, 'empty.tar');
    await writeFile(empty, '');
    expect(await importError(empty)).toMatch(/not a tar archive/);
  });

  it('refuses a tar that is neither a docker archive nor an OCI layout', async () => {
    const layer = await makeImage(box.dir, [[{ name: 'hello.txt', data: 'hi' }]]);
    // An image's layer is a tar of files, not an image: a classic mix-up.
    const plain = path.join(box.dir, 'plain.tar');
    execFileSync('tar', ['-cf', plain, '-C', box.dir, path.basename(layer)]);
    expect(await importError(plain)).toMatch(/neither a docker save archive .* nor an OCI image layout/);
  });

  it('refuses a directory that is not an OCI layout', async () => {
    expect(await importError(box.outside)).toMatch(/directory without an oci-layout file/);
  });
});

describe('digests are verified, never trusted', () => {
  it('rejects an OCI blob whose content does not match its name, naming both digests', async () => {
    const layout = await makeImage(box.dir, [[{ name: 'a.txt', data: 'a' }]], { format: 'oci-dir' });
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifestDigest = index.manifests[0]?.digest ?? '';
    const manifestFile = path.join(layout, 'blobs/sha256', manifestDigest.slice(7));
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { layers: { digest: string }[] };
    const layerDigest = manifest.layers[0]?.digest ?? '';
    const layerFile = path.join(layout, 'blobs/sha256', layerDigest.slice(7));
    const bytes = await readFile(layerFile);
    bytes[600] = (bytes[600] ?? 0) ^ 0xff; // inside a.txt's data block
    await writeFile(layerFile, bytes);
    const err = (await new ImageStore(box.store).import(layout).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ImageError);
    expect(err.message).toContain(`expected ${layerDigest}`);
    expect(err.message).toMatch(/content is sha256:[0-9a-f]{64}/);
    expect(await new ImageStore(box.store).blobs.has(layerDigest)).toBe(false);
  });

  it('rejects a docker archive layer that does not match the config diff_id', async () => {
    const tar = await makeImage(box.dir, [[{ name: 'a.txt', data: 'a' }]], { format: 'docker-legacy' });
    // Rewrite a.txt's content in place: same size, same tar structure, another digest.
    const bytes = await readFile(tar);
    const at = bytes.indexOf('a.txt'); // the layer's own header for a.txt; its data block follows
    bytes[at + 512] = 'b'.charCodeAt(0);
    const tampered = path.join(box.dir, 'tampered.tar');
    await writeFile(tampered, bytes);
    await expect(new ImageStore(box.store).import(tampered)).rejects.toThrow(/layer 1 is sha256:[0-9a-f]+, the config's diff_id says sha256:/);
  });

  it('rejects a compressed layer whose content does not match the config diff_id when unpacking', async () => {
    const real = await makeLayer(box.dir, [{ name: 'a.txt', data: 'a' }], 'gzip');
    const lying = await writeImage(box.dir, [{ ...real, diffId: `sha256:${'0'.repeat(64)}` }], { format: 'oci-tar' });
    const store = new ImageStore(box.store);
    const record = await store.import(lying);
    await expect(store.rootfs(record)).rejects.toThrow(/uncompressed layer digest mismatch: expected sha256:0{64}/);
  });
});
