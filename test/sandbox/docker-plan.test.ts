// The docker backend's pure parts, without a daemon: where the user could write, how a run's
// volumes and containers are planned, which daemons are refused, how an exit is classified, and
// the tar headers sent to the daemon.
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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
import { ROOT_CAPABILITIES } from '../../src/sandbox/capabilities.ts';
import { checkProcess, graderContainer, keeperCommand, keeperContainer, keeperLimits } from '../../src/sandbox/docker/container-config.ts';
import { requireUserNamespaces } from '../../src/sandbox/docker/docker-client.ts';
import { planRun, ROOT_STAND_IN } from '../../src/sandbox/docker/run-plan.ts';
import { encodeHeader, END_OF_ARCHIVE, padding } from '../../src/sandbox/docker/tar-writer.ts';
import { findWritableSpots, hostImageTree, ROOT_PLACES, rootPlaceCandidates, rootPlaces } from '../../src/sandbox/docker/writable-spots.ts';
import { openFilesPerProcess, RUN_PTYS, USER_NAMESPACE_LIMITS } from '../../src/sandbox/kernel-budgets.ts';
import { meminfoText } from '../../src/sandbox/meminfo.ts';
import { SandboxError } from '../../src/sandbox/sandbox.ts';
import type { GraderExit } from '../../src/sandbox/docker/run-grader.ts';
import { hostId, OVERFLOW_ID, sandboxIdRange } from '../../src/sandbox/id-range.ts';
import { makeSpec } from './cases/context.ts';

