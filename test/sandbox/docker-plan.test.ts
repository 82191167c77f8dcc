// The docker backend's pure parts, without a daemon: where the user could write, how a run's
// volumes are planned, how an exit is classified, and the tar headers sent to the daemon.
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_IMAGES_DIR } from '../../scripts/build-test-images.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { LayerView } from '../../src/image/layer-view.ts';
import { layerViewTree } from '../../src/toolkit/image-tree.ts';
import { classifyExit } from '../../src/sandbox/docker/run-outcome.ts';
import { planRun } from '../../src/sandbox/docker/run-plan.ts';
import { encodeHeader, END_OF_ARCHIVE, padding } from '../../src/sandbox/docker/tar-writer.ts';
import { findWritableSpots, hostImageTree } from '../../src/sandbox/docker/writable-spots.ts';
import type { GraderExit } from '../../src/sandbox/docker/run-grader.ts';
import { makeSpec } from './cases/context.ts';

const user = { uid: 1000, gid: 1000 };
let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gradebox-spots-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function tree(entries: Record<string, { mode: number; uid?: number; gid?: number; dir?: boolean }>): Promise<string> {
  const dir = await mkdtemp(join(root, 't-'));
  await chmod(dir, 0o755);
  for (const [path, { mode, uid = 0, gid = 0, dir: isDir }] of Object.entries(entries)) {
    if (isDir) await mkdir(join(dir, path), { recursive: true });
    else await writeFile(join(dir, path), 'x');
    await chown(join(dir, path), uid, gid);
    await chmod(join(dir, path), mode);
  }
  return dir;
}

describe('docker: writable spots', () => {
  it.runIf(process.getuid?.() === 0)('finds what the user could write by owner, group and other bits, topmost only', async () => {
    const rootfs = await tree({
      home: { mode: 0o755, dir: true },
      'home/grader': { mode: 0o500, uid: 1000, dir: true }, // the owner may chmod itself in
      'home/grader/sub': { mode: 0o777, dir: true }, // inside a spot already
      'var': { mode: 0o755, dir: true },
      'var/group-w': { mode: 0o775, gid: 1000, dir: true },
      'var/group-r': { mode: 0o755, gid: 1000, dir: true },
      'var/other-w': { mode: 0o1777, dir: true },
      'var/other-w-but-group': { mode: 0o757, gid: 1000, dir: true }, // the group bits apply, not the other bits
      etc: { mode: 0o755, dir: true },
      'etc/owned': { mode: 0o444, uid: 1000 }, // a file the user may chmod and grow: its directory is covered
      'etc/closed': { mode: 0o644 },
      tmp: { mode: 0o1777, dir: true }, // /tmp gets its own tmpfs
      proc: { mode: 0o777, dir: true },
    });
    const spots = await findWritableSpots(await hostImageTree(rootfs), user);
    expect(spots.map((s) => s.path).sort()).toEqual(['/etc', '/home/grader', '/var/group-w', '/var/other-w']);
    expect(spots.find((s) => s.path === '/etc')?.footprintBytes).toBe(3 * 4096 + 2 * 4096);
  });

  it.runIf(process.getuid?.() === 0)('refuses a root directory the user could write, or a writable file in it', async () => {
    await expect(findWritableSpots(await hostImageTree(await tree({ 'x.txt': { mode: 0o666 } })), user)).rejects.toThrow(/root directory/);
    const open = await tree({});
    await chmod(open, 0o777);
    await expect(findWritableSpots(await hostImageTree(open), user)).rejects.toThrow(/root directory/);
  });
});

describe('docker: image trees', () => {
  it.runIf(process.getuid?.() === 0)('refuses an unpacked root that root did not unpack (its owners are lost)', async () => {
    const rootfs = await tree({});
    await chown(rootfs, 1234, 1234);
    await expect(hostImageTree(rootfs)).rejects.toThrow(/unpacked without root/);
  });

  it.runIf(process.getuid?.() === 0)('finds the same spots from the layers as from a root unpacked by root', async () => {
    const store = new ImageStore(join(root, 'store'));
    const record = await store.import(inject('testImages')?.['run-submission'] ?? join(TEST_IMAGES_DIR, 'run-submission.tar'));
    const fromLayers = await findWritableSpots(layerViewTree(await LayerView.open(record, store.blobs)), user);
    expect(fromLayers).toEqual(await findWritableSpots(await hostImageTree(await store.rootfs(record)), user));
    expect(fromLayers.map((spot) => spot.path)).toEqual(['/home/grader']);
  });
});

