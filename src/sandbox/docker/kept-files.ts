import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Container, ContainerCreateOptions } from 'dockerode';
import { unpackLayer } from '../../image/unpack-layer.ts';
import { ROOT_STAND_IN, type RunPlan } from './run-plan.ts';

/**
 * Copies what a kept run (`--no-rm`) left to the plain directory `to`, through the keeper: each
 * spec volume to `volumes/<target>` and each writable place of the image (root's places included)
 * to `rootfs-changes/<path>` (the docker backend's equivalent of the oci writable layer), plus the
 * two containers' configurations. The archives come from the run, so they are unpacked with the
 * image unpacker's rules: links are recreated as links, nothing is written through one, no path
 * escapes `to`, device nodes are refused and FIFOs skipped.
 */
export async function keepRunFiles(keeper: Container, plan: RunPlan, to: string, configs: ContainerCreateOptions[]): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  await writeFile(join(to, 'containers.json'), `${JSON.stringify(configs, null, 2)}\n`);
  for (const [n, volume] of plan.volumes.entries()) {
    // The run volume holds only what gradebox placed (meminfo, the files), already in containers.json's binds.
    if (volume.source === 'run') continue;
    // What a grader wrote into the stand-in for a writable `/` was written into `/` as it sees it.
    const standIn = volume.target === ROOT_STAND_IN;
    const dest = join(to, volume.source === 'spec' ? 'volumes' : 'rootfs-changes', standIn ? '' : volume.target);
    await mkdir(dest, { recursive: true });
    const archive = join(to, `.volume-${n}.tar`);
    try {
      // `<dir>/.` archives the directory's contents with names relative to it.
      await pipeline(await keeper.getArchive({ path: `${volume.keeperPath}/.` }), createWriteStream(archive, { mode: 0o600 }));
      await unpackLayer(archive, dest, { what: `kept files of ${volume.target}` });
      if (standIn) await dropStandInLinks(dest, volume.input?.links ?? []);
    } finally {
      await rm(archive, { force: true });
    }
  }
}

/** Removes the stand-in's own links to the root that are still as gradebox made them: they are not the run's changes. */
async function dropStandInLinks(dir: string, links: readonly { path: string; target: string }[]): Promise<void> {
  for (const link of links) {
    const path = join(dir, link.path);
    const stats = await lstat(path).catch(() => undefined);
    if (stats?.isSymbolicLink() === true && (await readlink(path)) === link.target) await rm(path);
  }
}