const user = { uid: 1000, gid: 1000 };
let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gradebox-spots-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A root filesystem laid out as the image store unpacks one: the image's owners shifted into the sandbox id range. */
async function tree(entries: Record<string, { mode: number; uid?: number; gid?: number; dir?: boolean }>): Promise<string> {
  const range = sandboxIdRange();
  const dir = await mkdtemp(join(root, 't-'));
  await chmod(dir, 0o755);
  await chown(dir, hostId(range, 0), hostId(range, 0));
  for (const [path, { mode, uid = 0, gid = 0, dir: isDir }] of Object.entries(entries)) {
    if (isDir) await mkdir(join(dir, path), { recursive: true });
    else await writeFile(join(dir, path), 'x');
    await chown(join(dir, path), hostId(range, uid), hostId(range, gid));
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
  it.runIf(process.getuid?.() === 0)('refuses an unpacked root the image store did not unpack (its owners are lost or not shifted)', async () => {
    const rootfs = await tree({});
    for (const owner of [1234, 0]) {
      await chown(rootfs, owner, owner);
      await expect(hostImageTree(rootfs)).rejects.toThrow(/not unpacked by gradebox's image store/);
    }
  });

  it.runIf(process.getuid?.() === 0)('reads the image\'s own owners from a root with shifted ones; an id outside the range is the overflow id', async () => {
    const rootfs = await tree({ home: { mode: 0o755, uid: 1000, gid: 100, dir: true } });
    await writeFile(join(rootfs, 'stray'), '');
    await chown(join(rootfs, 'stray'), 1000, 1000);
    const entries = await (await hostImageTree(rootfs)).readdir('/');
    expect(entries.map(({ name, uid, gid }) => [name, uid, gid]).sort()).toEqual([['home', 1000, 100], ['stray', OVERFLOW_ID, OVERFLOW_ID]]);
  });

  it.runIf(process.getuid?.() === 0)('finds the same spots from the layers as from a root unpacked by root', async () => {
    const store = new ImageStore(join(root, 'store'));
    const record = await store.import(inject('testImages')?.['run-submission'] ?? join(TEST_IMAGES_DIR, 'run-submission.tar'));
    const fromLayers = await findWritableSpots(layerViewTree(await LayerView.open(record, store.blobs)), user);
    expect(fromLayers).toEqual(await findWritableSpots(await hostImageTree(await store.rootfs(record)), user));
    expect(fromLayers.map((spot) => spot.path)).toEqual(['/home/grader']);
  });
});

describe('docker: root\'s places', () => {
  it.runIf(process.getuid?.() === 0)('are the image\'s directories among ROOT_PLACES and the working directory\'s top, or absent; never a link', async () => {
    const rootfs = await tree({
      etc: { mode: 0o755, dir: true }, 'etc/passwd': { mode: 0o644 }, home: { mode: 0o755, dir: true }, root: { mode: 0o700, dir: true },
      var: { mode: 0o755, dir: true }, 'var/tmp': { mode: 0o1777, dir: true },
    });
    await symlink('/var/run', join(rootfs, 'run'));
    expect(rootPlaceCandidates('/srv/app')).toEqual([...ROOT_PLACES, '/srv']);
    expect(rootPlaceCandidates('/autograder/source')).toEqual([...ROOT_PLACES]);
    expect(rootPlaceCandidates('/')).toEqual([...ROOT_PLACES]);
    expect(rootPlaceCandidates('/tmp/x')).toEqual([...ROOT_PLACES]);
    expect(await rootPlaces(await hostImageTree(rootfs), '/srv/app')).toEqual([
      { path: '/autograder', footprintBytes: 0, absent: true },
      { path: '/etc', footprintBytes: 3 * 4096 },
      { path: '/home', footprintBytes: 4096 },
      { path: '/root', footprintBytes: 4096 },
      { path: '/var/tmp', footprintBytes: 4096 },
      { path: '/srv', footprintBytes: 0, absent: true },
    ]);
  });
});

describe('docker: run plan', () => {
  const image = { id: 'sha256:x', rootfs: '/nowhere' };
  const spots = [{ path: '/home/grader', footprintBytes: 8192 }, { path: '/shared/inside', footprintBytes: 4096 }];

  it('plans a tmpfs volume per spec volume and uncovered spot, sized like the oci scratch space, and binds the placed files from the run volume', () => {
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
      limits: { writableMiB: 4, tmpMiB: 2, memoryMiB: 300 },
    });
    const plan = planRun(spec, 'run', spots, new Map());
    expect(plan.volumes.map((v) => [v.name, v.target, v.keeperPath, v.readOnly, v.source])).toEqual([
      ['run-0', '/shared', '/.gradebox/0', false, 'spec'],
      ['run-1', '/shared/submission', '/.gradebox/1', true, 'spec'],
      ['run-2', '/home/grader', '/.gradebox/2', false, 'image'],
      ['run-run', '', '/.gradebox/run', true, 'run'],
    ]);
    // No uid= or gid=: under userns-remap those would be host ids. The keeper's archive sets each root's owner.
    expect(plan.volumes[0]?.tmpfs).toBe(`size=${4096 + 4 + 64}k,nr_inodes=16385,mode=0755,nosuid,nodev`);
    expect(plan.volumes[1]?.tmpfs).toBe('size=64k,nr_inodes=64,mode=0755,nosuid,nodev');
    expect(plan.volumes[2]?.tmpfs).toBe(`size=${4096 + 8 + 64}k,nr_inodes=16386,mode=0755,nosuid,nodev`);
    expect(plan.volumes.map((v) => v.input?.root)).toEqual([
      { uid: 1000, gid: 1000, mode: 0o755 }, { uid: 0, gid: 0, mode: 0o755 }, undefined, { uid: 0, gid: 0, mode: 0o755 },
    ]);
    // A file in a spec volume leaves the runtime a mount point there, which it could not make in a read-only one.
    expect(plan.volumes[0]?.input?.files).toEqual([{ path: 'meta.json', content: '' }]);
    expect(plan.volumes[2]?.input).toBeUndefined();
    expect(plan.volumes[3]?.input?.files).toEqual([
      { path: 'meminfo', content: meminfoText(300) },
      { path: 'files/0', content: '{}' }, { path: 'files/1', content: 'x' }, { path: 'files/2', content: 'm' },
    ]);
    expect(plan.binds).toEqual([
      { source: 'meminfo', target: '/proc/meminfo' },
      { source: 'files/0', target: '/shared/meta.json' },
      { source: 'files/1', target: '/home/grader/x' },
      { source: 'files/2', target: '/autograder/submission_metadata.json' },
    ]);
    expect(plan.tmp).toBe('size=2m,nr_inodes=16384,mode=1777,exec');
    expect(plan.ptys).toEqual({ name: 'run-pts', options: `newinstance,ptmxmode=0666,mode=0620,max=${RUN_PTYS},nosuid,noexec` });
  });

  it('gives root its places: copies of the image\'s, empty root-owned ones only where a volume, file or the working directory needs them', () => {
    const spec = makeSpec(image, {
      user: { uid: 0, gid: 0 },
      cwd: '/work/sub',
      volumes: [{ target: '/autograder/results', readOnly: false, owner: 'user' }, { target: '/home/shared', readOnly: false, owner: 'user' }],
      files: [{ target: '/autograder/submission_metadata.json', content: '{}' }],
      limits: { writableMiB: 4 },
    });
    const places = [
      { path: '/autograder', footprintBytes: 0, absent: true as const },
      { path: '/etc', footprintBytes: 8192 },
      { path: '/home', footprintBytes: 4096 },
      { path: '/run', footprintBytes: 0, absent: true as const },
      { path: '/work', footprintBytes: 0, absent: true as const },
    ];
    const plan = planRun(spec, 'run', places, new Map());
    expect(plan.volumes.map((v) => [v.target, v.source, v.input?.root])).toEqual([
      ['/autograder/results', 'spec', { uid: 0, gid: 0, mode: 0o755 }],
      ['/home/shared', 'spec', { uid: 0, gid: 0, mode: 0o755 }],
      ['/autograder', 'fresh', { uid: 0, gid: 0, mode: 0o755 }],
      ['/etc', 'image', undefined],
      ['/home', 'image', undefined],
      ['/work', 'fresh', { uid: 0, gid: 0, mode: 0o755 }],
      ['', 'run', { uid: 0, gid: 0, mode: 0o755 }],
    ]);
    expect(plan.volumes[3]?.tmpfs).toBe(`size=${4096 + 8 + 64}k,nr_inodes=16386,mode=0755,nosuid,nodev`);
  });

  it('gives a non-root grader working in a writable / a bounded stand-in that links to the root, and nobody else', () => {
    const image = { id: 'x', rootfs: '/img' };
    const spec = makeSpec(image, { cwd: '/', rootWritable: true, files: [{ target: '/autograder/meta.json', content: '{}' }], limits: { writableMiB: 8 } });
    const plan = planRun(spec, 'run', [], new Map(), ['bin', 'etc', 'grader', 'shared', '.gradebox-old']);
    expect(plan.cwd).toBe(ROOT_STAND_IN);
    const standIn = plan.volumes.find((volume) => volume.target === ROOT_STAND_IN);
    expect(standIn).toMatchObject({ readOnly: false, tmpfs: expect.stringMatching(/^size=8256k,/) as unknown, input: { root: { uid: 0, gid: 0, mode: 0o1777 } } });
    expect(standIn?.input?.links).toEqual(['autograder', 'bin', 'dev', 'etc', 'grader', 'proc', 'shared', 'sys', 'tmp'].map((name) => ({ path: name, target: `/${name}` })));
    for (const other of [makeSpec(image, { cwd: '/', rootWritable: true, user: { uid: 0, gid: 0 } }), makeSpec(image, { cwd: '/grader', rootWritable: true }), makeSpec(image, { cwd: '/' })]) {
      const plain = planRun(other, 'run', [], new Map(), ['bin']);
      expect(plain.cwd).toBe(other.cwd);
      expect(plain.volumes.map((volume) => volume.target)).not.toContain(ROOT_STAND_IN);
    }
  });

  it('refuses a file where a volume or writable place is mounted', () => {
    expect(() => planRun(makeSpec(image, { files: [{ target: '/shared', content: '' }] }), 'run', [], new Map())).toThrow(/where a volume is mounted/);
    expect(() => planRun(makeSpec(image, { files: [{ target: '/home/grader', content: '' }] }), 'run', spots, new Map())).toThrow(/where a volume is mounted/);
  });
});