describe('docker: run plan', () => {
  const image = { id: 'sha256:x', rootfs: '/nowhere' };
  const spots = [{ path: '/home/grader', footprintBytes: 8192 }, { path: '/shared/inside', footprintBytes: 4096 }];

  it('plans a tmpfs volume per spec volume and uncovered spot, sized like the oci scratch space', () => {
    const spec = makeSpec(image, {
      volumes: [
        { target: '/shared/submission', readOnly: true, owner: 'root' },
        { target: '/shared', readOnly: false, owner: 'user' },
      ],
      files: [
        { target: '/shared/meta.json', content: '{}' },
        { target: '/home/grader/x', content: 'x' },
        { target: '/autograder/submission_metadata.json', content: 'm' },
      ],
      limits: { writableMiB: 4, tmpMiB: 2 },
    });
    const plan = planRun(spec, 'run', spots, new Map());
    expect(plan.volumes.map((v) => [v.target, v.keeperPath, v.readOnly, v.source])).toEqual([
      ['/shared', '/.gradebox/0', false, 'spec'],
      ['/shared/submission', '/.gradebox/1', true, 'spec'],
      ['/home/grader', '/.gradebox/2', false, 'image'],
    ]);
    expect(plan.volumes[0]?.tmpfs).toBe(`size=${4096 + 8 + 64}k,nr_inodes=16386,mode=0755,uid=1000,gid=1000,nosuid,nodev`);
    expect(plan.volumes[1]?.tmpfs).toBe('size=64k,nr_inodes=64,mode=0755,uid=0,gid=0,nosuid,nodev');
    expect(plan.volumes[0]?.input.files).toEqual([{ path: 'meta.json', content: '{}' }]);
    expect(plan.volumes[2]?.input.files).toEqual([{ path: 'x', content: 'x' }]);
    expect(plan.layerFiles).toEqual([{ path: 'autograder/submission_metadata.json', content: 'm' }]);
    expect(plan.tmp).toBe('size=2m,nr_inodes=16384,mode=1777,exec');
  });

  it('refuses a file where a volume is mounted', () => {
    expect(() => planRun(makeSpec(image, { files: [{ target: '/shared', content: '' }] }), 'run', [], new Map())).toThrow(/where a volume is mounted/);
  });
});

describe('docker: exit classification', () => {
  const empty = { text: '', bytes: 0, truncated: false };
  const exit = (over: Partial<GraderExit>): GraderExit => ({ status: 0, stoppedFor: undefined, startError: undefined, wallMs: 5, stdout: empty, stderr: empty, ...over });
  const runc = (what: string): string => `failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: ${what}: unknown`;

  it('reports a program that is missing as 127 and one that cannot run as 126, with runc\'s words', () => {
    expect(classifyExit(exit({ status: null, startError: runc('"/x": stat /x: no such file or directory') }), false))
      .toMatchObject({ reason: 'exited', exitCode: 127, stderr: { text: 'exec: "/x": stat /x: no such file or directory\n' } });
    expect(classifyExit(exit({ status: null, startError: runc('"/etc/passwd": permission denied') }), false)).toMatchObject({ exitCode: 126 });
    expect(() => classifyExit(exit({ status: null, startError: 'no space left on device' }), false)).toThrow(/could not start the run/);
  });

  it('names signals, and lets a stop or an OOM kill decide the reason', () => {
    expect(classifyExit(exit({ status: 137 }), true)).toEqual({ reason: 'out-of-memory', exitCode: null, signal: 'SIGKILL' });
    expect(classifyExit(exit({ status: 3 }), false)).toEqual({ reason: 'exited', exitCode: 3, signal: null });
    expect(classifyExit(exit({ status: 137, stoppedFor: 'timeout' }), false)).toEqual({ reason: 'timeout', exitCode: null, signal: 'SIGKILL' });
  });
});

describe('docker: tar headers', () => {
  it('writes ustar headers, and PAX records for long names and link targets, that tar readers accept', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(130)}`;
    const link = `/${'t'.repeat(140)}`;
    const data = Buffer.from('hello');
    const archive = Buffer.concat([
      encodeHeader({ name: Buffer.from(`${long}`), type: 'file', mode: 0o640, uid: 1000, gid: 1000, size: data.length }), data, padding(data.length),
      encodeHeader({ name: Buffer.from('l'), type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: Buffer.from(link) }),
      encodeHeader({ name: Buffer.from('dir/'), type: 'directory', mode: 0o755, uid: 0, gid: 0 }),
      END_OF_ARCHIVE,
    ]);
    const seen: unknown[] = [];
    const extract = tar.extract();
    Readable.from([archive]).pipe(extract);
    for await (const entry of extract as unknown as AsyncIterable<AsyncIterable<Buffer> & { header: tar.Header }>) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk);
      const { name, type, mode, uid, linkname } = entry.header;
      seen.push({ name, type, mode, uid, linkname, data: Buffer.concat(chunks).toString() });
    }
    expect(seen).toEqual([
      { name: long, type: 'file', mode: 0o640, uid: 1000, linkname: null, data: 'hello' },
      { name: 'l', type: 'symlink', mode: 0o777, uid: 0, linkname: link, data: '' },
      { name: 'dir/', type: 'directory', mode: 0o755, uid: 0, linkname: null, data: '' },
    ]);
  });

  it('keeps a name that is not UTF-8 byte for byte', () => {
    const name = Buffer.from('bad-\xff-byte', 'latin1');
    expect(encodeHeader({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0 }).subarray(0, name.length)).toEqual(name);
  });
});
