import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, cp, lchown, lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { writeDockerArchive } from '../../scripts/test-images/image-writer.ts';
import { LayerWriter } from '../../scripts/test-images/layer-writer.ts';
import { addDirectory } from '../../scripts/test-images/dir-layer.ts';
import { dockerArchiveStream } from '../../src/image/docker-archive-export.ts';
import { ImageStore } from '../../src/image/image-store.ts';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import { runPrefix } from '../../src/sandbox/docker/run-name.ts';
import { openSandbox } from '../../src/sandbox/open-sandbox.ts';
import { hostId, idInRun, sandboxIdRange } from '../../src/sandbox/id-range.ts';
import { SandboxError, type PreparedImage } from '../../src/sandbox/sandbox.ts';
import { busyboxImage, dirImage, dockerLeftovers, imageOwnerId, testDocker } from '../support/docker-test.ts';
import { snapshotLeftovers, type LeftoverScope } from '../support/leftovers.ts';
import { makeSpec, sh } from './cases/context.ts';
import { testImage } from '../support/test-image.ts';
import { defineSandboxSuite } from './sandbox.case.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'gradebox-docker-'));
const work = mkdtempSync(join(tmpdir(), 'gradebox-docker-work-'));
afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const daemon = await testDocker();
if ('reason' in daemon) {
  describe.skip(`docker: ${daemon.reason}`, () => {
    it('runs the sandbox suite', () => undefined);
  });
} else {
  const { docker } = daemon;
  const sandbox = new DockerSandbox({ stateDir, docker });
  // Processes in a run's cgroup, its cgroups, and the containers and volumes of this state directory.
  const scope: LeftoverScope = { stateDir, idPrefix: runPrefix(stateDir), stateSubdirs: [] };
  const leftovers = async (): Promise<string[]> => [...(await snapshotLeftovers(scope)), ...(await dockerLeftovers(docker, stateDir))];
  const busybox = await busyboxImage(docker);
  let pythonRuns: ReturnType<typeof pythonOnDocker> | undefined;
  defineSandboxSuite('docker', async () => sandbox, {
    leftovers, image: async () => busybox, python: () => (pythonRuns ??= pythonOnDocker(docker)), hostPaths: () => [stateDir, work],
  });
  defineDockerCases(docker, sandbox, busybox, leftovers);
}

/** The Python test image through the image store, and a docker sandbox that loads it from there. */
async function pythonOnDocker(docker: Docker): Promise<{ sandbox: DockerSandbox; image: PreparedImage }> {
  const store = new ImageStore(join(work, 'python-store'));
  const record = await store.import(testImage('python'));
  const sandbox = new DockerSandbox({ stateDir, docker, imageArchive: async () => dockerArchiveStream(store.blobs, record) });
  return { sandbox, image: { id: record.id, rootfs: await store.rootfs(record) } };
}

/** Images the cases below load for themselves, removed from the daemon at the end. */
const adHocImages: string[] = [];

/**
 * Lays `root` out as the image store unpacks images: owners outside the sandbox id range (the
 * test's own root, or ids it set with chown) are shifted into it (see id-range.ts).
 */