describe('docker: containers', () => {
  const image = { id: 'sha256:x', rootfs: '/nowhere' };
  const host = { keeperId: 'k33p3r', runVolumeDir: '/var/lib/docker/100000.100000/volumes/run-run/_data' };

  it('gives root a container root\'s capabilities and anyone else none, on a read-only root in the keeper\'s namespaces', () => {
    for (const [user, caps] of [[{ uid: 0, gid: 0 }, [...ROOT_CAPABILITIES]], [{ uid: 1000, gid: 1000 }, undefined]] as const) {
      const spec = makeSpec(image, { user, limits: { pids: 128 } });
      const config = graderContainer(spec, planRun(spec, 'run', [], new Map()), {}, host);
      expect(config.User).toBe(`${user.uid}:${user.gid}`);
      expect(config.HostConfig?.CapDrop).toEqual(['ALL']);
      expect(config.HostConfig?.CapAdd).toEqual(caps);
      expect(config.HostConfig?.ReadonlyRootfs).toBe(true);
      expect(config.HostConfig?.NetworkMode).toBe('container:k33p3r');
      expect(config.Hostname).toBeUndefined();
      expect(config.HostConfig?.SecurityOpt).toContain('no-new-privileges');
      expect(config.HostConfig?.MaskedPaths).toEqual(expect.arrayContaining(['/proc/cmdline', '/sys/class/dmi', '/sys/devices/virtual/dmi', '/proc/kcore', '/sys/firmware']));
      expect(config.HostConfig?.ReadonlyPaths).toContain('/proc/sys');
      expect(config.HostConfig?.Ulimits).toContainEqual({ Name: 'nofile', Soft: openFilesPerProcess(128), Hard: openFilesPerProcess(128) });
      expect(config.HostConfig?.Mounts).toContainEqual({ Type: 'bind', Source: `${host.runVolumeDir}/meminfo`, Target: '/proc/meminfo', ReadOnly: true });
      expect(config.HostConfig?.Mounts).toContainEqual(expect.objectContaining({ Type: 'volume', Source: 'run-pts', Target: '/dev/pts' }));
      // The run volume is only ever bound file by file.
      expect(config.HostConfig?.Mounts?.some((m) => m.Source === 'run-run')).toBe(false);
    }
  });

  it('has the keeper limit the user namespace the grader joins, as root of it with CAP_SYS_RESOURCE only', () => {
    const spec = makeSpec(image);
    const keeper = keeperContainer(spec, planRun(spec, 'run', [], new Map()), {});
    expect(keeper).toMatchObject({ User: '0:0', Hostname: 'grader', HostConfig: { CapDrop: ['ALL'], CapAdd: ['CAP_SYS_RESOURCE'], NetworkMode: 'none' } });
    expect(keeper.HostConfig?.ReadonlyPaths).not.toContain('/proc/sys');
    expect(keeper.HostConfig?.Mounts?.map((m) => m.Target)).toEqual(['/.gradebox/0', '/.gradebox/run']);
    expect(keeperContainer(makeSpec(image, { network: true }), planRun(spec, 'run', [], new Map()), {}).HostConfig?.NetworkMode).toBe('bridge');
    expect(keeperLimits()).toEqual({
      ...USER_NAMESPACE_LIMITS, max_mnt_namespaces: 1, max_pid_namespaces: 1, max_ipc_namespaces: 1, max_uts_namespaces: 1,
    });
    const [, , script = ''] = keeperCommand();
    expect(script).toContain('echo 16 > /proc/sys/user/max_inotify_instances');
    expect(script).toMatch(/&& echo gradebox-keeper-ready && read -r _$/);
  });

  it('refuses ids outside the run\'s user namespace', () => {
    expect(() => checkProcess(makeSpec(image, { user: { uid: 65536, gid: 0 } }))).toThrow(/uid and gid from 0 to 65535/);
    expect(() => checkProcess(makeSpec(image, { user: { uid: 0, gid: -1 } }))).toThrow(/uid and gid from 0 to 65535/);
  });
});

describe('docker: the daemon', () => {
  it('is refused without user namespaces, saying how to enable them', () => {
    for (const info of [{ SecurityOptions: ['name=seccomp,profile=default'] }, {}, { SecurityOptions: 'name=userns' as unknown as string[] }, { SecurityOptions: ['name=usernsx'] }]) {
      let error: unknown;
      try {
        requireUserNamespaces(info);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SandboxError);
      expect((error as SandboxError).message).toMatch(/without user namespaces/);
      expect((error as SandboxError).hint).toMatch(/"userns-remap": "default" to \/etc\/docker\/daemon\.json and restart dockerd/);
    }
    expect(() => requireUserNamespaces({ SecurityOptions: ['name=seccomp,profile=default', 'name=userns'] })).not.toThrow();
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
