import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type Docker from 'dockerode';
import { addDirectory } from '../../scripts/test-images/dir-layer.ts';
import { writeDockerArchive, type ContainerConfig } from '../../scripts/test-images/image-writer.ts';
import { LayerWriter } from '../../scripts/test-images/layer-writer.ts';
import { createDockerClient } from '../../src/sandbox/docker/docker-client.ts';
import { ensureImageLoaded } from '../../src/sandbox/docker/image-loading.ts';
import { stateFilters } from '../../src/sandbox/docker/run-name.ts';
import { idInRun, sandboxIdRange } from '../../src/sandbox/id-range.ts';
import { busyboxRootfs, CACHE_DIR } from './busybox-rootfs.ts';

/** A client for the test daemon, or why there is none (tests skip, saying so). */
export async function testDocker(): Promise<{ docker: Docker; version: string } | { reason: string }> {
  try {
    const docker = await createDockerClient();
    const version = await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
    ]);
    return { docker, version: version.Version };
  } catch (error) {
    return { reason: `no Docker daemon answers (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); bash scripts/start-dockerd.sh starts one` };
  }
}

/**
 * The image's own id of an owner id on disk: test roots are laid out as the image store unpacks
 * images, owners shifted into the sandbox id range (see id-range.ts), while an image records the
 * ids its processes see. Ids outside the range are recorded as they are.
 */
export const imageOwnerId = (id: number): number => idInRun(sandboxIdRange(), id) ?? id;

async function writeDirArchive(dir: string, config: ContainerConfig, out: string, tag: string): Promise<string> {
  const layer = new LayerWriter(`${out}.layer`);
  await addDirectory(layer, dir, { imageId: imageOwnerId });
  try {
    return await writeDockerArchive(out, { tag, config, layers: [await layer.finish()] }, 'blobs');
  } finally {
    await rm(`${out}.layer`, { force: true });
  }
}

/**
 * A directory (owners shifted as the image store unpacks them, see imageOwnerId; modes as on
 * disk) as a one-layer image in the daemon, loaded through the Engine API; returns its id. With `cacheKey` the archive is written once into test/.cache (for
 * directories that never change, like the busybox root); without, into a temporary file.
 */
export async function dirImage(docker: Docker, dir: string, config: ContainerConfig = { Cmd: ['sh'] }, cacheKey?: string): Promise<string> {
  if (cacheKey === undefined) {
    const tmp = await mkdtemp(join(tmpdir(), 'gradebox-dir-image-'));
    try {
      const archive = join(tmp, 'image.tar');
      const id = await writeDirArchive(dir, config, archive, `gradebox-test/dir-${randomBytes(4).toString('hex')}:latest`);
      await ensureImageLoaded(docker, id, archive);
      return id;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const key = createHash('sha256').update(JSON.stringify([cacheKey, config, readFileSync(import.meta.filename, 'utf8')])).digest('hex').slice(0, 12);
  const archive = join(CACHE_DIR, `docker-image-${key}.tar`);
  const idFile = `${archive}.id`;
  if (!existsSync(idFile)) {
    await mkdir(CACHE_DIR, { recursive: true });
    const building = `${archive}.${process.pid}.tmp`;
    const id = await writeDirArchive(dir, config, building, `gradebox-test/dir-${key}:latest`);
    await rename(building, archive);
    await writeFile(idFile, id);
  }
  const id = readFileSync(idFile, 'utf8').trim();
  await ensureImageLoaded(docker, id, archive);
  return id;
}

/** The suite's busybox root filesystem (test/support/busybox-rootfs.ts) as an image in the daemon. */
export async function busyboxImage(docker: Docker): Promise<{ id: string; rootfs: string }> {
  const rootfs = await busyboxRootfs();
  // The root's directory name holds the hash of its content.
  return { id: await dirImage(docker, rootfs, { Cmd: ['sh'] }, basename(rootfs)), rootfs };
}

/** Containers and volumes of `stateDir`'s docker runs still on the daemon, for leftover checks. */
export async function dockerLeftovers(docker: Docker, stateDir: string): Promise<string[]> {
  const filters = { label: stateFilters(stateDir) };
  const [containers, { Volumes: volumes }] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listVolumes({ filters })]);
  return [
    ...containers.map((c) => `container ${c.Names.join(',')} (${c.State})`),
    ...(volumes ?? []).map((v) => `volume ${v.Name}`),
  ].sort();
}