async function shiftIntoRange(root: string): Promise<void> {
  const range = sandboxIdRange();
  const shift = (id: number): number => (idInRun(range, id) === undefined ? hostId(range, id) : id);
  const walk = async (path: string): Promise<void> => {
    const stats = await lstat(path);
    await lchown(path, shift(stats.uid), shift(stats.gid));
    if (stats.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(root);
}

async function adHocImage(docker: Docker, root: string): Promise<PreparedImage> {
  await shiftIntoRange(root);
  const id = await dirImage(docker, root);
  adHocImages.push(id);
  return { id, rootfs: root };
}

/** A copy of the busybox root in `work`, changed by `edit`, as an image. */
async function editedBusybox(docker: Docker, rootfs: string, edit: (root: string) => Promise<void>): Promise<PreparedImage> {
  const root = await mkdtemp(join(work, 'root-'));
  await cp(rootfs, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  await chown(join(root, 'home/grader'), 1000, 1000);
  await chmod(root, 0o755);
  await edit(root);
  return adHocImage(docker, root);
}

function defineDockerCases(docker: Docker, sandbox: DockerSandbox, busybox: PreparedImage, leftovers: () => Promise<string[]>): void {
  describe('docker backend', () => {
    let before: string[] = [];
    beforeEach(async () => {
      before = await leftovers();
    });
    afterEach(async () => {
      expect(await leftovers(), 'the run left something behind').toEqual(before);
    });
    afterAll(async () => {
      for (const id of adHocImages) await docker.getImage(id).remove({ force: true }).catch(() => undefined);
    });

    it('cleanupStale removes what a supervisor killed with SIGKILL left behind', async () => {
      const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), 'docker', stateDir, busybox.rootfs, busybox.id], { stdio: 'inherit' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        // Wait until the run is really going: the grader's processes are in its cgroup.
        for (let i = 0; i < 200 && !(await leftovers()).some((item) => item.includes('sleep 600') && item.includes('[in a run cgroup]')); i++) await sleep(50);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      const stranded = await leftovers();
      for (const kind of ['process', 'cgroup', 'container', 'volume']) expect(stranded.some((item) => item.startsWith(kind)), `${kind} stranded`).toBe(true);
      await sandbox.cleanupStale();
      expect(await leftovers()).toEqual(before);
    });

    it('cleanupStale leaves the runs of live supervisors alone', async () => {
      const running = sandbox.run(makeSpec(busybox, { argv: sh('sleep 1; echo survived') }));
      for (let i = 0; i < 100 && !(await dockerLeftovers(docker, stateDir)).some((item) => item.includes('running')); i++) await sleep(20);
      await sandbox.cleanupStale();
      expect(await running).toMatchObject({ reason: 'exited', exitCode: 0, stdout: { text: 'survived\n' } });
    });

    it('loads an image the daemon lacks from the image archive source, through the Engine API', async () => {
      // A busybox image with a config of its own, so its id is new to the daemon.
      const layer = new LayerWriter(join(work, 'unique.layer'));
      await addDirectory(layer, busybox.rootfs, { imageId: imageOwnerId });
      const archive = join(work, 'unique.tar');
      const label = `${process.pid}-${Date.now()}`;
      await writeDockerArchive(archive, { tag: 'gradebox-test/unique:latest', config: { Labels: { label } }, layers: [await layer.finish()] }, 'blobs');
      const store = new ImageStore(join(work, 'store'));
      const record = await store.import(archive);
      // The store has it; the daemon must not.
      await docker.getImage(record.id).remove({ force: true }).catch(() => undefined);
      const image = { id: record.id, rootfs: await store.rootfs(record) };
      try {
        await expect(sandbox.run(makeSpec(image))).rejects.toThrow(new RegExp(`has no image ${record.id}`));
        const loading = new DockerSandbox({ stateDir, docker, imageArchive: async (id) => dockerArchiveStream(store.blobs, (await store.get(id)) ?? expect.fail(id)) });
        expect(await loading.run(makeSpec(image, { argv: sh('echo loaded') }))).toMatchObject({ reason: 'exited', stdout: { text: 'loaded\n' } });
      } finally {
        await docker.getImage(record.id).remove({ force: true }).catch(() => undefined);
      }
    });

    it('needs /bin/sh in the image for its keeper, with or without volumes, and says so', async () => {
      const root = await mkdtemp(join(work, 'shell-less-'));
      await chmod(root, 0o755);
      await mkdir(join(root, 'bin'));
      await copyFile(join(busybox.rootfs, 'bin/busybox'), join(root, 'bin/busybox'));
      const image = await adHocImage(docker, root);
      for (const volumes of [undefined, []]) {
        const error: unknown = await sandbox.run(makeSpec(image, { argv: ['/bin/busybox', 'true'], ...(volumes === undefined ? {} : { volumes }) })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SandboxError);
        expect((error as SandboxError).message).toMatch(/needs \/bin\/sh in the grader image/);
        expect((error as SandboxError).hint).toMatch(/oci backend/);
      }
    });

    it('bounds everything root writes: a read-only root, and size-limited copies of its places, the working directory\'s among them', async () => {
      const image = await editedBusybox(docker, busybox.rootfs, async (root) => {
        for (const dir of ['run', 'var/tmp', 'usr/lib', 'opt', 'srv', 'app']) await mkdir(join(root, dir), { recursive: true });
        await chmod(join(root, 'var/tmp'), 0o1777);
        await writeFile(join(root, 'app/data.txt'), 'image data\n');
      });
      const places = ['/etc', '/root', '/home', '/run', '/var/tmp', '/app', '/autograder', '/autograder/results', '/tmp', '/dev/shm'];
      const outcome = await sandbox.run(makeSpec(image, {
        user: { uid: 0, gid: 0 },
        cwd: '/app',
        volumes: [{ target: '/autograder/results', readOnly: false, owner: 'user' }],
        limits: { writableMiB: 4, tmpMiB: 4 },
        argv: sh(`echo more >> data.txt && cat data.txt
          for f in /probe /bin/probe /usr/lib/probe /opt/probe /srv/probe /etc/hosts /etc/hostname /etc/resolv.conf; do
            echo x >> $f 2>/dev/null && echo WROTE $f; done
          touch /probe 2>&1 | grep -o "Read-only file system"
          for d in ${places.join(' ')}; do
            dd if=/dev/zero of=$d/fill bs=1M count=64 2>&1 | grep -q "No space left on device" && echo FULL $d; rm -f $d/fill; done`),
      }));
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      expect(outcome.stdout.text).toBe(['image data', 'more', 'Read-only file system', ...places.map((place) => `FULL ${place}`), ''].join('\n'));
    });

    it('gives a non-root grader a bounded stand-in for a writable / (rootWritable): links to every entry of /, / itself read-only', async () => {
      const outcome = await sandbox.run(makeSpec(busybox, {
        cwd: '/', rootWritable: true,
        argv: sh('pwd; readlink bin; readlink shared; touch /Rplots.pdf 2>&1 | grep -o "Read-only file system"; ls -A | grep -c gradebox'),
      }));
      expect(outcome.stdout.text).toBe('/.gradebox-root\n/bin\n/shared\nRead-only file system\n0\n');
    });

    it('bounds a file the user may grow in a directory it cannot write, and keeps the directory closed', async () => {
      const image = await editedBusybox(docker, busybox.rootfs, async (root) => {
        await mkdir(join(root, 'data'));
        await writeFile(join(root, 'data/log'), 'first\n');
        await chown(join(root, 'data/log'), 1000, 1000);
      });
      const outcome = await sandbox.run(makeSpec(image, {
        argv: sh(`cat /data/log; touch /data/new 2>/dev/null || echo DIR-CLOSED
          dd if=/dev/zero bs=1M count=16 2>&1 >> /data/log | grep -o "No space left on device"`),
        limits: { writableMiB: 4 },
      }));
      expect(outcome.stdout.text).toBe('first\nDIR-CLOSED\nNo space left on device\n');
    });

    it('refuses an image with a file in / that the user could write (Docker cannot bound it)', async () => {
      const image = await editedBusybox(docker, busybox.rootfs, async (root) => {
        await writeFile(join(root, 'notes.txt'), 'mine');
        await chown(join(root, 'notes.txt'), 1000, 1000);
      });
      await expect(sandbox.run(makeSpec(image))).rejects.toThrow(/could write in the image's root directory/);
    });

    it('copies long names, deep paths and long link targets byte for byte', async () => {
      const input = await mkdtemp(join(work, 'long-'));
      const long = `${'n'.repeat(180)}.txt`;
      const deep = Array.from({ length: 6 }, (_, i) => `${i}${'d'.repeat(60)}`).join('/');
      await mkdir(join(input, deep), { recursive: true });
      await writeFile(join(input, deep, long), 'deep and long');
      await symlink(`/${'t'.repeat(150)}`, join(input, 'far'));
      const outcome = await sandbox.run(makeSpec(busybox, {
        volumes: [{ target: '/shared/submission', readOnly: true, owner: 'user', copyFrom: input }],
        argv: sh(`cat "/shared/submission/${deep}/${long}"; echo; readlink /shared/submission/far | wc -c`),
      }));
      expect(outcome.stdout.text).toBe('deep and long\n152\n');
      expect(await readlink(join(input, 'far'))).toHaveLength(151);
    });

    const pythonTar = inject('testImages')?.python;
    it.skipIf(pythonTar === undefined)('runs Python under the default seccomp profile', async () => {
      const store = new ImageStore(join(work, 'python-store'));
      const record = await store.import(pythonTar ?? '');
      const image = { id: record.id, rootfs: await store.rootfs(record) };
      const python = new DockerSandbox({ stateDir, docker, imageArchive: async () => dockerArchiveStream(store.blobs, record) });
      const script = [
        'import asyncio, json, multiprocessing, socket, subprocess, tempfile, threading',
        't = threading.Thread(target=print, args=("thread",)); t.start(); t.join()',
        'print(subprocess.run(["/bin/echo", "subprocess"], capture_output=True, text=True).stdout.strip())',
        's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); socket.create_connection(s.getsockname()).close(); print("socket")',
        'print(asyncio.run(asyncio.sleep(0, "asyncio")))',
        'with multiprocessing.Pool(2) as pool: print(sum(pool.map(abs, [-1, -2])))',
        'with tempfile.NamedTemporaryFile() as f: print("tempfile")',
      ].join('\n');
      const outcome = await python.run(makeSpec(image, { argv: ['python3', '-c', script], limits: { pids: 64 } }));
      expect(outcome.stderr.text).toBe('');
      expect(outcome.stdout.text).toBe('thread\nsubprocess\nsocket\nasyncio\n3\ntempfile\n');
    }, 120_000);

    it('reports a daemon that does not answer as a SandboxError', async () => {
      const { default: Dockerode } = await import('dockerode');
      const nowhere = new DockerSandbox({ stateDir, docker: new Dockerode({ socketPath: join(work, 'no-daemon.sock') }) });
      await expect(nowhere.run(makeSpec(busybox))).rejects.toThrow(/no Docker daemon answers/);
    });

    it('is what --backend docker opens; auto prefers oci where a runtime works', async () => {
      expect((await openSandbox('docker', stateDir)).name).toBe('docker');
      expect(['oci', 'docker']).toContain((await openSandbox('auto', join(work, 'auto-state'))).name);
    });

    it('refuses a bad spec before creating anything', async () => {
      await expect(sandbox.run(makeSpec(busybox, { cwd: 'relative' }))).rejects.toThrow(/cwd must be an absolute path/);
      await expect(sandbox.run(makeSpec(busybox, { files: [{ target: '/shared', content: 'x' }] }))).rejects.toThrow(/where a volume is mounted/);
      await rm(join(work, 'auto-state'), { recursive: true, force: true });
    });
  });
}
